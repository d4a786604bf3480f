"""Across videos and labeler pairs: pooled R, R_avg, R per category, R(θ), boundary deltas.

Pooling sums M and the counts before dividing (docs/design.md §6.4), so a video with two segments
weighs less than one with two hundred, as it should: R measures segments, not videos.
"""

from __future__ import annotations

import statistics
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

from .core import DEFAULT_THETA, RULE_VERSION, THETA_GRID, Segment, check_theta, r_value
from .matching import DisagreementKind, Match, VideoAgreement, compare_video, matches_by_theta


@dataclass(frozen=True, slots=True)
class Pooled:
    """ΣM and Σn over some videos; `r` = 2ΣM / Σ(n_i + n_j), None when no segment at all."""

    videos: int
    m: int
    n_i: int
    n_j: int

    @property
    def r(self) -> float | None:
        return r_value(self.m, self.n_i, self.n_j)


def pool(results: Iterable[VideoAgreement]) -> Pooled:
    """Pool per-video results of one labeler pair (all must share one θ)."""
    results = list(results)
    if len({r.theta for r in results}) > 1:
        raise ValueError("cannot pool results computed at different thetas")
    return Pooled(
        videos=len(results),
        m=sum(r.m for r in results),
        n_i=sum(r.n_i for r in results),
        n_j=sum(r.n_j for r in results),
    )


def r_per_category(results: Iterable[VideoAgreement]) -> dict[Hashable, Pooled]:
    """R for each category c: 2·M_c / (n_i,c + n_j,c), pooled over the given results.

    Matches only ever pair equal categories, so M_c is exactly the optimum one would get by
    matching category c alone. `videos` counts the videos where either labeler used c.
    """
    acc: dict[Hashable, list[int]] = {}
    for res in results:
        seen: set[Hashable] = set()
        for slot, segments in ((2, res.segments_i), (3, res.segments_j)):
            for s in segments:
                acc.setdefault(s.category, [0, 0, 0, 0])[slot] += 1
                seen.add(s.category)
        for match in res.matches:
            acc[match.category][1] += 1
        for c in seen:
            acc[c][0] += 1
    return {c: Pooled(*counts) for c, counts in acc.items()}


@dataclass(frozen=True, slots=True)
class ThetaPoint:
    """One point of the R(θ) curve."""

    theta: float
    m: int
    n_i: int
    n_j: int

    @property
    def r(self) -> float | None:
        return r_value(self.m, self.n_i, self.n_j)


def r_curve(
    videos: Iterable[tuple[Sequence[Segment], Sequence[Segment]]],
    thetas: Sequence[float] = THETA_GRID,
) -> tuple[ThetaPoint, ...]:
    """R(θ) pooled over (segments_i, segments_j) pairs of videos (docs/design.md §6.6).

    Shows how much of R hinges on the choice of θ. Non-increasing in θ: a higher θ only removes
    feasible pairs, so the maximum number of matches cannot grow.
    """
    thetas = [check_theta(t) for t in thetas]
    m = [0] * len(thetas)
    n_i = n_j = 0
    for seg_i, seg_j in videos:
        n_i += len(seg_i)
        n_j += len(seg_j)
        for k, count in enumerate(matches_by_theta(seg_i, seg_j, thetas)):
            m[k] += count
    return tuple(ThetaPoint(t, m[k], n_i, n_j) for k, t in enumerate(thetas))


@dataclass(frozen=True, slots=True)
class DeltaStats:
    """Summary of signed frame differences (j − i); None fields when there is no match."""

    count: int
    mean: float | None
    median: float | None
    mean_abs: float | None
    median_abs: float | None

    @classmethod
    def of(cls, deltas: Sequence[int]) -> DeltaStats:
        if not deltas:
            return cls(0, None, None, None, None)
        absolute = [abs(d) for d in deltas]
        return cls(
            count=len(deltas),
            mean=statistics.fmean(deltas),
            median=float(statistics.median(deltas)),
            mean_abs=statistics.fmean(absolute),
            median_abs=float(statistics.median(absolute)),
        )


