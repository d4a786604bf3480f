"""Pose quality of the default backend (MediaPipe Holistic) on real people.

The clips are the real-face test videos of tests/support/face_media.py: a man facing the camera
(``single_face.mp4``, 72 frames, shoulders at the bottom edge), a man talking in a car
(``carphone_pristine.mp4``, 120 frames) and a woman in close-up who covers her mouth, nose and
eyes with her right hand (``WolfgangLanger_Pexels.mp4``, 472 frames). Ground truth for the hand,
checked by eye on contact sheets: her hand touches her face in frames 60-229 and no hand is in
view in frames 0-49 and 240-471. Faces are located independently of MediaPipe, by CenterFace
(the blur detector), and the skeleton is checked against that box: the 22-joint joints of
docs/design.md §9 must lie on the person with plausible proportions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from baselines.skeleton import to_imigue22
from pipeline import media
from pipeline.faces import Box, CenterFaceDetector
from pipeline.frames import iter_frames
from pipeline.pose_mediapipe import LEFT_HAND, NUM_HAND, RIGHT_HAND, MediaPipeExtractor
from tests.support.face_media import carphone_path, clip_path

NOSE, NECK, RSHOULDER, RWRIST, LSHOULDER, LWRIST = 0, 1, 2, 4, 5, 7
HAND_ON_FACE = range(60, 230)
NO_HAND = [*range(0, 50), *range(240, 472)]


@dataclass
class Posed:
    raw: np.ndarray  # (T, 543, 3)
    joints: np.ndarray  # (T, 22, 3)
    faces: list[Box]  # the most confident face box per frame


def _pose(path) -> Posed:
    info = media.probe_video(path)
    frames = list(iter_frames(path))
    extractor = MediaPipeExtractor()
    try:
        result = extractor.extract(
            iter(frames), num_frames=len(frames), width=info.width, height=info.height
        )
    finally:
        extractor.close()
    # One detector per clip: a cv2.dnn net reused at another frame size gives wrong boxes.
    detector = CenterFaceDetector(threshold=0.5, long_edge=640)
    faces = [max(detector.detect(frame), key=lambda b: b.score) for frame in frames]
    return Posed(result.keypoints, to_imigue22(result.keypoints, result.layout), faces)


@pytest.fixture(scope="module")
def posed() -> dict[str, Posed]:
    return {
        "single_face": _pose(clip_path("single_face.mp4")),
        "carphone": _pose(carphone_path()),
        "close_up": _pose(clip_path("WolfgangLanger_Pexels.mp4")),
    }


def _size(box: Box) -> tuple[float, float]:
    return box.x1 - box.x0, box.y1 - box.y0


@pytest.mark.parametrize("name", ["single_face", "carphone", "close_up"])
def test_head_and_shoulders_lie_on_the_person(posed, name):
    clip = posed[name]
    for t, (joints, face) in enumerate(zip(clip.joints, clip.faces, strict=True)):
        width, height = _size(face)
        centre_x = (face.x0 + face.x1) / 2
        nose, neck = joints[NOSE], joints[NECK]
        assert nose[2] > 0.5 and face.x0 <= nose[0] <= face.x1 and face.y0 <= nose[1] <= face.y1
        # The right shoulder is on the image's left of the face, the left one on its right,
        # about two face widths apart (1.7-2.1 measured where both are in frame).
        right, left = joints[RSHOULDER], joints[LSHOULDER]
        assert right[2] > 0.3 and left[2] > 0.3, t
        assert right[0] < centre_x < left[0], t
        assert 0.9 <= (left[0] - right[0]) / width <= 2.5, t
        # The neck (mean of the shoulders) is under the chin, not beside the head.
        assert abs(neck[0] - centre_x) / width < 0.75, t
        assert 0.0 < (neck[1] - face.y1) / height < 1.0, t


@pytest.mark.parametrize("name", ["single_face", "carphone"])
def test_lowered_arms_hang_from_the_shoulders(posed, name):
    """Hands out of view below the frame: the wrists are placed (at low visibility) under
    their shoulders, an arm's length away, never above the shoulders or across the body."""
    clip = posed[name]
    for joints in clip.joints:
        breadth = joints[LSHOULDER, 0] - joints[RSHOULDER, 0]
        for shoulder, wrist in ((RSHOULDER, RWRIST), (LSHOULDER, LWRIST)):
            assert joints[wrist, 1] > joints[shoulder, 1]
            reach = np.linalg.norm(joints[wrist, :2] - joints[shoulder, :2]) / breadth
            assert 0.6 < reach < 2.0
        assert joints[RWRIST, 0] < joints[LWRIST, 0]
    assert not (clip.raw[:, LEFT_HAND : RIGHT_HAND + NUM_HAND, 2] > 0).any(), "no hand is in view"


def test_a_hand_on_the_face_is_found_on_the_face(posed):
    clip = posed["close_up"]
    found = []
    for t in HAND_ON_FACE:
        face = clip.faces[t]
        width, height = _size(face)
        cx, cy = (face.x0 + face.x1) / 2, (face.y0 + face.y1) / 2
        for side, wrist in ((LEFT_HAND, LWRIST), (RIGHT_HAND, RWRIST)):
            hand = clip.raw[t, side : side + NUM_HAND]
            if not hand[0, 2] > 0:
                continue
            found.append(t)
            # Her hand covers the mouth, nose or eyes: its points lie on the face, a little
            # under the chin at most (≥ 0.90 of them measured inside the box grown 1.6×).
            inside = (np.abs(hand[:, 0] - cx) <= 0.8 * width) & (
                np.abs(hand[:, 1] - cy) <= 0.8 * height
            )
            assert inside.mean() >= 0.85, (t, inside.mean())
            # The skeleton's wrist on that side is under the face, near the hand's own wrist.
            body_wrist = clip.joints[t, wrist]
            assert max(face.x0 - body_wrist[0], 0, body_wrist[0] - face.x1) / width < 0.5, t
            assert 0.0 < (body_wrist[1] - face.y1) / height < 1.0, t
            assert np.linalg.norm(hand[0, :2] - body_wrist[:2]) / height < 0.75, t
    # Holistic finds a hand that covers a face in about 4 frames of 10 (73 of 170 measured).
    assert len(set(found)) / len(HAND_ON_FACE) >= 0.35
    # …and one hand is reported once: the same hand is never both the left and the right.
    both = (clip.raw[:, LEFT_HAND, 2] > 0) & (clip.raw[:, RIGHT_HAND, 2] > 0)
    assert not both.any()


def test_no_hand_is_reported_when_none_is_in_view(posed):
    clip = posed["close_up"]
    hands = clip.raw[NO_HAND][:, LEFT_HAND : RIGHT_HAND + NUM_HAND, 2]
    assert not (hands > 0).any()
    # A missing hand is zeros, score 0, in the stored layout and in the 22 joints.
    assert not clip.raw[NO_HAND][:, LEFT_HAND : RIGHT_HAND + NUM_HAND].any()
    assert not clip.joints[NO_HAND][:, 12:22].any()
