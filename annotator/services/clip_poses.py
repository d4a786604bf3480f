"""A clip's poses as the clips page draws them: the 22-joint layout of docs/design.md §9, whatever
layout the pose file holds (MediaPipe's 543 points, COCO, OpenPose), with the layout's edges."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.conf import settings

from annotator.errors import NOT_FOUND, DomainError
from annotator.models import Clip
from baselines.skeleton import IMIGUE22_EDGES, IMIGUE22_JOINTS, LAYOUTS, to_imigue22


class ClipHasNoPoses(DomainError):
    code = "no_poses"
    kind = NOT_FOUND


@dataclass(frozen=True)
class ClipPoses:
    clip: int
    layout: str
    joints: list[str]
    edges: list[list[int]]
    width: int | None
    height: int | None
    frames: int
    keypoints: list[list[list[float]]]
    pose_settings: dict


def clip_poses(clip: Clip) -> ClipPoses:
    """The clip's pose file mapped to 22 joints; refused when the clip has none."""
    if not clip.pose_file:
        raise ClipHasNoPoses(f"clip {clip.pk} has no poses")
    path = Path(settings.MEDIA_ROOT) / clip.pose_file
    try:
        with np.load(path) as data:
            layout = str(data["layout"])
            raw = data["keypoints"]
    except (OSError, KeyError, ValueError) as exc:
        raise ClipHasNoPoses(f"clip {clip.pk}'s pose file cannot be read: {exc}") from exc
    if layout not in LAYOUTS:
        raise ClipHasNoPoses(f"clip {clip.pk}'s poses are in an unknown layout {layout!r}")
    joints = to_imigue22(raw, layout).astype(np.float64)  # float64: short decimals in JSON
    # One decimal of a pixel is finer than any detector; it keeps the answer small.
    joints[..., :2] = np.round(joints[..., :2], 1)
    joints[..., 2] = np.round(joints[..., 2], 3)
    return ClipPoses(
        clip=clip.pk,
        layout=layout,
        joints=list(IMIGUE22_JOINTS),
        edges=[list(edge) for edge in IMIGUE22_EDGES],
        width=clip.video.width or None,
        height=clip.video.height or None,
        frames=int(joints.shape[0]),
        keypoints=joints.tolist(),
        pose_settings=dict(clip.pose_settings or {}),
    )
