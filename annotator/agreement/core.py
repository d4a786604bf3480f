"""Segments, tIoU and the constants of the agreement rule (docs/design.md §6.1–2).

Kept apart from matching so that the one formula everything else rests on is easy to audit.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np

# Recorded with every stored result: bump it whenever any rule of this package changes, so that an
# old AgreementRun is never compared with a new one as if they measured the same thing.
RULE_VERSION = "mg-agreement/1"

# θ, the project setting (docs/design.md §6.2).
DEFAULT_THETA = 0.5

# The θ values of the R(θ) curve (docs/design.md §6.6); k/10 so that each equals its decimal
# literal.
THETA_GRID: tuple[float, ...] = tuple(k / 10 for k in range(1, 10))


@dataclass(frozen=True, slots=True)
class Segment:
    """One MG instance as one labeler marked it: 0-based frames, end inclusive (docs/design.md §4).

    `id` is whatever the caller needs to find the segment again (a primary key, a uuid, a CSV
    row); the module only carries it through to matches and disagreements. `category` is any
    hashable (a code or a primary key): only equality is used.
    """

    id: Hashable
    start: int
    end: int
    category: Hashable

    def __post_init__(self) -> None:
        # The same rules the API enforces (docs/design.md §5), so a bad import fails here, not as a
        # silently wrong R.
        if self.start < 0:
            raise ValueError(f"segment {self.id!r}: start {self.start} is negative")
        if self.end < self.start:
            raise ValueError(f"segment {self.id!r}: start {self.start} > end {self.end}")

    @property
    def length(self) -> int:
        """Number of frames: both ends count."""
        return self.end - self.start + 1


def check_theta(theta: float) -> float:
    """θ must lie in (0, 1]: at 0 every pair, even disjoint ones, would be 'feasible'."""
    if not 0 < theta <= 1:
        raise ValueError(f"theta must be in (0, 1], got {theta!r}")
    return float(theta)


def tiou(a: Segment, b: Segment) -> float:
    """Temporal IoU on inclusive frames (docs/design.md §6.1): touching at one frame gives I = 1."""
    inter = max(0, min(a.end, b.end) - max(a.start, b.start) + 1)
    return inter / (a.length + b.length - inter)


def tiou_matrix(a: Sequence[Segment], b: Sequence[Segment]) -> np.ndarray:
    """tIoU of every (a[k], b[l]) pair at once: the matching needs all of them."""
    if not a or not b:
        return np.zeros((len(a), len(b)))
    a_start = np.array([s.start for s in a], dtype=np.int64)[:, None]
    a_end = np.array([s.end for s in a], dtype=np.int64)[:, None]
    b_start = np.array([s.start for s in b], dtype=np.int64)[None, :]
    b_end = np.array([s.end for s in b], dtype=np.int64)[None, :]
    inter = np.maximum(0, np.minimum(a_end, b_end) - np.maximum(a_start, b_start) + 1)
    union = (a_end - a_start + 1) + (b_end - b_start + 1) - inter
    return inter / union


def canonical(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """Segments in a fixed order, so that results never depend on the order they came in.

    Ties inside the assignment solver are broken by position; sorting first makes that position
    a function of the segments themselves. Ids must be unique: they name the segments in results.
    """
    ordered = tuple(sorted(segments, key=lambda s: (s.start, s.end, str(s.category), str(s.id))))
    ids = [s.id for s in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("segment ids must be unique within one labeler's segments")
    return ordered


def r_value(m: int, n_i: int, n_j: int) -> float | None:
    """R = 2M / (n_i + n_j) (docs/design.md §6.4); None when both sides are empty, where it is
    undefined."""
    total = n_i + n_j
    return None if total == 0 else 2 * m / total
