"""Choosing the main subject from per-frame poses (pure: no database)."""

import numpy as np
import pytest

from pipeline.subject import box_iou, main_subject, pose_box, track_people

W, H = 1280, 720


def person(cx: float, cy: float, size: float, k: int = 17, score: float = 0.9) -> np.ndarray:
    """A pose whose keypoints spread over a size × size box centred on (cx, cy)."""
    rng = np.random.default_rng(int(cx * 7 + cy * 13 + size))
    xy = rng.uniform(-size / 2, size / 2, (k, 2)) + (cx, cy)
    xy[0] = (cx - size / 2, cy - size / 2)
    xy[1] = (cx + size / 2, cy + size / 2)
    return np.concatenate([xy, np.full((k, 1), score)], axis=1).astype(np.float32)


def test_box_ignores_low_confidence_keypoints():
    pose = person(100, 100, 50)
    pose[2] = (999, 999, 0.01)
    assert pose_box(pose) == pytest.approx((75, 75, 125, 125))


@pytest.mark.parametrize(
    "a,b,expected",
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 15, 10), 1 / 3),
        ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),
    ],
)
def test_box_iou(a, b, expected):
    assert box_iou(a, b) == pytest.approx(expected)


def test_two_people_moving_slowly_stay_two_tracks():
    frames = [[person(300 + t, 360, 200), person(900 - t, 360, 200)] for t in range(50)]
    tracks = track_people(frames)
    assert sorted(len(tr.frames) for tr in tracks) == [50, 50]


def test_main_subject_is_big_and_central_not_the_small_one_at_the_edge():
    frames = [[person(150, 200, 120), person(640, 380, 400)] for _ in range(30)]
    poses = main_subject(frames, W, H, 17)
    assert poses.shape == (30, 17, 3)
    assert np.allclose(poses[:, 0, :2], frames[0][1][0, :2])


def test_main_subject_missing_frames_are_zeros_and_track_survives_a_gap():
    frames = [[person(640, 360, 300)] if t % 10 else [] for t in range(40)]
    poses = main_subject(frames, W, H, 17)
    assert (poses[::10] == 0).all() and (poses[1:10, :, 2] > 0).all()
    assert len(track_people(frames)) == 1


def test_a_brief_bystander_does_not_win_over_the_subject():
    frames = [[person(600, 360, 300)] for _ in range(40)]
    for t in range(5):
        frames[t].append(person(660, 360, 420))  # larger, central, but in 5 frames only
    poses = main_subject(frames, W, H, 17)
    assert np.allclose(poses[20, 0, :2], frames[20][0][0, :2])


def test_no_people_gives_zeros():
    assert not main_subject([[], []], W, H, 17).any()
