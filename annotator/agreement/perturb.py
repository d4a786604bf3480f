"""Realistic second labelings for testing and benchmarking agreement. Pure: no Django import.

Real inter-labeler data for iMiGUE is not public, but its final label table is: labeler i gets
the real labels, labeler j a copy perturbed in the four ways two people really differ —
boundaries a few frames apart, another category chosen, an MG missed, an MG seen that the other
did not mark. Each perturbation moves R in a predictable way (see
`tests/db/test_agreement_real_data`), so the agreement code can be checked end to end on
realistic data, not only on toy examples.

- `load_imigue_labels`: the iMiGUE label table (CSV) → {video_id: [Segment]}.
- `perturb`: one video's segments → labeler j's copy; deterministic for a seed.
- `perturb_project`: the same for every video of {video_id: [Segment]}, from one seed.
"""

from __future__ import annotations

import csv
import math
import random
from collections.abc import Hashable, Mapping, Sequence
from pathlib import Path

from .core import Segment

# iMiGUE's 32 category codes as the label table writes them: 1..31, and 99 for C32.
IMIGUE_CODES: tuple[int, ...] = (*range(1, 32), 99)

# Length of an added segment when the video has none to copy a length from (1 s at 25 fps).
DEFAULT_ADDED_LENGTH = 25


def load_imigue_labels(path: str | Path) -> dict[str, list[Segment]]:
    """Read the iMiGUE label table into {video_id: [Segment]}, in the table's order.

    Columns used: `video_id`, `label_id` (the Segment id, unique within a video), `start_frame`,
    `end_frame` (inclusive, 0-based) and `class` (the category code: 1..31, 99 = C32). Video ids
    stay strings, as the database stores external ids.
    """
    labels: dict[str, list[Segment]] = {}
    with Path(path).open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        missing = {"video_id", "label_id", "start_frame", "end_frame", "class"} - set(
            reader.fieldnames or ()
        )
        if missing:
            raise ValueError(f"{path}: not an iMiGUE label table, missing {sorted(missing)}")
        for row in reader:
            labels.setdefault(row["video_id"], []).append(
                Segment(
                    id=int(row["label_id"]),
                    start=int(row["start_frame"]),
                    end=int(row["end_frame"]),
                    category=int(row["class"]),
                )
            )
    return labels


def video_frames(segments: Sequence[Segment]) -> int:
    """A frame count that holds every segment: the last end + 1 (the table has no video length)."""
    return max((s.end for s in segments), default=-1) + 1


def _count(fraction: float, n: int, rng: random.Random) -> int:
    """fraction · n as a whole number, rounded up or down at random (up with probability equal
    to the fractional part), so that pooled over many videos the share is `fraction` on average;
    plain rounding would drop nothing at all from every video with fewer than 5 segments at 10 %.
    """
    if not 0 <= fraction <= 1:
        raise ValueError(f"fractions must be in [0, 1], got {fraction!r}")
    exact = fraction * n
    whole = math.floor(exact)
    return whole + (1 if rng.random() < exact - whole else 0)


def perturb(
    segments: Sequence[Segment],
    *,
    rng: random.Random | None = None,
    seed: int = 0,
    jitter: int = 0,
    swap: float = 0.0,
    drop: float = 0.0,
    add: float = 0.0,
    num_frames: int | None = None,
    categories: Sequence[Hashable] | None = None,
) -> list[Segment]:
    """Labeler j's copy of one video's `segments` (labeler i's), perturbed; order is kept.

    All fractions are of n = len(segments), each count rounded at random (see `_count`):
    - `drop`: that many segments, chosen at random, are left out (j missed them);
    - `swap`: that many of the remaining ones get another category, uniformly among
      `categories` (default: the categories present in `segments`) other than their own;
    - `jitter`: every remaining boundary moves independently by a uniform whole number of frames
      in [−jitter, +jitter], clamped to [0, num_frames − 1] (no upper bound when `num_frames` is
      None); a segment whose start would pass its end collapses to one frame at their midpoint;
    - `add`: that many new segments (j saw MGs i did not mark): a category from `categories`,
      a length copied from a random segment of the video, a uniform position in the video
      (`num_frames`, default: up to the last end of `segments`).

    Kept segments keep their ids; added ones get ids "added-0", "added-1", … Deterministic: the
    same input, arguments and `seed` (or an `rng` in the same state) give the same copy.
    """
    if jitter < 0:
        raise ValueError(f"jitter must be >= 0, got {jitter!r}")
    rng = rng if rng is not None else random.Random(seed)
    n = len(segments)
    pool = (
        list(categories)
        if categories is not None
        else sorted({s.category for s in segments}, key=str)
    )
    frames = num_frames if num_frames is not None else video_frames(segments)
    if num_frames is not None and any(s.end >= num_frames for s in segments):
        raise ValueError(f"a segment ends past num_frames={num_frames}")

    n_drop, n_swap, n_add = _count(drop, n, rng), _count(swap, n, rng), _count(add, n, rng)
    dropped = set(rng.sample(range(n), n_drop))
    kept = [k for k in range(n) if k not in dropped]
    swapped = set(rng.sample(kept, min(n_swap, len(kept))))

    out: list[Segment] = []
    for k in kept:
        s = segments[k]
        category = s.category
        if k in swapped:
            others = [c for c in pool if c != s.category]
            if not others:
                raise ValueError(f"cannot swap segment {s.id!r}: no other category to swap to")
            category = rng.choice(others)
        start, end = s.start, s.end
        if jitter:
            start = _clamp(start + rng.randint(-jitter, jitter), num_frames)
            end = _clamp(end + rng.randint(-jitter, jitter), num_frames)
            if start > end:
                start = end = (start + end) // 2
        out.append(Segment(s.id, start, end, category))

    if n_add and not pool:
        raise ValueError("cannot add segments: no category to give them (pass categories)")
    for k in range(n_add):
        length = rng.choice(segments).length if segments else DEFAULT_ADDED_LENGTH
        length = max(1, min(length, frames)) if frames > 0 else length
        start = rng.randint(0, max(0, frames - length))
        out.append(Segment(f"added-{k}", start, start + length - 1, rng.choice(pool)))
    return out


def _clamp(frame: int, num_frames: int | None) -> int:
    frame = max(0, frame)
    return frame if num_frames is None else min(frame, num_frames - 1)


def perturb_project(
    labels: Mapping[Hashable, Sequence[Segment]],
    *,
    seed: int = 0,
    num_frames: Mapping[Hashable, int] | None = None,
    **kwargs,
) -> dict[Hashable, list[Segment]]:
    """`perturb` every video of {video: [Segment]} with one seed (other arguments: `perturb`'s).

    Videos are visited in sorted order of str(video) with one shared random stream, so the result
    does not depend on the mapping's order. `num_frames` maps video → frame count (optional).
    """
    rng = random.Random(seed)
    num_frames = num_frames or {}
    return {
        video: perturb(labels[video], rng=rng, num_frames=num_frames.get(video), **kwargs)
        for video in sorted(labels, key=str)
    }
