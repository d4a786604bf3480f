"""Figures for a training round, where every labeler labels the same items. Pure.

- `fleiss_kappa_frames`: Fleiss' κ over frame-level labels (the set of categories active in a
  frame, as `kappa` defines it), for any number of raters. Frames come in runs of identical
  labels, so the subject table is built per run and weighted by run length.
- `round_report`: the pairwise R matrix (docs/design.md §6 rule), each labeler's mean R against the
  others, Fleiss' κ, a confusion table of label conflicts, and the "places" where labelers
  differ: groups of segments tied by matches in any pair, with their onset/offset spread and
  who left the place out.
- `reference_score`: one labeler against the admin's reference answer: R, onset/offset error of
  matched segments, and a confusion table (reference category → labeler's category).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import fmean

import numpy as np

from .core import DEFAULT_THETA, Segment, check_theta
from .kappa import frame_runs
from .matching import DisagreementKind, compare_video
from .pooling import compare_project


def weighted_fleiss_kappa(table: np.ndarray, weights: np.ndarray | None = None) -> float | None:
    """Fleiss' κ of a (subjects × categories) count table, each subject weighted.

    With unit weights this is statsmodels' `fleiss_kappa(table, method="fleiss")`; a weight w is
    the same as repeating the subject w times. None when undefined (no subject, or every rating
    in one category).
    """
    table = np.asarray(table, dtype=np.float64)
    if table.size == 0:
        return None
    weights = np.ones(table.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64)
    raters = table.sum(axis=1)
    if not np.allclose(raters, raters[0]) or raters[0] < 2:
        raise ValueError("every subject needs the same number (≥ 2) of ratings")
    n = raters[0]
    total = weights.sum()
    p_j = (weights[:, None] * table).sum(axis=0) / (total * n)
    p_i = ((table * table).sum(axis=1) - n) / (n * (n - 1))
    p_bar = float((weights * p_i).sum() / total)
    p_e = float((p_j * p_j).sum())
    if np.isclose(p_e, 1.0):
        return None
    return (p_bar - p_e) / (1 - p_e)


def fleiss_kappa_frames(
    videos: Sequence[tuple[Sequence[Sequence[Segment]], int]],
) -> float | None:
    """Fleiss' κ over every frame of the given videos: (one segment list per rater, num_frames).

    All videos must have the same number of raters (a round assigns every item to everyone).
    """
    codes: dict[frozenset, int] = {}
    rows: list[np.ndarray] = []
    weights: list[np.ndarray] = []
    raters = None
    for labelings, num_frames in videos:
        if raters is None:
            raters = len(labelings)
        if len(labelings) != raters:
            raise ValueError("every video needs the same raters")
        runs = [frame_runs(segments, num_frames, codes) for segments in labelings]
        bounds = np.unique(np.concatenate([b for b, _ in runs]))
        firsts = bounds[:-1]
        labels = np.stack(
            [c[np.searchsorted(b, firsts, side="right") - 1] for b, c in runs], axis=1
        )
        rows.append(labels)
        weights.append(np.diff(bounds))
    if not rows or raters is None or raters < 2:
        return None
    labels = np.concatenate(rows)
    table = np.zeros((labels.shape[0], len(codes)), dtype=np.int64)
    for rater in range(labels.shape[1]):
        np.add.at(table, (np.arange(labels.shape[0]), labels[:, rater]), 1)
    return weighted_fleiss_kappa(table, np.concatenate(weights))


@dataclass(frozen=True)
class Place:
    """Segments of several labelers tied together by matches: one gesture seen differently."""

    video: Hashable
    members: tuple[tuple[Hashable, Segment], ...]  # (labeler, segment)
    missing: tuple[Hashable, ...]  # labelers with no segment in this place

    @property
    def onset_spread(self) -> int:
        starts = [s.start for _, s in self.members]
        return max(starts) - min(starts)

    @property
    def offset_spread(self) -> int:
        ends = [s.end for _, s in self.members]
        return max(ends) - min(ends)


@dataclass(frozen=True)
class RoundReport:
    theta: float
    labelers: tuple[Hashable, ...]
    pair_r: dict[tuple[Hashable, Hashable], float | None]
    mean_r: dict[Hashable, float | None]
    fleiss_kappa: float | None
    confusions: dict[tuple[Hashable, Hashable], int]  # unordered category pairs, sorted
    places: tuple[Place, ...] = field(default=())


def _places(video, by_labeler, theta) -> list[Place]:
    parent: dict[tuple, tuple] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    labelers = sorted(by_labeler)
    for li in labelers:
        for s in by_labeler[li]:
            find((li, s.id))
    for k, li in enumerate(labelers):
        for lj in labelers[k + 1 :]:
            for m in compare_video(by_labeler[li], by_labeler[lj], theta).matches:
                parent[find((li, m.a.id))] = find((lj, m.b.id))
    groups: dict[tuple, list[tuple[Hashable, Segment]]] = {}
    lookup = {(li, s.id): s for li in labelers for s in by_labeler[li]}
    for key, segment in lookup.items():
        groups.setdefault(find(key), []).append((key[0], segment))
    places = []
    for members in groups.values():
        present = {li for li, _ in members}
        members.sort(key=lambda m: (str(m[0]), m[1].start))
        missing = tuple(li for li in labelers if li not in present)
        places.append(Place(video, tuple(members), missing))
    return places


def round_report(
    annotations: Mapping[Hashable, Mapping[Hashable, Sequence[Segment]]],
    num_frames: Mapping[Hashable, int],
    theta: float = DEFAULT_THETA,
) -> RoundReport:
    """Everything the comparison page shows, for video → labeler → segments."""
    theta = check_theta(theta)
    project = compare_project(annotations, theta)
    labelers = tuple(sorted({li for by in annotations.values() for li in by}))
    pair_r = {(p.labeler_i, p.labeler_j): p.r for p in project.pairs}
    mean_r = {}
    for li in labelers:
        values = [r for (a, b), r in pair_r.items() if li in (a, b) and r is not None]
        mean_r[li] = fmean(values) if values else None
    confusions: Counter[tuple[Hashable, Hashable]] = Counter()
    for v in project.videos:
        for d in v.result.disagreements:
            if d.kind == DisagreementKind.LABEL_CONFLICT:
                confusions[tuple(sorted((d.a.category, d.b.category), key=str))] += 1
    videos = [
        ([by[li] for li in labelers], num_frames[video])
        for video, by in annotations.items()
        if video in num_frames and all(li in by for li in labelers)
    ]
    places = [
        place
        for video, by in annotations.items()
        for place in _places(video, {li: list(by.get(li, [])) for li in labelers}, theta)
    ]
    places.sort(key=lambda p: (-len(p.missing), -(p.onset_spread + p.offset_spread)))
    return RoundReport(
        theta=theta,
        labelers=labelers,
        pair_r=pair_r,
        mean_r=mean_r,
        fleiss_kappa=fleiss_kappa_frames(videos) if len(labelers) >= 2 else None,
        confusions=dict(confusions),
        places=tuple(places),
    )


@dataclass(frozen=True)
class ReferenceScore:
    r: float | None
    matches: int
    n_reference: int
    n_labeler: int
    onset_error: float | None  # mean |labeler − reference| over matched segments, frames
    offset_error: float | None
    confusions: dict[tuple[Hashable, Hashable], int]  # (reference category, labeler's) → count


def reference_score(
    reference: Mapping[Hashable, Sequence[Segment]],
    labeler: Mapping[Hashable, Sequence[Segment]],
    theta: float = DEFAULT_THETA,
) -> ReferenceScore:
    """A labeler's work on a round's items against the reference answer (video → segments)."""
    m = n_ref = n_lab = 0
    onsets: list[int] = []
    offsets: list[int] = []
    confusions: Counter[tuple[Hashable, Hashable]] = Counter()
    for video, ref_segments in reference.items():
        result = compare_video(ref_segments, labeler.get(video, []), theta)
        m += result.m
        n_ref += result.n_i
        n_lab += result.n_j
        onsets += [abs(x.onset_delta) for x in result.matches]
        offsets += [abs(x.offset_delta) for x in result.matches]
        for d in result.disagreements:
            if d.kind == DisagreementKind.LABEL_CONFLICT:
                confusions[(d.a.category, d.b.category)] += 1
    total = n_ref + n_lab
    return ReferenceScore(
        r=2 * m / total if total else None,
        matches=m,
        n_reference=n_ref,
        n_labeler=n_lab,
        onset_error=fmean(onsets) if onsets else None,
        offset_error=fmean(offsets) if offsets else None,
        confusions=dict(confusions),
    )
