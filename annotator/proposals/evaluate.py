"""How good proposals are against labelled gestures, with the matching rule of agreement.

A proposal and a gesture may pair when their tIoU (inclusive frames, docs/design.md §6.1) is at
least θ; pairs are chosen one-to-one, most pairs first, as the reliability R does
(``annotator.agreement.assign``). With ``by_category`` a pair also needs the same category (the
proposal's suggested one), which scores a suggester.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field

import numpy as np

from annotator.agreement import Segment, assign
from annotator.agreement.core import tiou_matrix


@dataclass(frozen=True)
class Scores:
    theta: float
    matched: int
    precision: float
    recall: float
    f1: float


@dataclass(frozen=True)
class Evaluation:
    proposals: int
    gestures: int
    at_theta: tuple[Scores, ...]
    recall_at_k: dict[int, float] = field(default_factory=dict)
    coverage: float = 0.0  # share of the frames that lie inside at least one proposal


def _matched(
    proposals: Sequence[Segment], truth: Sequence[Segment], theta: float, by_category: bool
) -> int:
    if not proposals or not truth:
        return 0
    tious = tiou_matrix(proposals, truth)
    feasible = tious >= theta
    if by_category:
        same = np.array([[p.category == t.category for t in truth] for p in proposals])
        feasible &= same
    return len(assign(tious, feasible))


def evaluate(
    ranked: Sequence[tuple[int, int, Hashable]],
    truth: Sequence[tuple[int, int, Hashable]],
    num_frames: int,
    *,
    thetas: Sequence[float] = (0.3, 0.5),
    ks: Sequence[int] = (5, 10, 20, 50),
    by_category: bool = False,
    recall_theta: float = 0.3,
) -> Evaluation:
    """``ranked``: (start, end, category) best first; ``truth``: (start, end, category)."""
    props = [Segment(i, s, e, c) for i, (s, e, c) in enumerate(ranked)]
    gold = [Segment(i, s, e, c) for i, (s, e, c) in enumerate(truth)]
    scores = []
    for theta in thetas:
        m = _matched(props, gold, theta, by_category)
        precision = m / len(props) if props else 0.0
        recall = m / len(gold) if gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores.append(Scores(theta, m, precision, recall, f1))
    recall_at_k = {
        k: (_matched(props[:k], gold, recall_theta, by_category) / len(gold) if gold else 0.0)
        for k in ks
    }
    covered = np.zeros(num_frames, dtype=bool)
    for p in props:
        covered[p.start : p.end + 1] = True
    return Evaluation(
        proposals=len(props),
        gestures=len(gold),
        at_theta=tuple(scores),
        recall_at_k=recall_at_k,
        coverage=float(covered.mean()) if num_frames else 0.0,
    )
