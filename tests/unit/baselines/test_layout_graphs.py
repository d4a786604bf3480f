"""skeleton.json names every joint and edge of each stored layout: names and edges fit each
layout, the 22-joint mapping reads the joints its names say, and MediaPipe's own tables agree."""

import re

import pytest

from baselines.layout_graphs import EDGES, JOINTS, layout_graph
from baselines.skeleton import IMIGUE22_JOINTS, LAYOUTS, skeleton_json

STORED = sorted(name for name in LAYOUTS if name != "imigue22")


def test_every_stored_layout_has_a_graph():
    assert set(STORED) <= set(JOINTS)


@pytest.mark.parametrize("name", STORED)
def test_names_and_edges_fit_the_layout(name):
    joints, edges = JOINTS[name], EDGES[name]
    assert len(joints) == LAYOUTS[name].num_keypoints
    assert len(set(joints)) == len(joints), "joint names are unique"
    assert all(0 <= a < len(joints) and 0 <= b < len(joints) and a != b for a, b in edges)
    assert len({frozenset(e) for e in edges}) == len(edges), "no edge twice"
    touched = {j for e in edges for j in e}
    # Every named point is drawn, except OpenPose's two pupils and the inner points of
    # MediaPipe's face mesh (only its contours are edges).
    undrawn = {
        i
        for i, n in enumerate(joints)
        if "Pupil" in n or (name == "mediapipe543" and n.startswith("face_"))
    }
    assert set(range(len(joints))) - touched <= undrawn


# iMiGUE joint → words its source joint's name must hold in every layout.
_EXPECTED = {
    "Nose": ("nose",),
    "RShoulder": ("r", "shoulder"),
    "LShoulder": ("l", "shoulder"),
    "RElbow": ("r", "elbow"),
    "LWrist": ("l", "wrist"),
    "REye": ("r", "eye"),
    "LEar": ("l", "ear"),
    "LThumbTip": ("left", "thumb4"),
    "RPinkyTip": ("right", "pinky4"),
}


def _words(name: str) -> list[str]:
    # "LeftHandThumb4" → left hand thumb4; "right_elbow" → right elbow; "LWrist" → l wrist.
    return [w.lower() for w in re.findall(r"[A-Z]?[a-z]+\d*|[A-Z](?=[A-Z])", name)]


@pytest.mark.parametrize("name", STORED)
def test_the_22_joint_mapping_reads_the_joints_its_names_say(name):
    names = JOINTS[name]
    for j, sources in enumerate(LAYOUTS[name].to_imigue22):
        target = IMIGUE22_JOINTS[j]
        if target not in _EXPECTED or not sources:
            continue
        (source,) = sources
        words = _words(names[source])
        for want in _EXPECTED[target]:
            side = {"r": "right", "l": "left"}.get(want)
            assert want in words or side in words, f"{name}: {target} ← {names[source]}"


def test_skeleton_json_carries_the_graphs():
    data = skeleton_json()
    for name in STORED:
        assert data[name]["joints"] == JOINTS[name]
        assert data[name]["edges"] == [list(e) for e in EDGES[name]]
        assert len(data[name]["to_imigue22"]) == 22
    assert layout_graph("unknown") == {}


def test_mediapipe_tables_agree_with_the_installed_package():
    solutions = pytest.importorskip("mediapipe.python.solutions")
    pose = solutions.pose_connections.POSE_CONNECTIONS
    hands = solutions.hands_connections.HAND_CONNECTIONS
    face = solutions.face_mesh_connections.FACEMESH_CONTOURS
    names = JOINTS["mediapipe543"]
    assert names[:33] == [lm.name.lower() for lm in solutions.pose.PoseLandmark]
    edges = {tuple(e) for e in EDGES["mediapipe543"]}
    assert set(pose) <= edges
    assert {(a + 33, b + 33) for a, b in hands} <= edges
    assert {(a + 54, b + 54) for a, b in hands} <= edges
    assert {(a + 75, b + 75) for a, b in face} <= edges
    assert len(edges) == len(pose) + 2 * len(hands) + 2 + len(face)