@dataclass(frozen=True, slots=True)
class BoundaryDeltas:
    """Onset and offset differences of matched pairs, in frames, signed j − i.

    Matched pairs only: an unmatched segment has no counterpart to differ from. The signed mean
    shows a systematic bias (one labeler marking late); the absolute values show the spread. The
    raw values are kept for the dashboard's histogram.
    """

    onsets: tuple[int, ...]
    offsets: tuple[int, ...]

    @property
    def onset(self) -> DeltaStats:
        return DeltaStats.of(self.onsets)

    @property
    def offset(self) -> DeltaStats:
        return DeltaStats.of(self.offsets)


def boundary_deltas(matches: Iterable[Match]) -> BoundaryDeltas:
    """Collect the deltas of any number of matches (chain several videos' `matches`)."""
    matches = list(matches)
    return BoundaryDeltas(
        onsets=tuple(m.onset_delta for m in matches),
        offsets=tuple(m.offset_delta for m in matches),
    )


@dataclass(frozen=True)
class VideoPairAgreement:
    """The per-video result of one labeler pair, with the keys to find it again."""

    video: Hashable
    labeler_i: Hashable
    labeler_j: Hashable
    result: VideoAgreement


@dataclass(frozen=True, slots=True, kw_only=True)
class PairAgreement(Pooled):
    """R_pair(i, j) pooled over the videos the two share (docs/design.md §6.4)."""

    labeler_i: Hashable
    labeler_j: Hashable


def r_avg(pairs: Iterable[PairAgreement | Pooled]) -> float | None:
    """Mean of R_pair over the pairs that share at least one video (docs/design.md §6.4).

    A pair whose shared videos hold no segment at all has no R; it is left out of the mean
    rather than counted as 0 or 1. None when no pair has an R.
    """
    values = [p.r for p in pairs if p.videos > 0 and p.r is not None]
    return statistics.fmean(values) if values else None


@dataclass(frozen=True)
class ProjectAgreement:
    """Every labeler pair on every shared video, and the pooled figures built from them."""

    theta: float
    videos: tuple[VideoPairAgreement, ...]
    pairs: tuple[PairAgreement, ...]
    rule_version: str = field(default=RULE_VERSION)

    @property
    def r_avg(self) -> float | None:
        return r_avg(self.pairs)

    def disagreement_counts(self) -> dict[DisagreementKind, int]:
        counts = dict.fromkeys(DisagreementKind, 0)
        for v in self.videos:
            for kind, n in v.result.disagreement_counts().items():
                counts[kind] += n
        return counts


def compare_project(
    annotations: Mapping[Hashable, Mapping[Hashable, Sequence[Segment]]],
    theta: float = DEFAULT_THETA,
) -> ProjectAgreement:
    """Compare every pair of labelers on every video both annotated.

    `annotations` maps video → labeler → that labeler's segments of the video. A labeler present
    with an empty list annotated the video and found nothing: that counts (its n is 0). Labeler
    keys must be mutually orderable (ints or strings): i is always the smaller of a pair, so each
    pair appears once and always the same way round.
    """
    theta = check_theta(theta)
    per_video: list[VideoPairAgreement] = []
    for video, by_labeler in annotations.items():
        for li, lj in combinations(sorted(by_labeler), 2):
            result = compare_video(by_labeler[li], by_labeler[lj], theta)
            per_video.append(VideoPairAgreement(video, li, lj, result))
    grouped: dict[tuple[Hashable, Hashable], list[VideoAgreement]] = {}
    for v in per_video:
        grouped.setdefault((v.labeler_i, v.labeler_j), []).append(v.result)
    pairs = []
    for (li, lj), results in sorted(grouped.items()):
        pooled = pool(results)
        pairs.append(
            PairAgreement(
                labeler_i=li,
                labeler_j=lj,
                videos=pooled.videos,
                m=pooled.m,
                n_i=pooled.n_i,
                n_j=pooled.n_j,
            )
        )
    return ProjectAgreement(theta=theta, videos=tuple(per_video), pairs=tuple(pairs))
