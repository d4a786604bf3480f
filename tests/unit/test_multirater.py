"""Training-round figures, pure: Fleiss' κ against statsmodels, the round report on a
fixed three-labeler round, and scores against a reference answer."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from annotator.agreement import Segment
from annotator.agreement.kappa import frame_labels
from annotator.agreement.multirater import (
    fleiss_kappa_frames,
    reference_score,
    round_report,
    weighted_fleiss_kappa,
)

# statsmodels' own documentation example shape: subjects × categories counts, 4 raters each.
KNOWN_TABLES = [
    np.array([[4, 0, 0], [2, 2, 0], [0, 3, 1], [1, 1, 2], [0, 0, 4], [3, 1, 0]]),
    np.array(
        [
            [0, 0, 0, 0, 14],
            [0, 2, 6, 4, 2],
            [0, 0, 3, 5, 6],
            [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1],
            [7, 7, 0, 0, 0],
            [3, 2, 6, 3, 0],
            [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0],
            [0, 2, 2, 3, 7],
        ]
    ),  # Fleiss (1971), 14 raters: κ = 0.210
]


@pytest.mark.parametrize("table", KNOWN_TABLES)
def test_weighted_fleiss_kappa_equals_statsmodels_with_unit_weights(table):
    assert weighted_fleiss_kappa(table) == pytest.approx(fleiss_kappa(table, method="fleiss"))


def test_the_classic_fleiss_example():
    assert weighted_fleiss_kappa(KNOWN_TABLES[1]) == pytest.approx(0.2099, abs=1e-4)


def test_a_weight_is_the_same_as_repeating_the_subject():
    table = KNOWN_TABLES[0]
    weights = np.array([3, 1, 2, 5, 1, 4])
    repeated = np.repeat(table, weights, axis=0)
    assert weighted_fleiss_kappa(table, weights) == pytest.approx(
        fleiss_kappa(repeated, method="fleiss")
    )


def test_unequal_rater_counts_are_refused():
    with pytest.raises(ValueError, match="same number"):
        weighted_fleiss_kappa(np.array([[2, 0], [1, 2]]))


segment_lists = st.lists(
    st.tuples(st.integers(0, 80), st.integers(0, 20), st.sampled_from([1, 2, 3])).map(
        lambda t: (t[0], min(99, t[0] + t[1]), t[2])
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None)
@given(st.lists(segment_lists, min_size=2, max_size=4))
def test_frame_kappa_equals_statsmodels_on_the_expanded_frames(raters):
    labelings = [[Segment(k, s, e, c) for k, (s, e, c) in enumerate(r)] for r in raters]
    codes: dict = {}
    frames = np.stack([frame_labels(seg, 100, codes) for seg in labelings], axis=1)
    table, _ = aggregate_raters(frames)
    expected = fleiss_kappa(table, method="fleiss") if table.shape[1] > 1 else None
    got = fleiss_kappa_frames([(labelings, 100)])
    if expected is None or not np.isfinite(expected):
        assert got is None
    else:
        assert got == pytest.approx(expected, abs=1e-9)


def seg(k, start, end, cat):
    return Segment(k, start, end, cat)


# A round of one 200-frame video and three labelers.
ROUND = {
    "v1": {
        "A": [seg(1, 10, 30, 1), seg(2, 50, 70, 2), seg(3, 100, 120, 3)],
        "B": [seg(4, 12, 31, 1), seg(5, 52, 69, 2), seg(6, 101, 119, 4)],
        "C": [seg(7, 10, 29, 1), seg(8, 150, 170, 5)],
    }
}


def test_round_report_on_a_fixed_round():
    report = round_report(ROUND, {"v1": 200}, theta=0.5)
    assert report.labelers == ("A", "B", "C")
    # A–B: 2 matches of 3 + 3; A–C: 1 of 3 + 2; B–C: 1 of 3 + 2.
    assert report.pair_r == {
        ("A", "B"): pytest.approx(4 / 6),
        ("A", "C"): pytest.approx(2 / 5),
        ("B", "C"): pytest.approx(2 / 5),
    }
    assert report.mean_r["A"] == pytest.approx((4 / 6 + 2 / 5) / 2)
    assert report.mean_r["C"] == pytest.approx(2 / 5)
    assert report.confusions == {(3, 4): 1}
    assert 0 < report.fleiss_kappa < 1
    # The C1 gesture is one place of all three, onsets 10/12/10 and offsets 30/31/29.
    full = [p for p in report.places if not p.missing and len(p.members) == 3]
    assert len(full) == 1
    assert (full[0].onset_spread, full[0].offset_spread) == (2, 2)
    # C's C5 at 150 is a place nobody else saw.
    lonely = [p for p in report.places if p.missing == ("A", "B")]
    assert [m[1].start for p in lonely for m in p.members] == [150]


def test_identical_labelers_agree_fully():
    same = [seg(1, 10, 30, 1), seg(2, 40, 60, 2)]
    report = round_report({"v": {"A": same, "B": same, "C": same}}, {"v": 100})
    assert set(report.pair_r.values()) == {1.0}
    assert report.fleiss_kappa == pytest.approx(1.0)
    assert report.confusions == {}


def test_reference_score():
    reference = {"v1": [seg(1, 10, 30, 1), seg(2, 50, 70, 2), seg(3, 100, 120, 3)]}
    labeler = {
        "v1": [seg(4, 12, 31, 1), seg(5, 54, 70, 2), seg(6, 101, 119, 4), seg(7, 150, 160, 5)]
    }
    score = reference_score(reference, labeler, theta=0.5)
    assert (score.matches, score.n_reference, score.n_labeler) == (2, 3, 4)
    assert score.r == pytest.approx(4 / 7)
    assert score.onset_error == pytest.approx((2 + 4) / 2)
    assert score.offset_error == pytest.approx((1 + 0) / 2)
    assert score.confusions == {(3, 4): 1}
