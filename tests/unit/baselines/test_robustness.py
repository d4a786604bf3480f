"""Baselines on every release the app can make: unknown frame sizes (imported videos have
width and height 0), clips without poses, splits with an empty side, a diverging loss, and
metrics that stay valid JSON."""

import csv
import json
import math

import numpy as np
import pytest

from baselines.checks import NonFiniteLoss, UnusableRelease, release_problems
from baselines.data import frame_scale, normalise
from baselines.evaluate import json_safe
from baselines.recipes import load_recipe
from baselines.train import train
from tests.support.release_factory import synthetic_release

TINY = {"epochs": 2, "batch_size": 8, "model_cfg.hidden_size": 16, "model_cfg.num_layers": 1}


def _pose(points, frames=2):
    pose = np.zeros((frames, 22, 3), dtype=np.float32)
    for j, p in points.items():
        pose[:, j] = p
    return pose


def _set_frame_size(root, width, height):
    path = root / "videos.csv"
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        row["width"], row["height"] = width, height
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def test_unknown_frame_size_divides_by_the_poses_own_extent():
    pose = _pose({1: (600, 300, 1), 0: (600, 200, 1), 4: (800, 450, 1)})
    assert frame_scale(pose, 0, 0) == 250.0  # x spans 600..800, y 200..450: the longer, 250
    out = normalise(pose, 0, 0)
    assert np.isfinite(out).all()
    np.testing.assert_allclose(out[0, 0, :2], (0, -100 / 250))
    np.testing.assert_allclose(out[0, 4, :2], (200 / 250, 150 / 250), rtol=1e-6)


def test_extent_ignores_missing_and_low_score_joints_and_never_is_zero():
    pose = _pose({1: (600, 300, 1), 4: (5000, 5000, 0.01)})
    assert frame_scale(pose, 0, 0) == 1.0  # one visible point: nothing to scale by
    assert frame_scale(np.zeros((3, 22, 3), np.float32), 0, 0) == 1.0
    assert np.isfinite(normalise(np.zeros((3, 22, 3), np.float32), 0, 0)).all()


def test_a_known_frame_size_still_wins():
    pose = _pose({1: (0, 0, 1), 4: (720, 720, 1)})
    assert frame_scale(pose, 1280, 720) == 1280.0


def test_non_finite_joints_become_missing():
    pose = _pose({1: (640, 360, 1), 0: (640, 260, 1), 4: (np.nan, 400, 1), 7: (np.inf, 1, 1)})
    out = normalise(pose, 0, 0)
    assert np.isfinite(out).all()
    assert out[0, 4].tolist() == [0, 0, 0] and out[0, 7].tolist() == [0, 0, 0]


def test_training_with_width_and_height_zero_gives_finite_metrics(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6)
    _set_frame_size(root, 0, 0)
    seen = []
    metrics = train(
        load_recipe("lstm", **TINY), root, tmp_path / "run", lambda e, loss, a: seen.append(loss)
    )
    assert len(seen) == 2 and all(math.isfinite(x) for x in seen)
    assert 0 <= metrics["top1"] <= 1
    json.loads((tmp_path / "run" / "metrics.json").read_text())  # strict JSON parses


def test_clips_without_poses_are_left_out_and_reported(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6)
    gone = sorted((root / "poses").iterdir())[::3]
    for path in gone:
        path.unlink()
    metrics = train(load_recipe("lstm", **TINY), root, tmp_path / "run")
    left = metrics["left_out_without_input"]
    assert left["train"] + left["test"] == len(gone)
    assert metrics["num_train"] + metrics["num_test"] == 48 - len(gone)
    assert "Left out for lack of an input file" in (tmp_path / "run" / "report.md").read_text()


def test_a_split_with_an_empty_side_is_refused_before_training(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6)
    split = json.loads((root / "splits" / "cross_subject.json").read_text())
    split["train"]["clip_ids"] += split["test"]["clip_ids"]
    split["train"]["subject_ids"] += split["test"]["subject_ids"]
    split["test"] = {"clip_ids": [], "subject_ids": []}
    (root / "splits" / "cross_subject.json").write_text(json.dumps(split))
    recipe = load_recipe("lstm", **TINY)
    assert any("test side is empty" in p for p in release_problems(root, recipe))
    with pytest.raises(UnusableRelease, match="test side is empty") as caught:
        train(recipe, root, tmp_path / "run")
    assert caught.value.code == "release_unusable"


def test_a_release_without_poses_is_refused_for_skeleton_recipes(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6)
    for path in (root / "poses").iterdir():
        path.unlink()
    (root / "poses").rmdir()
    assert release_problems(root, load_recipe("lstm")) == [
        "the release has no skeletons (poses/): lstm cannot train"
    ]


def test_a_diverging_loss_stops_the_run_with_a_clear_error(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6)
    # An absurd learning rate: Adam's first steps move every weight by ~1e30.
    recipe = load_recipe("lstm", **TINY, **{"optimizer.lr": 1e30})
    with pytest.raises(NonFiniteLoss, match="training loss became") as caught:
        train(recipe, root, tmp_path / "run")
    assert caught.value.code == "non_finite_loss"
    assert not math.isfinite(caught.value.value)
    assert "Lower the learning rate" in str(caught.value)


def test_json_safe_replaces_nan_and_inf_everywhere():
    value = {"a": math.nan, "b": [1.0, math.inf, {"c": -math.inf}], "d": np.float32(2.5)}
    assert json_safe(value) == {"a": None, "b": [1.0, None, {"c": None}], "d": 2.5}
    json.dumps(json_safe(value), allow_nan=False)
