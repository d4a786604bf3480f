"""Synthetic 22-joint skeletons of a seated person with known movements: the machine proposals'
tests (unit, database and browser) plant gestures at known frames and look for them."""

from __future__ import annotations

import numpy as np

# A seated person at rest, 22-joint layout (pixels): nose, neck, right arm, left arm, eyes, ears,
# then left and right fingertips at the wrists.
REST = np.array(
    [[640, 300], [640, 400], [560, 400], [540, 500], [560, 600], [720, 400], [740, 500]]
    + [[720, 600], [625, 285], [655, 285], [610, 295], [670, 295]]
    + [[720, 620]] * 5
    + [[560, 620]] * 5,
    dtype=float,
)
RIGHT_HAND = (4, 17, 18, 19, 20, 21)
LEFT_HAND = (7, 12, 13, 14, 15, 16)
FACE = np.array([640.0, 320.0])


def seated(num_frames: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    kp = np.zeros((num_frames, 22, 3))
    kp[..., :2] = REST + rng.normal(0, 1.5, (num_frames, 22, 2))  # detector jitter
    kp[..., 2] = 0.9
    return kp


def hand_to_face(kp: np.ndarray, first: int, last: int, hand=RIGHT_HAND) -> None:
    """The hand travels to the face in 6 frames, stays, and goes back by ``last``."""
    n = last - first + 1
    ramp = np.clip(np.minimum(np.arange(n), np.arange(n)[::-1]) / 6, 0, 1)
    for joint in hand:
        kp[first : last + 1, joint, :2] += (FACE - REST[joint]) * ramp[:, None]


def with_gestures(num_frames: int, gestures, seed: int = 0) -> np.ndarray:
    """A seated skeleton with a hand to the face at each ``(first, last)`` (alternating hands)."""
    kp = seated(num_frames, seed)
    for k, (first, last) in enumerate(gestures):
        hand_to_face(kp, first, last, (RIGHT_HAND, LEFT_HAND)[k % 2])
    return kp
