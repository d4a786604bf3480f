"""Frame-level Cohen's κ: the chance-corrected companion of R (docs/design.md §6.6).

R counts segments and so ignores agreement that chance alone would produce; κ corrects for it,
at the price of working on frames instead of MG instances.

Co-occurrence (docs/design.md §5 allows overlapping MGs): each frame gets ONE nominal label, the SET
of categories active in it; the empty set is "no MG". Two labelers agree on a frame only when the
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


def frame_runs(
    segments: Sequence[Segment], num_frames: int, codes: dict[frozenset, int]
) -> tuple[np.ndarray, np.ndarray]:
    """The labels of a video as runs: (first frame of each run, then num_frames) and each run's
    code (from `codes`, extended as needed) of the set of categories active in it.

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
    for here in bounds[:-1]:
        active.subtract(stops.get(here, ()))
        active.update(starts.get(here, ()))
        label = frozenset(c for c, n in active.items() if n > 0)
        run_codes.append(codes.setdefault(label, len(codes)))
    return np.array(bounds, dtype=np.int64), np.array(run_codes, dtype=np.int64)


def frame_labels(
    segments: Sequence[Segment], num_frames: int, codes: dict[frozenset, int]
) -> np.ndarray:
    """One integer label per frame (see `frame_runs`)."""
    bounds, run_codes = frame_runs(segments, num_frames, codes)
    return np.repeat(run_codes, np.diff(bounds))


def pooled_frame_kappa(
    videos: Iterable[tuple[Sequence[Segment], Sequence[Segment], int]],
) -> float | None:
    """κ over the frames of several videos at once: (segments_i, segments_j, num_frames) each.

    Pooling frames, like pooling segments for R, weighs each video by its length. None when κ is
    undefined: no frame at all, or both labelers gave every frame the same single label (then
    expected agreement is 1 and κ = 0/0).
    """
    # Both labelings are cut at the union of their run boundaries: inside each piece both
    # labels are constant, so κ over the pieces weighted by their length is κ over the frames,
    # at the cost of the segments rather than of the (millions of) frames.
    codes: dict[frozenset, int] = {}
    labels_i: list[np.ndarray] = []
    labels_j: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    for seg_i, seg_j, num_frames in videos:
        bounds_i, codes_i = frame_runs(seg_i, num_frames, codes)
        bounds_j, codes_j = frame_runs(seg_j, num_frames, codes)
        bounds = np.union1d(bounds_i, bounds_j)
        firsts = bounds[:-1]
        labels_i.append(codes_i[np.searchsorted(bounds_i, firsts, side="right") - 1])
        labels_j.append(codes_j[np.searchsorted(bounds_j, firsts, side="right") - 1])
        lengths.append(np.diff(bounds))
    if not lengths or sum(int(w.sum()) for w in lengths) == 0:
        return None
    y_i, y_j, weight = (np.concatenate(x) for x in (labels_i, labels_j, lengths))
    keep = weight > 0
    y_i, y_j, weight = y_i[keep], y_j[keep], weight[keep]
    if np.unique(np.concatenate([y_i, y_j])).size == 1:
        return None
    return float(cohen_kappa_score(y_i, y_j, sample_weight=weight))


def frame_kappa(
    segments_i: Sequence[Segment], segments_j: Sequence[Segment], num_frames: int
) -> float | None:
    """κ of one video of `num_frames` frames (0-based, so every segment must end before it)."""
    return pooled_frame_kappa([(segments_i, segments_j, num_frames)])
