"""One video, two labelers: the optimal matching and the disagreements left over (docs/design.md
§6.3–5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np
from scipy.optimize import linear_sum_assignment

from .core import DEFAULT_THETA, RULE_VERSION, Segment, canonical, check_theta, r_value, tiou_matrix


class DisagreementKind(StrEnum):
    """The four kinds of leftovers (docs/design.md §6.5); the values are what gets stored and
    shown."""

    LABEL_CONFLICT = "label_conflict"
    LOW_OVERLAP = "low_overlap"
    ONLY_I = "only_in_i"
    ONLY_J = "only_in_j"


@dataclass(frozen=True, slots=True)
class Match:
    """A pair the two labelers agree on: same category, tIoU ≥ θ."""

    a: Segment  # labeler i's
    b: Segment  # labeler j's
    tiou: float

    @property
    def category(self) -> object:
        return self.a.category

    @property
    def onset_delta(self) -> int:
        """b.start − a.start: positive when j marks the onset later than i."""
        return self.b.start - self.a.start

    @property
    def offset_delta(self) -> int:
        """b.end − a.end: positive when j marks the offset later than i."""
        return self.b.end - self.a.end


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One item of the review queue: one or two segments the matching could not pair.

    `a` is labeler i's segment and `b` labeler j's; one of them is None for the "only in" kinds,
    whose `tiou` is 0. `start`/`end` span both, which is what review seeks to and loops.
    """

    kind: DisagreementKind
    a: Segment | None
    b: Segment | None
    tiou: float = 0.0

    @property
    def start(self) -> int:
        return min(s.start for s in (self.a, self.b) if s is not None)

    @property
    def end(self) -> int:
        return max(s.end for s in (self.a, self.b) if s is not None)


@dataclass(frozen=True)
class VideoAgreement:
    """Everything §6 says about one video and one labeler pair, with θ and the rule version.

    The segments are kept (in canonical order) so that per-category counts, R(θ) and κ can be
    derived later without going back to the database.
    """

    theta: float
    segments_i: tuple[Segment, ...]
    segments_j: tuple[Segment, ...]
    matches: tuple[Match, ...]
    disagreements: tuple[Disagreement, ...]
    rule_version: str = field(default=RULE_VERSION)

    @property
    def n_i(self) -> int:
        return len(self.segments_i)

    @property
    def n_j(self) -> int:
        return len(self.segments_j)

    @property
    def m(self) -> int:
        return len(self.matches)

    @property
    def r(self) -> float | None:
        """2M / (n_i + n_j); None when neither labeler marked anything (docs/design.md §6.4)."""
        return r_value(self.m, self.n_i, self.n_j)

    def disagreement_counts(self) -> dict[DisagreementKind, int]:
        """Count per kind, every kind present (zeros included) so tables line up."""
        counts = dict.fromkeys(DisagreementKind, 0)
        for d in self.disagreements:
            counts[d.kind] += 1
        return counts


def assign(tious: np.ndarray, feasible: np.ndarray) -> list[tuple[int, int]]:
    """One-to-one matching over the feasible pairs: most pairs first, then most total tIoU.

    Design §6.3: weight K + tIoU for a feasible pair and 0 otherwise, with K > min(n_i, n_j).
    A total tIoU is at most min(n_i, n_j) < K, so one more pair always outweighs any tIoU gain
    and the maximum-weight assignment is lexicographically (count, total tIoU) optimal. Pairs
    the solver fills in with weight 0 are not matches and are dropped.
    """
    rows = np.flatnonzero(feasible.any(axis=1))
    cols = np.flatnonzero(feasible.any(axis=0))
    if rows.size == 0:
        return []
    sub_feasible = feasible[np.ix_(rows, cols)]
    big = min(rows.size, cols.size) + 1
    weight = np.where(sub_feasible, big + tious[np.ix_(rows, cols)], 0.0)
    r_idx, c_idx = linear_sum_assignment(weight, maximize=True)
    return [
        (int(rows[r]), int(cols[c]))
        for r, c in zip(r_idx, c_idx, strict=True)
        if sub_feasible[r, c]
    ]


