from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q

from annotator.errors import DomainError
from annotator.models import Video
from annotator.services.pose_backend import require_pose_backend
from annotator.services.video_poses import request_video_poses
from jobs.kinds import JobKind
from jobs.models import Job

from ._helpers import get_project
from ._wait import add_inline_argument, run_here_or_wait, wait_for_jobs

# The pose job queues the proposals job when it ends: --wait waits for both.
QUEUES = {str(JobKind.VIDEO_POSES.queue), str(JobKind.PROPOSALS.queue)}


class Command(BaseCommand):
    help = (
        "Extract the whole-video poses of a project's ready videos (or one video) with the "
        "configured pose backend, the input of machine proposals (docs/design.md §17); the "
        "proposals follow when the project shows them."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--video", dest="video_id", metavar="VIDEO_ID", help="one video (its external id)"
        )
        parser.add_argument(
            "--missing", action="store_true", help="only videos that have no whole-video poses"
        )
        parser.add_argument("--wait", action="store_true", help="wait until the poses are done")
        add_inline_argument(parser)

    def handle(self, project, video_id=None, missing=False, wait=False, inline=None, **_):
        target = get_project(project)
        videos = target.videos.filter(status=Video.Status.READY).order_by("pk")
        if video_id is not None:
            videos = target.videos.filter(external_id=video_id)
            if not videos.exists():
                raise CommandError(f"project {target.name} has no video {video_id!r}")
        if missing:
            videos = videos.filter(pose_file="")
        try:
            require_pose_backend()  # refused before anything is queued
        except DomainError as exc:
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        here = run_here_or_wait(self, QUEUES, inline) if wait else False
        jobs = []
        for video in videos:
            try:
                jobs.append(request_video_poses(video, preflight=False))
            except DomainError as exc:
                refusal = f"video {video.external_id}: {exc.message} [{exc.code}]"
                raise CommandError(refusal) from exc
        self.stdout.write(f"{len(jobs)} whole-video pose job(s) queued")
        if not wait:
            return
        ids = [j.pk for j in jobs]

        def pending() -> list[Job]:
            follow = Video.objects.filter(pose_job__in=ids).values("proposals_job")
            return list(
                Job.objects.filter(Q(pk__in=ids) | Q(pk__in=follow), state__in=Job.ACTIVE_STATES)
            )

        def done() -> bool:
            return not pending()

        wait_for_jobs(self, pending, done, here=here, inline=inline, name="video_poses")
        for video in Video.objects.filter(pose_job__in=ids).select_related("pose_job"):
            self.stdout.write(
                f"  video {video.external_id}: {video.pose_job.state}"
                + (f", {video.proposals.count()} proposals" if video.pose_file else "")
            )
