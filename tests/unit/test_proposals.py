"""Machine proposals (annotator.proposals): synthetic skeletons with known movements, the
evaluation's arithmetic, the duration limits from the iMiGUE table, and a floor on the real
video 298 measured by bench/proposals.py (second half, tuned on the first)."""

from __future__ import annotations

import numpy as np
import pytest

from annotator.proposals import DEFAULT_SETTINGS, activity, evaluate, propose
from annotator.proposals.detect import proposals_from_signal, segments_above
from tests.support import video298
from tests.support.synthetic_poses import LEFT_HAND, RIGHT_HAND, hand_to_face, seated

FPS = 25.0


@pytest.mark.parametrize(
    ("first", "last", "hand"),
    [(1000, 1060, RIGHT_HAND), (400, 450, LEFT_HAND), (1500, 1800, RIGHT_HAND)],
)
def test_a_hand_to_the_face_and_back_is_proposed_within_a_few_frames(first, last, hand):
    kp = seated(2400)
    hand_to_face(kp, first, last, hand)
    [best, *_] = propose(kp, FPS)
    assert abs(best.start - first) <= 3 and abs(best.end - last) <= 3, best


def test_two_gestures_give_two_proposals_and_rest_gives_none():
    kp = seated(3000)
    hand_to_face(kp, 1000, 1060)
    hand_to_face(kp, 2000, 2100, LEFT_HAND)
    found = sorted(propose(kp, FPS), key=lambda p: p.start)
    assert [(p.start // 20, p.end // 20) for p in found] == [(49, 53), (99, 105)]
    assert propose(seated(3000, seed=1), FPS) == []


@pytest.mark.parametrize(("frames", "kept"), [(11, False), (12, True), (500, True)])
def test_durations_outside_the_labelled_range_are_dropped_or_cut(frames, kept):
    signal = np.zeros(1000)
    signal[100 : 100 + frames] = 50.0  # above the threshold for exactly `frames` frames
    found = proposals_from_signal(signal, FPS)
    assert bool(found) == kept
    if kept:  # the longest labelled gesture is 391 frames
        assert (found[0].start, found[0].length) == (100, min(frames, 391))


def test_frames_without_the_person_have_no_activity_and_no_crash():
    kp = seated(1500)
    hand_to_face(kp, 600, 660)
    kp[200:400] = 0.0  # nobody in view
    signal = activity(kp, FPS)
    assert np.all(signal[200:400] == 0.0)
    [found] = propose(kp, FPS)
    assert abs(found.start - 600) <= 3 and abs(found.end - 660) <= 3, found
    assert propose(np.zeros((500, 22, 3)), FPS) == []
    assert activity(np.zeros((0, 22, 3)), FPS).shape == (0,)
    with pytest.raises(ValueError, match="22, 3"):
        activity(np.zeros((10, 17, 3)), FPS)


@pytest.mark.parametrize(
    ("signal", "high", "low", "runs"),
    [
        ([0, 5, 5, 0], 4, 2, [(1, 2)]),
        ([0, 5, 3, 5, 0], 4, 2, [(1, 3)]),  # a dip above low does not split
        ([0, 5, 1, 5, 0], 4, 2, [(1, 1), (3, 3)]),
        ([5, 5], 4, 2, [(0, 1)]),  # open at the end
        ([3, 3, 3], 4, 2, []),
    ],
)
def test_hysteresis(signal, high, low, runs):
    assert segments_above(np.array(signal, dtype=float), high, low) == runs


def test_evaluation_counts_one_to_one_matches_at_each_theta():
    truth = [(0, 9, 1), (20, 29, 2), (40, 49, 3)]
    ranked = [(0, 9, 1), (22, 33, 1), (100, 109, 3), (2, 8, 1)]
    ev = evaluate(ranked, truth, 200, thetas=(0.3, 0.5), ks=(1, 2))
    # (22, 33) vs (20, 29): I = 8, union 14 → tIoU 0.57; (2, 8) can only pair with (0, 9),
    # which is taken: one-to-one.
    assert [(s.theta, s.matched) for s in ev.at_theta] == [(0.3, 2), (0.5, 2)]
    assert ev.at_theta[0].precision == pytest.approx(2 / 4)
    assert ev.at_theta[0].recall == pytest.approx(2 / 3)
    assert ev.at_theta[0].f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    assert ev.recall_at_k == {1: pytest.approx(1 / 3), 2: pytest.approx(2 / 3)}
    assert ev.coverage == pytest.approx((10 + 12 + 10) / 200)  # (2, 8) lies inside (0, 9)
    by_category = evaluate(ranked, truth, 200, thetas=(0.3,), ks=(), by_category=True)
    assert by_category.at_theta[0].matched == 1  # (22, 33) suggests 1, the gesture is 2


needs_reference = pytest.mark.skipif(
    not video298.available(), reason=f"the iMiGUE reference files are not in {video298.LABELS}"
)


@needs_reference
def test_duration_limits_are_the_label_tables_1st_and_99th_percentiles():
    durations = video298.all_durations()
    assert len(durations) == 18498
    assert round(float(np.percentile(durations, 1))) == DEFAULT_SETTINGS.min_seconds * FPS
    assert round(float(np.percentile(durations, 99))) == DEFAULT_SETTINGS.max_seconds * FPS


@needs_reference
def test_real_video_298_second_half_keeps_its_measured_quality():
    kp = video298.skeleton22()
    half = len(kp) // 2
    truth = [(s - half, e - half, 0) for s, e, _ in video298.labels() if s >= half]
    found = [(p.start - half, p.end - half, 0) for p in propose(kp, FPS) if p.start >= half]
    ev = evaluate(found, truth, len(kp) - half)
    at_03, at_05 = ev.at_theta
    # bench/proposals.py measured F1 0.46 at tIoU 0.3 and 0.40 at 0.5 with 11.8 % of the frames
    # covered (docs/benchmarks.md); the floors sit just below so a regression fails here.
    assert at_03.f1 >= 0.44, at_03
    assert at_05.f1 >= 0.38, at_05
    assert ev.coverage <= 0.13, ev.coverage
