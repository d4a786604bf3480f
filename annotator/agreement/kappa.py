"""Frame-level Cohen's κ: the chance-corrected companion of R (design §6.6).

R counts segments and so ignores agreement that chance alone would produce; κ corrects for it,
at the price of working on frames instead of MG instances.

Co-occurrence (design §5 allows overlapping MGs): each frame gets ONE nominal label, the SET of
categories active in it; the empty set is "no MG". Two labelers agree on a frame only when the
sets are equal, so a frame one labeler marks {c1, c2} and the other {c1} is a disagreement.
This keeps plain Cohen's κ (one label per frame per rater) without dropping overlapping segments;
a same-category overlap collapses to that category once. It is stricter than a per-category
binary κ on the rare co-occurring frames, which are few (most share one boundary frame).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import numpy as np
from sklearn.metrics import cohen_kappa_score

from .core import Segment


def frame_labels(
    segments: Sequence[Segment], num_frames: int, codes: dict[frozenset, int]
) -> np.ndarray:
    """One integer label per frame: the code (from `codes`, extended as needed) of the set of
    categories active in that frame.

    A sweep over the segment boundaries: labels change only there, so the work is per segment,
    not per frame, and a long video costs no more than a short one with the same segments.
    """
    if num_frames < 0:
        raise ValueError("num_frames must be >= 0")
    starts: dict[int, list[Hashable]] = {}
    stops: dict[int, list[Hashable]] = {}
    for s in segments:
        if s.end >= num_frames:
            raise ValueError(f"segment {s.id!r} ends at frame {s.end}, past {num_frames} frames")
        starts.setdefault(s.start, []).append(s.category)
        stops.setdefault(s.end + 1, []).append(s.category)
    bounds = sorted({0, num_frames, *starts, *stops})
    active: Counter[Hashable] = Counter()
    run_codes: list[int] = []
    run_lengths: list[int] = []
    for here, nxt in zip(bounds, bounds[1:], strict=False):
        active.subtract(stops.get(here, ()))
        active.update(starts.get(here, ()))
        label = frozenset(c for c, n in active.items() if n > 0)
        run_codes.append(codes.setdefault(label, len(codes)))
        run_lengths.append(nxt - here)
    return np.repeat(np.array(run_codes, dtype=np.int64), np.array(run_lengths, dtype=np.int64))


def pooled_frame_kappa(
    videos: Iterable[tuple[Sequence[Segment], Sequence[Segment], int]],
) -> float | None:
    """κ over the frames of several videos at once: (segments_i, segments_j, num_frames) each.

    Pooling frames, like pooling segments for R, weighs each video by its length. None when κ is
    undefined: no frame at all, or both labelers gave every frame the same single label (then
    expected agreement is 1 and κ = 0/0).
    """
    codes: dict[frozenset, int] = {}
    labels_i: list[np.ndarray] = []
    labels_j: list[np.ndarray] = []
    for seg_i, seg_j, num_frames in videos:
        labels_i.append(frame_labels(seg_i, num_frames, codes))
        labels_j.append(frame_labels(seg_j, num_frames, codes))
    y_i = np.concatenate(labels_i) if labels_i else np.zeros(0, dtype=np.int64)
    y_j = np.concatenate(labels_j) if labels_j else np.zeros(0, dtype=np.int64)
    if y_i.size == 0:
        return None
    if np.unique(np.concatenate([y_i, y_j])).size == 1:
        return None
    return float(cohen_kappa_score(y_i, y_j))


def frame_kappa(
    segments_i: Sequence[Segment], segments_j: Sequence[Segment], num_frames: int
) -> float | None:
    """κ of one video of `num_frames` frames (0-based, so every segment must end before it)."""
    return pooled_frame_kappa([(segments_i, segments_j, num_frames)])
