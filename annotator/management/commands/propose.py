from django.core.management.base import BaseCommand, CommandError

from annotator.errors import DomainError
from annotator.services.proposals import request_proposals
from jobs.kinds import JobKind
from jobs.models import Job

from ._helpers import get_project
from ._wait import add_inline_argument, jobs_of, run_here_or_wait, wait_for_jobs

PROPOSAL_QUEUES = {str(JobKind.PROPOSALS.queue)}


class Command(BaseCommand):
    help = (
        "Make the machine proposals of a project's videos (or one video) from their whole-video "
        "poses, with suggested categories when the project has a suggester (docs/design.md "
        "§17). Waits for the jobs (well under a second per video) unless --no-wait."
    )

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--video", dest="video_id", metavar="VIDEO_ID", help="one video (its external id)"
        )
        parser.add_argument("--no-wait", action="store_true", help="queue the jobs and return")
        add_inline_argument(parser)

    def handle(self, project, video_id=None, no_wait=False, inline=None, **_):
        target = get_project(project)
        videos = target.videos.order_by("pk")
        if video_id is not None:
            videos = videos.filter(external_id=video_id)
            if not videos.exists():
                raise CommandError(f"project {target.name} has no video {video_id!r}")
        elif not videos.exclude(pose_file="").exists():
            raise CommandError(
                f"no video of project {target.name} has whole-video poses: make them first "
                "(manage.py video_poses, or import skeletons)"
            )
        else:
            videos = videos.exclude(pose_file="")
        here = False if no_wait else run_here_or_wait(self, PROPOSAL_QUEUES, inline)
        jobs = []
        for video in videos:
            try:
                jobs.append(request_proposals(video))
            except DomainError as exc:
                refusal = f"video {video.external_id}: {exc.message} [{exc.code}]"
                raise CommandError(refusal) from exc
        self.stdout.write(f"{len(jobs)} proposals job(s) queued")
        if no_wait:
            return
        wait_for_jobs(self, *jobs_of(j.pk for j in jobs), here=here, inline=inline, name="propose")
        for job in Job.objects.filter(pk__in=[j.pk for j in jobs]).order_by("pk"):
            video = videos.get(pk=job.params["video"])
            if job.state != Job.State.SUCCEEDED:
                self.stderr.write(f"  video {video.external_id}: {job.state} {job.error}")
                continue
            r = job.result
            self.stdout.write(
                f"  video {video.external_id}: {r['proposals']} proposals ({r['created']} new, "
                f"{r['kept']} kept, {r['deleted']} removed)"
                + (f", categories from baseline run {r['suggester']}" if r.get("suggester") else "")
            )