def compare_video(
    segments_i: Sequence[Segment], segments_j: Sequence[Segment], theta: float = DEFAULT_THETA
) -> VideoAgreement:
    """Match labeler i's segments of one video with labeler j's and classify the leftovers.

    Three passes, each the same optimal assignment over the segments still unpaired:
    1. matches: same category and tIoU ≥ θ;
    2. label conflicts: tIoU ≥ θ, category ignored. Every pair found here has different
       categories: a same-category pair with tIoU ≥ θ left by pass 1 would contradict its
       maximality;
    3. low overlaps: same category and tIoU > 0 (necessarily < θ, by the same argument);
    what is left is "only in i" or "only in j". The result does not depend on input order.
    """
    theta = check_theta(theta)
    a, b, tious, same = _prepare(segments_i, segments_j)

    left_a = np.arange(len(a))
    left_b = np.arange(len(b))

    def run_pass(feasible: np.ndarray) -> list[tuple[int, int]]:
        nonlocal left_a, left_b
        pairs = assign(tious[np.ix_(left_a, left_b)], feasible[np.ix_(left_a, left_b)])
        found = [(int(left_a[r]), int(left_b[c])) for r, c in pairs]
        left_a = np.setdiff1d(left_a, np.array([p[0] for p in found], dtype=np.int64))
        left_b = np.setdiff1d(left_b, np.array([p[1] for p in found], dtype=np.int64))
        return found

    overlapping = tious >= theta
    matches = [Match(a[k], b[ll], float(tious[k, ll])) for k, ll in run_pass(same & overlapping)]
    disagreements = [
        Disagreement(DisagreementKind.LABEL_CONFLICT, a[k], b[ll], float(tious[k, ll]))
        for k, ll in run_pass(overlapping)
    ]
    disagreements += [
        Disagreement(DisagreementKind.LOW_OVERLAP, a[k], b[ll], float(tious[k, ll]))
        for k, ll in run_pass(same & (tious > 0))
    ]
    disagreements += [Disagreement(DisagreementKind.ONLY_I, a[k], None) for k in left_a]
    disagreements += [Disagreement(DisagreementKind.ONLY_J, None, b[ll]) for ll in left_b]
    disagreements.sort(key=lambda d: (d.start, d.end, d.kind.value))
    return VideoAgreement(
        theta=theta,
        segments_i=a,
        segments_j=b,
        matches=tuple(sorted(matches, key=lambda m: (m.a.start, m.a.end))),
        disagreements=tuple(disagreements),
    )


def _prepare(
    segments_i: Sequence[Segment], segments_j: Sequence[Segment]
) -> tuple[tuple[Segment, ...], tuple[Segment, ...], np.ndarray, np.ndarray]:
    """Canonical order, the tIoU matrix and the same-category mask: what every pass reads."""
    a, b = canonical(segments_i), canonical(segments_j)
    codes: dict[object, int] = {}
    cat_a = np.array([codes.setdefault(s.category, len(codes)) for s in a], dtype=np.int64)
    cat_b = np.array([codes.setdefault(s.category, len(codes)) for s in b], dtype=np.int64)
    return a, b, tiou_matrix(a, b), cat_a[:, None] == cat_b[None, :]


def matches_by_theta(
    segments_i: Sequence[Segment], segments_j: Sequence[Segment], thetas: Sequence[float]
) -> tuple[int, ...]:
    """M at each θ, for R(θ): only the first pass matters there, and tIoU is computed once.

    Raising θ only removes feasible pairs, so two θ with as many feasible pairs have the same
    ones and the same M: each distinct feasible set is solved once.
    """
    _, _, tious, same = _prepare(segments_i, segments_j)
    solved: dict[int, int] = {0: 0}
    counts = []
    for t in thetas:
        feasible = same & (tious >= check_theta(t))
        key = int(feasible.sum())
        if key not in solved:
            solved[key] = len(assign(tious, feasible))
        counts.append(solved[key])
    return tuple(counts)
