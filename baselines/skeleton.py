"""Skeleton layouts as data, and their mapping to the 22-joint iMiGUE layout (docs/design.md §9).

Every pose array here is ``(T, K, 3)``: T frames, K keypoints of the source layout, and
(x, y, score) in pixels. A joint that a layout does not have, or that the detector missed, is
written as ``(0, 0, 0)``: score 0 is the single "missing" marker the rest of the package reads.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from baselines.layout_graphs import layout_graph

# --- The 22-joint iMiGUE layout: the one place these names and edges are written. -----------

_HAND_TIPS = ("Thumb", "Index", "Middle", "Ring", "Pinky")

IMIGUE22_JOINTS: tuple[str, ...] = (
    "Nose",
    "Neck",
    "RShoulder",
    "RElbow",
    "RWrist",
    "LShoulder",
    "LElbow",
    "LWrist",
    "REye",
    "LEye",
    "REar",
    "LEar",
    *(f"L{t}Tip" for t in _HAND_TIPS),
    *(f"R{t}Tip" for t in _HAND_TIPS),
)
IMIGUE22_EDGES: tuple[tuple[int, int], ...] = (
    (1, 0),
    (1, 2),
    (2, 3),
    (3, 4),
    (1, 5),
    (5, 6),
    (6, 7),
    (0, 8),
    (8, 10),
    (0, 9),
    (9, 11),
    *((7, j) for j in range(12, 17)),
    *((4, j) for j in range(17, 22)),
)
IMIGUE22_CENTER = 1  # the Neck: hips and legs are rarely visible in seated press conferences.
NUM_JOINTS = len(IMIGUE22_JOINTS)


@dataclass(frozen=True)
class Layout:
    """A source keypoint layout and how each of the 22 iMiGUE joints is read from it.

    ``to_imigue22[j]`` is a tuple of source indices: one index is copied, two are averaged (the
    Neck is always the mean of the shoulders, so every layout agrees on the centre joint), and
    an empty tuple means the layout lacks that joint.
    """

    name: str
    num_keypoints: int
    to_imigue22: tuple[tuple[int, ...], ...]


def _hand_tips(wrist: int) -> list[tuple[int, ...]]:
    # OpenPose and COCO-WholeBody hands share the 21-point order: wrist, then four points per
    # finger from thumb to pinky, the tip being the fourth.
    return [(wrist + 4 * f,) for f in range(1, 6)]


def _head_arms(nose, lsh, rsh, rel, rwr, lel, lwr, rey, ley, rea, lea) -> list[tuple[int, ...]]:
    return [
        (nose,),
        (lsh, rsh),
        (rsh,),
        (rel,),
        (rwr,),
        (lsh,),
        (lel,),
        (lwr,),
        (rey,),
        (ley,),
        (rea,),
        (lea,),
    ]


# COCO-17: nose, leye, reye, lear, rear, lsho, rsho, lelb, relb, lwri, rwri, hips, knees, ankles.
_COCO_HEAD_ARMS = _head_arms(0, 5, 6, 8, 10, 7, 9, 2, 1, 4, 3)
COCO17 = Layout("coco17", 17, tuple(_COCO_HEAD_ARMS + [()] * 10))
# COCO-WholeBody-133: COCO-17 body, 6 feet, 68 face (23..90), left hand 91..111, right 112..132.
COCO_WHOLEBODY133 = Layout(
    "coco_wholebody133", 133, tuple(_COCO_HEAD_ARMS + _hand_tips(91) + _hand_tips(112))
)
# OpenPose-137 (iMiGUE): BODY_25 (0 nose, 1 neck, 2-4 right arm, 5-7 left arm, 15/16 eyes,
# 17/18 ears), 70 face (25..94), left hand 95..115, right hand 116..136.
OPENPOSE137 = Layout(
    "openpose137",
    137,
    tuple(_head_arms(0, 5, 2, 3, 4, 6, 7, 15, 16, 17, 18) + _hand_tips(95) + _hand_tips(116)),
)
# MediaPipe Holistic (pipeline/pose_mediapipe.py): BlazePose-33 body (0 nose, 2/5 left/right
# eye, 7/8 ears, 11/12 shoulders, 13/14 elbows, 15/16 wrists), left hand 33..53, right hand
# 54..74 (the 21-point hand order above), 468 face mesh points 75..542.
MEDIAPIPE543 = Layout(
    "mediapipe543",
    543,
    tuple(_head_arms(0, 11, 12, 14, 16, 13, 15, 5, 2, 8, 7) + _hand_tips(33) + _hand_tips(54)),
)
IMIGUE22 = Layout("imigue22", NUM_JOINTS, tuple((j,) for j in range(NUM_JOINTS)))

LAYOUTS: dict[str, Layout] = {
    layout.name: layout
    for layout in (IMIGUE22, COCO17, COCO_WHOLEBODY133, OPENPOSE137, MEDIAPIPE543)
}


def to_imigue22(keypoints: np.ndarray, layout: str) -> np.ndarray:
    """Map ``(T, K, 3)`` keypoints of ``layout`` to ``(T, 22, 3)`` float32 in the iMiGUE layout.

    An averaged joint (the Neck) is present only when all its sources are: half a neck would
    shift the centre the whole sequence is normalised on.
    """
    spec = LAYOUTS[layout]
    kp = np.asarray(keypoints, dtype=np.float32)
    if kp.ndim != 3 or kp.shape[1:] != (spec.num_keypoints, 3):
        raise ValueError(f"{layout} expects (T, {spec.num_keypoints}, 3), got {kp.shape}")
    out = np.zeros((kp.shape[0], NUM_JOINTS, 3), dtype=np.float32)
    for j, sources in enumerate(spec.to_imigue22):
        if not sources:
            continue
        src = kp[:, list(sources), :]
        present = np.all(src[..., 2] > 0, axis=1)
        out[:, j, :2] = src[..., :2].mean(axis=1)
        out[:, j, 2] = src[..., 2].min(axis=1)
        out[~present, j] = 0.0
    return out


def openpose_person(keypoints: np.ndarray, person: int = 0) -> np.ndarray:
    """Pick one person from iMiGUE's ``(T, P, 137, 3)`` OpenPose array (person 0 is first)."""
    return np.asarray(keypoints[:, person], dtype=np.float32)


def hop_distance(num_nodes: int, edges: tuple[tuple[int, int], ...]) -> np.ndarray:
    """``(V, V)`` shortest path lengths on the undirected graph; ``inf`` where unreachable."""
    dist = np.full((num_nodes, num_nodes), np.inf)
    np.fill_diagonal(dist, 0)
    adj = [[] for _ in range(num_nodes)]
    for i, j in edges:
        adj[i].append(j)
        adj[j].append(i)
    for s in range(num_nodes):
        frontier, d = [s], 0
        while frontier:
            d += 1
            nxt = [n for u in frontier for n in adj[u] if dist[s, n] == np.inf]
            for n in nxt:
                dist[s, n] = d
            frontier = nxt
    return dist


def skeleton_json() -> dict:
    """Joint names and edges of each layout, as a release's ``skeleton.json`` holds them."""
    return {
        "imigue22": {
            "joints": list(IMIGUE22_JOINTS),
            "edges": [list(e) for e in IMIGUE22_EDGES],
            "center": IMIGUE22_CENTER,
        },
        **{
            name: {
                "num_keypoints": lay.num_keypoints,
                "to_imigue22": [list(s) for s in lay.to_imigue22],
                **layout_graph(name),  # its own joint names and edges
            }
            for name, lay in LAYOUTS.items()
            if name != "imigue22"
        },
    }
