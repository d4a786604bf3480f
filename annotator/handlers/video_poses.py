"""The `video_poses` job (gpu queue): the default pose backend over a video's whole proxy, kept
in the 22-joint layout (annotator.services.video_poses), then the video's proposals when its
project shows them (docs/design.md §17).

The job works only on a video whose current pose job it is, so an old job retried by hand does
not overwrite newer poses. A failure leaves the video's earlier pose file, if any, in place and
says why on the job.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from annotator.models import Video
from annotator.services.pose_backend import extract_from_file
from annotator.services.proposals import after_poses
from annotator.services.video_poses import store_video_poses
from baselines.skeleton import to_imigue22
from jobs.kinds import JobKind
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError
from pipeline.poses import PoseConfigError


@job_handler(JobKind.VIDEO_POSES)
def video_poses(ctx: JobContext) -> dict:
    video = Video.objects.select_related("project").filter(pk=ctx.params.get("video")).first()
    if video is None:
        raise JobInputError("the video no longer exists", code="no_video")
    if video.pose_job_id != ctx.job.pk:
        raise JobInputError(
            f"video {video.pk} has moved on to pose job {video.pose_job_id}", code="superseded"
        )
    proxy = Path(settings.MEDIA_ROOT) / video.proxy_file if video.proxy_file else None
    if proxy is None or not proxy.is_file():
        raise JobInputError("the video's proxy is missing", code="no_proxy")
    ctx.progress(0.0, "poses", force=True)
    try:
        result, backend_settings, info = extract_from_file(
            proxy, lambda f: ctx.progress(0.98 * f, "poses")
        )
    except PoseConfigError as exc:
        raise JobInputError(str(exc), code="pose_config") from exc
    joints = to_imigue22(result.keypoints, result.layout)
    ctx.progress(0.98, "storing", force=True)
    pose_settings = {
        **backend_settings,
        "source": "proxy",
        "width": info.width,
        "height": info.height,
    }
    store_video_poses(video, joints, pose_settings, temp=ctx.temp_path("poses.npz"))
    found = int(sum(1 for row in joints if row[:, 2].any()))
    ctx.log(f"poses of {len(joints)} frames ({found} with the subject) from {result.layout}")
    proposals = after_poses(video)
    return {
        "video": video.pk,
        "frames": len(joints),
        "frames_with_subject": found,
        "proposals_job": proposals.pk if proposals is not None else None,
    }
