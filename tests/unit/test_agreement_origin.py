"""R apart by where segments began (annotator.agreement.origin): segments accepted from machine
proposals and segments marked by hand, each part with the rule of docs/design.md §6, and the
full run's matches counted by the origins of their two segments."""

from __future__ import annotations

import pytest

from annotator.agreement import Segment, compare_project
from annotator.agreement.origin import by_origin

THETA = 0.5


def seg(pk, start, end, code=1):
    return Segment(pk, start, end, code)


def test_each_origin_is_compared_with_itself_and_mixed_matches_are_counted():
    # Video 1: both labelers accepted the same proposal (p1/p2) and both marked one by hand
    # (h1/h2); one gesture labeler A accepted and labeler B marked by hand (p3/h3).
    annotations = {
        1: {
            "A": [seg("p1", 0, 9), seg("h1", 20, 29), seg("p3", 40, 49)],
            "B": [seg("p2", 0, 9), seg("h2", 21, 29), seg("h3", 40, 50)],
        },
        # Video 2: only A marked something, by hand.
        2: {"A": [seg("h4", 5, 15, 2)], "B": []},
    }
    proposals = {"p1", "p2", "p3"}
    full = compare_project(annotations, THETA)
    split = by_origin(annotations, proposals, full)
    # Proposals: A has p1, p3; B has p2. One match (p1, p2): R = 2·1 / 3.
    assert split["proposal"]["segments"] == 3 and split["proposal"]["matches"] == 1
    assert split["proposal"]["r_avg"] == pytest.approx(round(2 / 3, 4))
    # By hand: A has h1, h4; B has h2, h3. One match (h1, h2): R = 2·1 / 4.
    assert split["manual"]["segments"] == 4 and split["manual"]["matches"] == 1
    assert split["manual"]["r_avg"] == 0.5
    assert split["manual"]["per_pair"] == [
        {"labeler_i": "A", "labeler_j": "B", "videos": 2, "m": 1, "n_i": 2, "n_j": 2, "r": 0.5}
    ]
    # The full run matched all three gestures of video 1: one of each kind.
    assert split["matches_by_origin"] == {"both_proposal": 1, "mixed": 1, "both_manual": 1}
    assert split["proposal_share"] == pytest.approx(round(3 / 7, 4))


def test_without_proposals_the_manual_part_is_the_whole_run():
    annotations = {1: {"A": [seg(1, 0, 9)], "B": [seg(2, 0, 8)]}}
    full = compare_project(annotations, THETA)
    split = by_origin(annotations, set(), full)
    assert split["manual"]["r_avg"] == full.r_avg == 1.0
    assert split["proposal"] == {
        "r_avg": None,
        "segments": 0,
        "matches": 0,
        "per_pair": [
            {"labeler_i": "A", "labeler_j": "B", "videos": 1, "m": 0, "n_i": 0, "n_j": 0, "r": None}
        ],
    }
    assert split["matches_by_origin"] == {"both_proposal": 0, "mixed": 0, "both_manual": 1}
    assert split["proposal_share"] == 0.0
    assert by_origin({}, set(), compare_project({}, THETA))["proposal_share"] is None
