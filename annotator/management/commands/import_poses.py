from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.management.commands._helpers import get_project, parse_fps
from annotator.management.commands._proposals import run_proposal_jobs
from annotator.services.pose_import import import_video_poses
from pipeline.openpose import DEFAULT_SIZE, OpenPoseError, load_openpose


class Command(BaseCommand):
    help = (
        "Import a video's OpenPose-137 skeletons (an .npz of keypoints (T, P, 137, 3) + "
        "num_people, or OpenPose's folder of per-frame JSON files): the main subject is kept and "
        "every clip of the video gets its frames start..end as its pose file."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help=".npz file or folder of <video>_<frame>_keypoints.json")
        parser.add_argument("--project", required=True)
        parser.add_argument("--video", required=True, dest="video_id", metavar="VIDEO_ID")
        parser.add_argument(
            "--fps",
            default="25",
            help="the skeletons' frame rate (default 25); must match the video's when known",
        )
        parser.add_argument(
            "--json-video", help="JSON folder: the file-name prefix to read (default: the only one)"
        )

    def handle(self, source, project, video_id, fps="25", json_video=None, **_):
        target = get_project(project)
        video = target.videos.filter(external_id=video_id).first()
        if video is None:
            raise CommandError(f"project {target.name} has no video {video_id!r}")
        rate = parse_fps(fps)
        if video.fps and abs(video.fps - float(rate)) > 1e-3:
            raise CommandError(
                f"video {video_id} is at {video.fps:g} fps but the skeletons at {float(rate):g}: "
                "their frame numbers would not line up (give --fps)"
            )
        if not video.clips.exists():
            raise CommandError(f"video {video_id} has no clips (import them first: import_clips)")
        # The frame size only weighs which person is nearer the centre; iMiGUE's is 1280×720.
        size = (video.width or DEFAULT_SIZE[0], video.height or DEFAULT_SIZE[1])
        try:
            skeletons = load_openpose(Path(source), video=json_video, width=size[0], height=size[1])
        except OpenPoseError as exc:
            raise CommandError(str(exc)) from exc
        report = import_video_poses(video, skeletons, source=Path(source).name)
        self.stdout.write(
            f"video {video_id}: {report.num_frames} frames of {report.layout} skeletons"
        )
        if video.num_frames and video.num_frames != report.num_frames:
            self.stdout.write(
                f"  warning: the video has {video.num_frames} frames, the skeletons "
                f"{report.num_frames}"
            )
        self.stdout.write(f"  clips written: {len(report.written)}")
        self.stdout.write(f"  unchanged: {len(report.unchanged)}")
        self.stdout.write(
            f"  whole-video poses: {'written' if report.video_poses_written else 'unchanged'}"
        )
        run_proposal_jobs(self, [report.proposals_job], "import_poses")
        for clip, reason in report.refused:
            self.stderr.write(
                f"  refused clip {clip.pk} [{clip.start_frame}, {clip.end_frame}]: {reason}"
            )
        if report.refused:
            raise CommandError(
                f"{len(report.refused)} clip(s) of video {video_id} refused: they end past the "
                f"skeletons' {report.num_frames} frames (the others were imported)"
            )
