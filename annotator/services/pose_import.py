"""Attach imported OpenPose-137 skeletons to a video's clips (the pose stage).

A video's skeletons cover the whole video (OpenPose runs on the full conference); each clip gets
its frames ``start..end`` (inclusive, docs/design.md §4) written as its pose file, exactly as the
pose stage stores extracted poses (``pipeline.poses.save_poses``: ``(T, K, 3)`` float32 + layout, at
``poses/<project>/<clip>.npz`` under MEDIA_ROOT). A clip whose end lies past the skeletons is
refused and left as it was. The video also gets them whole (its 22 joints), the input of machine
proposals (docs/design.md §17), and its proposals are queued when the project shows them.
Re-importing the same skeletons rewrites nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings

from annotator.errors import DomainError
from annotator.models import Clip, Video
from baselines.skeleton import to_imigue22
from jobs.models import Job
from pipeline.hashing import sha256_file
from pipeline.openpose import OpenPoseSkeletons
from pipeline.poses import publish_poses

from .proposals import after_poses
from .video_poses import load_video_poses, store_imported_poses


@dataclass
class PoseImportReport:
    num_frames: int
    layout: str
    written: list[Clip] = field(default_factory=list)
    unchanged: list[Clip] = field(default_factory=list)
    refused: list[tuple[Clip, str]] = field(default_factory=list)
    video_poses_written: bool = False
    proposals_job: Job | None = None


def pose_path(clip: Clip) -> str:
    """The clip's pose file under MEDIA_ROOT: the same place the pose stage publishes to."""
    return f"poses/{clip.project_id}/{clip.pk}.npz"


def _whole_video(video: Video, skeletons: OpenPoseSkeletons, source: str, report) -> None:
    """The video's 22 joints as its whole-video poses, unless it holds exactly these; then its
    proposals (queued when the project shows them), unless it has them already."""
    joints = to_imigue22(skeletons.keypoints, skeletons.layout)
    try:
        same = np.array_equal(load_video_poses(video), joints)
    except DomainError:
        same = False
    if not same:
        store_imported_poses(
            video,
            skeletons.keypoints,
            skeletons.layout,
            source=source,
            width=video.width or 0,
            height=video.height or 0,
        )
        report.video_poses_written = True
    if report.video_poses_written or not video.proposals.exists():
        report.proposals_job = after_poses(video)


def _same_file(path: Path, keypoints: np.ndarray, layout: str) -> bool:
    try:
        with np.load(path) as data:
            return str(data["layout"]) == layout and np.array_equal(data["keypoints"], keypoints)
    except (OSError, ValueError, KeyError):
        return False


def import_video_poses(
    video: Video, skeletons: OpenPoseSkeletons, *, source: str
) -> PoseImportReport:
    """Write every clip of ``video`` its slice of ``skeletons``, and the video its whole-video
    poses; refuse clips past their end."""
    report = PoseImportReport(num_frames=skeletons.num_frames, layout=skeletons.layout)
    _whole_video(video, skeletons, source, report)
    media = Path(settings.MEDIA_ROOT)
    for clip in Clip.objects.filter(video=video).order_by("start_frame", "end_frame", "pk"):
        if clip.end_frame >= skeletons.num_frames:
            report.refused.append(
                (
                    clip,
                    f"ends at frame {clip.end_frame} but the skeletons have {skeletons.num_frames} "
                    f"frames (0..{skeletons.num_frames - 1})",
                )
            )
            continue
        keypoints = np.ascontiguousarray(skeletons.keypoints[clip.start_frame : clip.end_frame + 1])
        relative = pose_path(clip)
        target = media / relative
        provenance = {**clip.provenance, "poses": {"source": source, "layout": skeletons.layout}}
        if (
            clip.pose_file == relative
            and clip.pose_layout == skeletons.layout
            and clip.provenance == provenance
            and _same_file(target, keypoints, skeletons.layout)
        ):
            if not clip.pose_sha256:
                Clip.objects.filter(pk=clip.pk).update(pose_sha256=sha256_file(target))
            report.unchanged.append(clip)
            continue
        digest, _ = publish_poses(keypoints, skeletons.layout, target)
        Clip.objects.filter(pk=clip.pk).update(
            pose_file=relative,
            pose_sha256=digest,
            pose_layout=skeletons.layout,
            provenance=provenance,
        )
        report.written.append(clip)
    return report
