"""Release reader, normalisation, temporal sampling, batching and sampling."""

import subprocess
import sys
from collections import Counter

import numpy as np
import pytest
import torch

from baselines.data import (
    ClipDataset,
    RandomAffine,
    Release,
    UniformSample,
    VideoDataset,
    class_balanced_sampler,
    collate_padded,
    normalise,
)
from tests.support.release_factory import read_labels, synthetic_release, video298_release


def _pose(points):
    """(T, 22, 3) with the given {joint: (x, y, score)} in every frame."""
    pose = np.zeros((2, 22, 3), dtype=np.float32)
    for j, p in points.items():
        pose[:, j] = p
    return pose


def test_normalise_centres_on_neck():
    out = normalise(_pose({1: (640, 360, 1), 0: (640, 260, 1)}), 1280, 720)
    np.testing.assert_allclose(out[0, 1], (0, 0, 1))
    np.testing.assert_allclose(out[0, 0], (0, -100 / 1280, 1))


def test_normalise_divides_by_longer_side():
    out = normalise(_pose({1: (0, 0, 1), 4: (720, 720, 1)}), 1280, 720)
    np.testing.assert_allclose(out[0, 4, :2], (720 / 1280, 720 / 1280))


def test_normalise_zeroes_low_confidence_joints():
    out = normalise(_pose({1: (640, 360, 1), 4: (700, 400, 0.05)}), 1280, 720, min_score=0.1)
    assert out[0, 4].tolist() == [0, 0, 0]


def test_normalise_frame_without_neck_uses_clip_mean_neck():
    pose = _pose({1: (640, 360, 1), 0: (640, 260, 1)})
    pose[1, 1] = 0  # neck missed in frame 1
    out = normalise(pose, 1280, 720)
    np.testing.assert_allclose(out[1, 0, :2], out[0, 0, :2])


@pytest.mark.parametrize(
    "length,n,expected",
    [
        (3, 8, [0, 1, 2, 0, 1, 2, 0, 1]),  # short clips loop, never zero-pad
        (8, 8, list(range(8))),
        (100, 4, [12, 37, 62, 87]),  # segment centres span the whole clip
    ],
)
def test_uniform_sample_indices(length, n, expected):
    assert UniformSample(n).indices(length).tolist() == expected


def test_uniform_sample_never_keeps_only_the_last_frames():
    idx = UniformSample(90, train=True).indices(400, torch.Generator().manual_seed(0))
    assert idx.min() < 5 and idx.max() > 395 and (np.diff(idx) >= 0).all()


def test_random_affine_keeps_missing_marker():
    pose = _pose({1: (0.1, 0.2, 1)})
    out = RandomAffine(0.2, 30)(pose, torch.Generator().manual_seed(1))
    assert (out[:, 2:] == 0).all() and not np.allclose(out[0, 1, :2], (0.1, 0.2))


def test_collate_pads_and_returns_lengths():
    batch = [(torch.ones(5, 22, 3), 1), (torch.ones(2, 22, 3), 0)]
    x, lengths, y = collate_padded(batch)
    assert x.shape == (2, 5, 22, 3) and lengths.tolist() == [5, 2] and y.tolist() == [1, 0]
    assert (x[1, 2:] == 0).all()


def test_class_balanced_sampler_equalises_classes():
    labels = [0] * 90 + [1] * 10
    drawn = [labels[i] for _ in range(20) for i in class_balanced_sampler(labels, seed=3)]
    share = Counter(drawn)[1] / len(drawn)
    assert 0.4 < share < 0.6


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    return Release(synthetic_release(tmp_path_factory.mktemp("syn")))


def test_release_reads_cross_subject_split(syn):
    train, test = syn.split_clips("train"), syn.split_clips("test")
    assert len(train) == len(test) == 24
    assert not {c.subject_id for c in train} & {c.subject_id for c in test}


def test_release_poses_in_any_layout_become_22_joints(syn):
    layouts = set()
    for c in syn.clips[:12]:
        with np.load(syn.root / "poses" / f"{c.clip_id}.npz") as f:
            layouts.add(str(f["layout"]))
        assert syn.load_pose(c.clip_id).shape == (c.num_frames, 22, 3)
    assert layouts == {"openpose137", "coco_wholebody133"}


def test_clip_dataset_items_are_normalised_tensors(syn):
    ds = ClipDataset(syn, syn.split_clips("train"))
    x, y = ds[0]
    assert x.dtype == torch.float32 and x.shape[1:] == (22, 3) and y == ds.clips[0].label
    assert x[:, 1, :2].abs().max() == 0  # centred on the neck


def test_video_dataset_orders_clips_by_time(syn):
    feats = {c.clip_id: np.array([c.start_frame], dtype=np.float32) for c in syn.clips}
    ds = VideoDataset(syn, syn.split_videos("train"), feats)
    x, y = ds[0]
    assert (np.diff(x[:, 0].numpy()) > 0).all() and y in (0, 1)
    assert len(ds) == len(syn.split_videos("train")) == 4


def test_release_298_slices_real_skeletons_by_label_frames(tmp_path):
    rel = Release(video298_release(tmp_path / "r298"))
    rows = read_labels(298)
    assert len(rel.clips) == 56 == len(rows)
    for c, r in zip(rel.clips, rows, strict=True):
        # 25 fps, frames inclusive: a clip has end - start + 1 frames.
        assert c.num_frames == int(r["end_frame"]) - int(r["start_frame"]) + 1
        assert rel.load_pose(c.clip_id).shape == (c.num_frames, 22, 3)
    assert rel.clips[0].clip_id == "0298_0"
    assert len(rel.split_clips("train")) + len(rel.split_clips("test")) == 56


def test_package_imports_no_django():
    code = (
        "import sys, baselines.train, baselines.evaluate, baselines.__main__, "
        "baselines.video; assert not any(m.startswith('django') for m in sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
