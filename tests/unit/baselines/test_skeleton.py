"""The 22-joint iMiGUE layout and the mappings from COCO-17, COCO-WholeBody-133, OpenPose-137."""

import numpy as np
import pytest

from baselines.models.stgcn import spatial_adjacency
from baselines.skeleton import (
    IMIGUE22_CENTER,
    IMIGUE22_EDGES,
    IMIGUE22_JOINTS,
    LAYOUTS,
    openpose_person,
    to_imigue22,
)
from tests.support.release_factory import VIDEO298_NPZ


def test_joint_names_and_order_as_design():
    assert IMIGUE22_JOINTS == (
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
        "LThumbTip",
        "LIndexTip",
        "LMiddleTip",
        "LRingTip",
        "LPinkyTip",
        "RThumbTip",
        "RIndexTip",
        "RMiddleTip",
        "RRingTip",
        "RPinkyTip",
    )
    assert IMIGUE22_CENTER == 1


def test_edges_exactly_as_design():
    expected = (
        [(1, 0), (1, 2), (2, 3), (3, 4), (1, 5), (5, 6), (6, 7), (0, 8), (8, 10), (0, 9), (9, 11)]
        + [(7, j) for j in range(12, 17)]
        + [(4, j) for j in range(17, 22)]
    )
    assert list(IMIGUE22_EDGES) == expected
    assert len(set(IMIGUE22_EDGES)) == 21  # a tree over 22 joints


# (layout, iMiGUE joint, source indices): every row is a fact of the source layout.
SOURCES = [
    ("coco17", "Nose", (0,)),
    ("coco17", "Neck", (5, 6)),
    ("coco17", "RShoulder", (6,)),
    ("coco17", "RWrist", (10,)),
    ("coco17", "LElbow", (7,)),
    ("coco17", "REye", (2,)),
    ("coco17", "LEar", (3,)),
    ("coco17", "LThumbTip", ()),
    ("coco17", "RPinkyTip", ()),
    ("coco_wholebody133", "Neck", (5, 6)),
    ("coco_wholebody133", "LWrist", (9,)),
    ("coco_wholebody133", "LThumbTip", (95,)),
    ("coco_wholebody133", "LPinkyTip", (111,)),
    ("coco_wholebody133", "RThumbTip", (116,)),
    ("coco_wholebody133", "RPinkyTip", (132,)),
    ("openpose137", "Neck", (5, 2)),
    ("openpose137", "RShoulder", (2,)),
    ("openpose137", "LWrist", (7,)),
    ("openpose137", "REye", (15,)),
    ("openpose137", "LEar", (18,)),
    ("openpose137", "LThumbTip", (99,)),
    ("openpose137", "LIndexTip", (103,)),
    ("openpose137", "LPinkyTip", (115,)),
    ("openpose137", "RThumbTip", (120,)),
    ("openpose137", "RPinkyTip", (136,)),
]


@pytest.mark.parametrize("layout,joint,sources", SOURCES)
def test_joint_source_table(layout, joint, sources):
    assert set(LAYOUTS[layout].to_imigue22[IMIGUE22_JOINTS.index(joint)]) == set(sources)


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_every_layout_maps_all_22_joints(layout):
    spec = LAYOUTS[layout]
    assert len(spec.to_imigue22) == 22
    assert all(0 <= i < spec.num_keypoints for s in spec.to_imigue22 for i in s)


@pytest.mark.parametrize(
    "layout,lsh,rsh", [("coco17", 5, 6), ("coco_wholebody133", 5, 6), ("openpose137", 5, 2)]
)
def test_neck_is_mean_of_shoulders(layout, lsh, rsh):
    kp = np.zeros((1, LAYOUTS[layout].num_keypoints, 3), dtype=np.float32)
    kp[0, lsh] = (100, 50, 0.8)
    kp[0, rsh] = (200, 70, 0.6)
    out = to_imigue22(kp, layout)
    np.testing.assert_allclose(out[0, 1], (150, 60, 0.6))


