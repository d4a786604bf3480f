"""Whole-video poses (docs/design.md §17): the input of machine proposals.

A video's poses are kept in the 22-joint layout (``imigue22``, docs/design.md §9) at
``video_poses/<project>/<video>.npz``, whatever made them: the ``video_poses`` job runs the
default pose backend over the proxy (the clock: proxy frame *i* is source frame *i*), and an
OpenPose import cuts them from the skeletons it was given. Only 22 joints are kept: they are all
proposals and suggesters read, and a 14-minute video's 543 MediaPipe points would be 140 MB.
They are never served to labelers nor released: a release's poses are the clips' own.

The job starts after a successful ingest when the project asks for it (``Project.video_poses``)
and on demand (API, ``manage.py video_poses``); ``Video.pose_job`` is its job.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from annotator.errors import CONFLICT, NOT_FOUND, DomainError
from annotator.job_scopes import video_scope
from annotator.models import Video
from baselines.skeleton import NUM_JOINTS, to_imigue22
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job
from pipeline.poses import publish_poses

from .pose_backend import require_pose_backend

LAYOUT = "imigue22"


class VideoPosesRefused(DomainError):
    """Whole-video poses cannot be made for this video now; the message says why."""

    code = "video_poses_refused"
    kind = CONFLICT


class VideoHasNoPoses(DomainError):
    code = "no_video_poses"
    kind = NOT_FOUND


def video_pose_path(video: Video) -> str:
    return f"video_poses/{video.project_id}/{video.pk}.npz"


def _active(job_id: int | None) -> Job | None:
    if job_id is None:
        return None
    return Job.objects.filter(pk=job_id, state__in=Job.ACTIVE_STATES).first()


def request_video_poses(video: Video, user=None, *, preflight: bool = True) -> Job:
    """Queue the poses of the whole video (202 pattern); the job already waiting or running
    for it when there is one. ``preflight`` builds the pose backend first, so a request is
    refused with the reason rather than failing on the worker (docs/design.md §8)."""
    if video.status != Video.Status.READY or not video.proxy_file:
        raise VideoPosesRefused(
            f"video {video.external_id} has no proxy to pose (status {video.status})",
            code="video_not_ready",
        )
    if preflight:
        require_pose_backend()
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        running = _active(locked.pose_job_id)
        if running is not None:
            return running
        job = runner.enqueue(
            JobKind.VIDEO_POSES,
            scope=video_scope(video.project_id, video.pk),
            params={"video": video.pk},
            user=user,
        )
        Video.objects.filter(pk=video.pk).update(pose_job=job)
    video.pose_job = job
    return job


def after_ingest(video: Video) -> Job | None:
    """A video just became ready: pose it when its project asks for whole-video poses. No
    preflight here: the ingest job is not the place to refuse, and a worker that cannot load
    the backend fails the pose job with the reason."""
    if not video.project.video_poses:
        return None
    return request_video_poses(video, preflight=False)


def store_video_poses(
    video: Video, joints: np.ndarray, pose_settings: dict, *, temp: Path | None = None
) -> str:
    """Publish ``joints`` (T, 22, 3) as the video's pose file and record it on the row.

    ``temp`` is where to write first (a job's private folder); by default a file beside the
    target. Either way the file appears with one rename: a reader sees the old one or the new.
    """
    joints = np.ascontiguousarray(joints, dtype=np.float32)
    if joints.ndim != 3 or joints.shape[1:] != (NUM_JOINTS, 3):
        raise ValueError(f"expected (T, {NUM_JOINTS}, 3) joints, got {joints.shape}")
    relative = video_pose_path(video)
    target = Path(settings.MEDIA_ROOT) / relative
    digest, people = publish_poses(joints, LAYOUT, target, temp=temp)
    recorded = {**pose_settings, "frames": len(joints), "sha256": digest}
    recorded["frames_with_subject"] = int(sum(people))
    Video.objects.filter(pk=video.pk).update(
        pose_file=relative, pose_layout=LAYOUT, pose_settings=recorded
    )
    video.pose_file, video.pose_layout, video.pose_settings = relative, LAYOUT, recorded
    return relative


def store_imported_poses(
    video: Video, keypoints: np.ndarray, layout: str, *, source: str, width: int, height: int
) -> str:
    """Whole-video poses from imported skeletons (OpenPose-137 for iMiGUE): the same file the
    job makes, so an imported video gets proposals too."""
    return store_video_poses(
        video,
        to_imigue22(keypoints, layout),
        {"source": source, "layout": layout, "width": width, "height": height},
    )


def load_video_poses(video: Video) -> np.ndarray:
    """The video's (T, 22, 3) poses in pixels; VideoHasNoPoses when it has none."""
    if not video.pose_file:
        raise VideoHasNoPoses(f"video {video.external_id} has no whole-video poses")
    try:
        with np.load(Path(settings.MEDIA_ROOT) / video.pose_file) as data:
            layout, keypoints = str(data["layout"]), data["keypoints"]
    except (OSError, KeyError, ValueError) as exc:
        raise VideoHasNoPoses(
            f"video {video.external_id}'s pose file cannot be read: {exc}"
        ) from exc
    return to_imigue22(keypoints, layout)
