"""The MediaPipe Holistic backend: layout, storage, settings, hand sides and refusals.

Pose quality on real people is tested in test_pose_quality.py; this file checks the contract on
small inputs (a clip with nobody in it, constructed hand detections).
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from baselines.skeleton import LAYOUTS, to_imigue22
from pipeline.frames import iter_frames
from pipeline.pose_mediapipe import (
    FACE,
    LEFT_HAND,
    NUM_HAND,
    NUM_KEYPOINTS,
    RIGHT_HAND,
    MediaPipeExtractor,
    MediaPipeSettings,
    assign_hands,
    load_holistic,
)
from pipeline.poses import PoseConfig, PoseConfigError, check_backend, load_extractor, save_poses
from tests.support import media_factory as mf
from tests.support.face_media import clip_path


def test_the_default_backend_loads_offline_and_records_its_settings():
    settings = check_backend(PoseConfig())
    assert settings == {
        "backend": "mediapipe",
        "model": "holistic (pose_landmark_full, hand_landmark_full, face_landmark)",
        "layout": "mediapipe543",
        "version": "0.10.21",
        "model_complexity": 1,
        "min_detection_confidence": 0.5,
        "min_tracking_confidence": 0.5,
        "smooth_landmarks": True,
        "refine_face_landmarks": False,
    }


@pytest.mark.parametrize("complexity", [0, 2])
def test_models_that_would_be_downloaded_are_refused(complexity):
    with pytest.raises(PoseConfigError, match="model_complexity must be 1"):
        load_holistic(MediaPipeSettings(model_complexity=complexity))


def test_every_frame_gets_a_row_of_543_points_zeros_without_a_person(tmp_path):
    clip = mf.make_numbered_video(tmp_path / "clip.mp4", 6, size=(320, 180))
    extractor = load_extractor(PoseConfig(backend="mediapipe"))
    progress: list[float] = []
    try:
        result = extractor.extract(
            iter_frames(clip), num_frames=6, width=320, height=180, on_progress=progress.append
        )
        with pytest.raises(ValueError, match="decoded 6 frames, expected 7"):
            extractor.extract(iter_frames(clip), num_frames=7, width=320, height=180)
    finally:
        extractor.close()
    assert result.keypoints.shape == (6, NUM_KEYPOINTS, 3)
    assert result.keypoints.dtype == np.float32 and not result.keypoints.any()
    assert result.layout == "mediapipe543" and result.people_per_frame == [0] * 6
    assert progress[-1] == 1.0 and progress == sorted(progress)
    out = tmp_path / "poses.npz"
    save_poses(result, out)
    with np.load(out) as stored:
        assert stored["keypoints"].shape == (6, 543, 3) and str(stored["layout"]) == "mediapipe543"


def test_the_layout_maps_to_the_22_joints():
    """Each of the 22 joints reads its own BlazePose or hand point (docs/design.md §9)."""
    pose = np.zeros((1, NUM_KEYPOINTS, 3), dtype=np.float32)
    pose[0, :, 0] = np.arange(NUM_KEYPOINTS)  # x = the source index
    pose[0, :, 1] = 1.0
    pose[0, :, 2] = 0.9
    joints = to_imigue22(pose, "mediapipe543")
    nose, neck = joints[0, 0, 0], joints[0, 1, 0]
    assert nose == 0 and neck == (11 + 12) / 2
    assert joints[0, 2:12, 0].tolist() == [12, 14, 16, 11, 13, 15, 5, 2, 8, 7]
    assert joints[0, 12:17, 0].tolist() == [37, 41, 45, 49, 53]  # left thumb..pinky tips
    assert joints[0, 17:22, 0].tolist() == [58, 62, 66, 70, 74]  # right thumb..pinky tips
    assert LAYOUTS["mediapipe543"].num_keypoints == 543
    pose[0, RIGHT_HAND : RIGHT_HAND + NUM_HAND] = 0  # a missing hand: its tips are missing
    assert not to_imigue22(pose, "mediapipe543")[0, 17:22].any()


def _body_with_wrists(left_wrist, right_wrist) -> np.ndarray:
    pose = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float32)
    pose[:33, 2] = 0.9
    pose[15, :2], pose[16, :2] = left_wrist, right_wrist
    return pose


def _hand(at, spread=20.0) -> np.ndarray:
    hand = np.zeros((NUM_HAND, 3), dtype=np.float32)
    hand[:, 0] = at[0] + np.linspace(0, spread, NUM_HAND)
    hand[:, 1] = at[1] - np.linspace(0, spread * 2, NUM_HAND)
    hand[:, 2] = 1.0
    return hand


def test_one_hand_seen_twice_is_kept_once_on_its_side():
    pose = _body_with_wrists(left_wrist=(500, 400), right_wrist=(300, 400))
    pose[LEFT_HAND : LEFT_HAND + NUM_HAND] = _hand((310, 395))
    pose[RIGHT_HAND : RIGHT_HAND + NUM_HAND] = _hand((305, 398))  # the same hand again
    out = assign_hands(pose.copy())
    assert not out[LEFT_HAND : LEFT_HAND + NUM_HAND].any()
    assert out[RIGHT_HAND, 0] == 305  # the detection nearer a body wrist
    assert not out[FACE:].any()


def test_a_lone_hand_moves_to_the_side_whose_wrist_is_clearly_nearer():
    pose = _body_with_wrists(left_wrist=(500, 400), right_wrist=(300, 400))
    pose[LEFT_HAND : LEFT_HAND + NUM_HAND] = _hand((305, 390))
    out = assign_hands(pose.copy())
    assert out[RIGHT_HAND, 0] == 305 and not out[LEFT_HAND : LEFT_HAND + NUM_HAND].any()
    # Halfway between the wrists, Holistic's side is kept.
    pose = _body_with_wrists(left_wrist=(500, 400), right_wrist=(300, 400))
    pose[LEFT_HAND : LEFT_HAND + NUM_HAND] = _hand((390, 400))
    out = assign_hands(pose.copy())
    assert out[LEFT_HAND, 0] == 390 and not out[RIGHT_HAND : RIGHT_HAND + NUM_HAND].any()


def test_two_distinct_hands_are_both_kept_as_holistic_placed_them():
    pose = _body_with_wrists(left_wrist=(500, 400), right_wrist=(300, 400))
    pose[LEFT_HAND : LEFT_HAND + NUM_HAND] = _hand((495, 395))
    pose[RIGHT_HAND : RIGHT_HAND + NUM_HAND] = _hand((305, 395))
    out = assign_hands(pose.copy())
    np.testing.assert_array_equal(out, pose)


def test_an_extractor_is_reused_clip_after_clip(tmp_path):
    """A worker keeps one Holistic graph: each clip starts without the last one's tracking and
    smoothing, so the same frames give the same poses whatever ran before."""
    person = list(itertools.islice(iter_frames(clip_path("single_face.mp4")), 8))
    extractor = MediaPipeExtractor()
    try:
        first = extractor.extract(iter(person), num_frames=8, width=640, height=360)
        extractor.extract(iter(person[::-1]), num_frames=8, width=640, height=360)
        again = extractor.extract(iter(person), num_frames=8, width=640, height=360)
    finally:
        extractor.close()
    assert first.people_per_frame == [1] * 8
    np.testing.assert_array_equal(first.keypoints, again.keypoints)
    with pytest.raises(RuntimeError, match="closed"):
        extractor.extract(iter(person), num_frames=8, width=640, height=360)