@pytest.mark.parametrize("layout", ["coco17", "coco_wholebody133", "openpose137"])
def test_neck_missing_when_one_shoulder_missing(layout):
    kp = np.zeros((1, LAYOUTS[layout].num_keypoints, 3), dtype=np.float32)
    kp[0, 5] = (100, 50, 0.8)  # left shoulder in all three layouts
    assert to_imigue22(kp, layout)[0, 1].tolist() == [0, 0, 0]


def test_missing_joint_gets_score_zero():
    kp = np.ones((3, 17, 3), dtype=np.float32)
    out = to_imigue22(kp, "coco17")
    assert (out[:, 12:, :] == 0).all()  # COCO-17 has no fingertips
    assert (out[:, :12, 2] == 1).all()


def test_wrong_keypoint_count_is_refused():
    with pytest.raises(ValueError):
        to_imigue22(np.zeros((2, 18, 3)), "coco17")


def test_spatial_partition_columns_sum_to_one():
    a = spatial_adjacency()
    np.testing.assert_allclose(a.sum(axis=(0, 1)), np.ones(22), atol=1e-6)
    # a[k, source, target]: for the Nose the Neck is centripetal; for the Neck the Nose is
    # centrifugal; every joint is its own root.
    assert a[1, 1, 0] > 0 and a[2, 0, 1] > 0 and (np.diagonal(a[0]) > 0).all()


@pytest.fixture(scope="module")
def video298():
    with np.load(VIDEO298_NPZ) as f:
        return openpose_person(f["keypoints"], 0), f["num_people"]


def test_real_openpose137_shapes(video298):
    body, num_people = video298
    out = to_imigue22(body, "openpose137")
    assert body.shape == (21068, 137, 3) and out.shape == (21068, 22, 3)
    assert out.dtype == np.float32
    assert (out[num_people == 0] == 0).all()  # nobody found → every joint missing


def test_real_neck_matches_openpose_own_neck(video298):
    """Indices are right only if the shoulder mean lands on BODY_25's own Neck keypoint."""
    body, _ = video298
    out = to_imigue22(body, "openpose137")
    both = (out[:, 1, 2] > 0) & (body[:, 1, 2] > 0)
    assert both.mean() > 0.5
    dist = np.linalg.norm(out[both, 1, :2] - body[both, 1, :2], axis=1)
    assert np.median(dist) < 15  # pixels, at 1280×720


@pytest.mark.parametrize("hand_wrist,own,other", [(95, 7, 4), (116, 4, 7)])
def test_real_hand_blocks_are_left_then_right(video298, hand_wrist, own, other):
    """The 21-point hand whose fingertips we take as left lies on BODY_25's left wrist."""
    body, _ = video298
    ok = (body[:, hand_wrist, 2] > 0) & (body[:, own, 2] > 0) & (body[:, other, 2] > 0)
    near = np.median(np.linalg.norm(body[ok, hand_wrist, :2] - body[ok, own, :2], axis=1))
    far = np.median(np.linalg.norm(body[ok, hand_wrist, :2] - body[ok, other, :2], axis=1))
    assert ok.sum() > 1000 and near < 40 < far


def test_real_fingertips_copied_from_hand_tips(video298):
    body, _ = video298
    out = to_imigue22(body, "openpose137")
    np.testing.assert_array_equal(out[:, 12:17], body[:, [99, 103, 107, 111, 115]])
    np.testing.assert_array_equal(out[:, 17:22], body[:, [120, 124, 128, 132, 136]])


def test_real_nose_above_neck(video298):
    body, _ = video298
    out = to_imigue22(body, "openpose137")
    ok = (out[:, 0, 2] > 0) & (out[:, 1, 2] > 0)
    assert (out[ok, 0, 1] < out[ok, 1, 1]).mean() > 0.95  # image y grows downwards
