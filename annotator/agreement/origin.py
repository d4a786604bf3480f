"""R apart for segments that began as machine proposals and for those marked by hand
(docs/design.md §17, docs/agreement.md).

Both labelers of a video see the same proposals, so agreement on accepted proposals may come from
the machine rather than from two people seeing the same gesture. The split filters each labeler's
segments by origin and computes R on each part with the same rule (§6): R_proposal compares only
segments accepted from proposals, R_manual only segments marked by hand. A gesture one labeler
accepted from a proposal and the other marked by hand is a match of neither part; the full run's
matches are therefore also counted by the origins of their two segments ("mixed").
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping, Sequence
from typing import Any

from .core import Segment
from .pooling import ProjectAgreement, compare_project
from .report import pair_rows, rounded

Annotations = Mapping[Hashable, Mapping[Hashable, Sequence[Segment]]]


def _part(agreement: ProjectAgreement) -> dict[str, Any]:
    return {
        "r_avg": rounded(agreement.r_avg),
        "segments": sum(v.result.n_i + v.result.n_j for v in agreement.videos),
        "matches": sum(v.result.m for v in agreement.videos),
        "per_pair": pair_rows(agreement),
    }


def _only(annotations: Annotations, keep) -> dict:
    return {
        video: {labeler: [s for s in segments if keep(s)] for labeler, segments in by.items()}
        for video, by in annotations.items()
    }


def by_origin(
    annotations: Annotations,
    from_proposal: Collection[Hashable],
    full: ProjectAgreement,
) -> dict[str, Any]:
    """The split of a run: ``annotations`` as given to ``compare_project`` (video → labeler →
    segments), ``from_proposal`` the ids of the segments that began as proposals, ``full`` the
    run's own result on all of them (its θ is used, and its matches are counted by origin)."""
    ids = set(from_proposal)
    total = sum(len(s) for by in annotations.values() for s in by.values())
    accepted = sum(1 for by in annotations.values() for s in by.values() for x in s if x.id in ids)
    proposal = compare_project(_only(annotations, lambda s: s.id in ids), full.theta)
    # With no segment from a proposal the hand-marked part is the whole run: no second pass.
    manual = (
        full
        if not accepted
        else compare_project(_only(annotations, lambda s: s.id not in ids), full.theta)
    )
    kinds = {"both_proposal": 0, "mixed": 0, "both_manual": 0}
    for video in full.videos:
        for match in video.result.matches:
            count = (match.a.id in ids) + (match.b.id in ids)
            kinds[("both_manual", "mixed", "both_proposal")[count]] += 1
    return {
        "proposal": _part(proposal),
        "manual": _part(manual),
        "matches_by_origin": kinds,
        "proposal_share": rounded(accepted / total) if total else None,
    }
