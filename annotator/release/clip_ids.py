"""Clip ids of a release (docs/design.md §10): ``{video_id:04d}_{k}``, k = 0-based time-order index.

Only integer video ids are accepted (an int, or a string of digits). A release's video ids are
the project's pseudonymous numeric ids; a free-text id could carry a source file name, which
docs/design.md §8 (invariant 3) forbids in a release, and the baselines' reader parses ``video_id``
as an integer. A non-numeric id therefore raises ``ValueError`` instead of being passed through.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["CLIP_ID_RE", "assign_clip_ids", "clip_id", "clip_order_key", "video_number"]

CLIP_ID_RE = re.compile(r"^(\d{4,})_(0|[1-9]\d*)$")


def video_number(video_id: Any) -> int:
    """``video_id`` as a non-negative int; ``ValueError`` for anything else (see module doc)."""
    if isinstance(video_id, bool):
        raise ValueError(f"video id {video_id!r} is not an integer")
    if isinstance(video_id, int):
        value = video_id
    elif isinstance(video_id, str) and video_id.strip().isdigit():
        value = int(video_id.strip())
    else:
        raise ValueError(
            f"video id {video_id!r} is not a non-negative integer: release clip ids are "
            "'{video_id:04d}_{k}' over the pseudonymous numeric video ids"
        )
    if value < 0:
        raise ValueError(f"video id {video_id!r} is negative")
    return value


def clip_id(video_id: Any, k: int) -> str:
    """``clip_id(7, 0) == "0007_0"``; ``clip_id(12345, 3) == "12345_3"`` (padding is a minimum)."""
    if k < 0:
        raise ValueError(f"clip index {k} is negative")
    return f"{video_number(video_id):04d}_{k}"


def _code_key(code: Any) -> tuple[int, int, str]:
    text = str(code)
    return (0, int(text), "") if text.lstrip("-").isdigit() else (1, 0, text)


def clip_order_key(clip: Mapping[str, Any]) -> tuple:
    """Time order within a video: start frame, then end frame, then category code (numeric
    codes compare as numbers, so 2 < 10 < 99)."""
    return (int(clip["start_frame"]), int(clip["end_frame"]), _code_key(clip["category_code"]))


def assign_clip_ids(clips: Sequence[Mapping[str, Any]]) -> list[str]:
    """The clip id of every row (``video_id``, ``start_frame``, ``end_frame``,
    ``category_code``), in the input order. Rows equal in all three keys keep their input order
    (a stable sort), so the result is deterministic for a deterministic input order."""
    by_video: dict[int, list[int]] = defaultdict(list)
    for i, clip in enumerate(clips):
        by_video[video_number(clip["video_id"])].append(i)
    ids = [""] * len(clips)
    for video, rows in by_video.items():
        for k, i in enumerate(sorted(rows, key=lambda i: clip_order_key(clips[i]))):
            ids[i] = clip_id(video, k)
    return ids
