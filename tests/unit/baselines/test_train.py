"""Training runs end to end: run folder, determinism, resume, real skeletons, emotion, TSM."""

import json

import numpy as np
import pytest

from baselines.__main__ import main
from baselines.recipes import RECIPES, load_recipe
from baselines.train import train
from tests.support.release_factory import synthetic_release, video298_release, write_rgb_clips

SMALL = {  # shrink every recipe to seconds on 2 CPU cores; schedules stay the recipe's own
    "lstm": {"epochs": 3, "batch_size": 8, "model_cfg.hidden_size": 32},
    "lstm_demo": {"epochs": 3},
    "blstm": {"epochs": 3, "batch_size": 8, "model_cfg.hidden_size": 32},
    "svae": {"epochs": 3, "batch_size": 8, "model_cfg.hidden_size": 32},
    "usvae": {"epochs": 3, "batch_size": 8, "model_cfg.hidden_size": 32},
    "stgcn": {
        "epochs": 3,
        "batch_size": 8,
        "num_frames": 16,
        "model_cfg.channels": (16, 32),
        "model_cfg.strides": (1, 2),
        "optimizer.lr": 0.01,
    },
    "tsm": {"epochs": 1, "batch_size": 4, "image_size": 32},
    "emotion_lstm": {
        "epochs": 3,
        "clip_recipe": "lstm",
        "clip": {"epochs": 2, "batch_size": 8, "model_cfg.hidden_size": 16},
    },
}


def small(name: str, **more) -> dict:
    return load_recipe(name, **(SMALL[name] | more))


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    return synthetic_release(tmp_path_factory.mktemp("syn"))


def assert_well_formed(metrics: dict, num_test: int) -> None:
    assert metrics["num_test"] == num_test
    assert 0 <= metrics["top1"] <= 1 and 0 <= metrics["mean_class_accuracy"] <= 1
    if metrics["top5"] is not None:
        assert metrics["top1"] <= metrics["top5"] <= 1
    assert sum(map(sum, metrics["confusion"])) == num_test
    assert set(metrics["trivial"]) >= {"majority_top1", "prior_top5"}


def test_every_recipe_has_a_small_version():
    assert set(SMALL) == set(RECIPES)


def test_run_folder_records_config_seed_versions_and_report(syn, tmp_path):
    seen = []
    metrics = train(small("lstm"), syn, tmp_path, progress=lambda *a: seen.append(a))
    assert [e for e, _, _ in seen] == [0, 1, 2]
    assert all(isinstance(loss, float) and 0 <= acc <= 1 for _, loss, acc in seen)
    env = json.loads((tmp_path / "env.json").read_text())
    assert env["seed"] == 0 and env["torch"].startswith("2.14.1") and env["device"] == "cpu"
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["recipe"]["model"] == "lstm" and config["recipe"]["epochs"] == 3
    for name in (
        "checkpoint.pt",
        "history.jsonl",
        "predictions.npz",
        "metrics.json",
        "per_class.csv",
        "report.md",
    ):
        assert (tmp_path / name).exists(), name
    assert (tmp_path / "confusion.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert_well_formed(metrics, 24)


@pytest.mark.parametrize("name", ["blstm", "svae", "usvae", "stgcn"])
def test_same_seed_same_metrics(syn, tmp_path, name):
    a = train(small(name), syn, tmp_path / "a")
    b = train(small(name), syn, tmp_path / "b")
    assert a == b
    with (
        np.load(tmp_path / "a" / "predictions.npz") as pa,
        np.load(tmp_path / "b" / "predictions.npz") as pb,
    ):
        np.testing.assert_array_equal(pa["scores"], pb["scores"])
    assert_well_formed(a, 24)


def test_resume_equals_uninterrupted_run(syn, tmp_path):
    train(small("stgcn", epochs=2), syn, tmp_path / "resumed")  # "interrupted" after 2
    resumed = train(small("stgcn", epochs=4), syn, tmp_path / "resumed")
    straight = train(small("stgcn", epochs=4), syn, tmp_path / "straight")
    assert resumed == straight
    history = (tmp_path / "resumed" / "history.jsonl").read_text().splitlines()
    assert [json.loads(h)["epoch"] for h in history] == [0, 1, 2, 3]


def test_class_balanced_sampler_recipe_trains(syn, tmp_path):
    assert_well_formed(train(small("lstm", balanced_sampler=True), syn, tmp_path), 24)


def test_real_video298_skeletons_end_to_end(tmp_path):
    """Real OpenPose data through the release reader; no accuracy claim on 42 clips."""
    release = video298_release(tmp_path / "r298")
    for name in ("blstm", "stgcn"):
        metrics = train(small(name), release, tmp_path / name)
        assert_well_formed(metrics, 14)
        assert metrics["num_classes"] == 32 and len(metrics["confusion"]) == 32
        assert metrics["paper"]["top1"] in (32.39, 46.97)


def test_emotion_recipe_trains_clip_model_then_video_lstm(syn, tmp_path):
    metrics = train(small("emotion_lstm"), syn, tmp_path)
    assert (tmp_path / "clip" / "metrics.json").exists()
    assert metrics["num_classes"] == 2 and metrics["top5"] is None
    assert_well_formed(metrics, 4)
    assert metrics["paper"] is None  # the paper reports emotion only over TSM and U-S-VAE


def test_emotion_over_usvae_knn_probabilities(syn, tmp_path):
    clip = {"epochs": 2, "batch_size": 8, "model_cfg.hidden_size": 16}
    metrics = train(small("emotion_lstm", clip_recipe="usvae", clip=clip), syn, tmp_path)
    assert metrics["paper"] == {"key": "emotion_lstm:usvae", "top1": 55.0, "top5": None}
    assert_well_formed(metrics, 4)


def test_video_pooling_variant_of_emotion_recipe(syn, tmp_path):
    metrics = train(small("emotion_lstm", model="video_pooling", model_cfg={}), syn, tmp_path)
    assert_well_formed(metrics, 4)


def test_tsm_trains_on_rgb_clips(tmp_path):
    release = synthetic_release(
        tmp_path / "rgb", clips_per_video=2, num_subjects=2, videos_per_subject=1
    )
    write_rgb_clips(release)
    assert_well_formed(train(small("tsm"), release, tmp_path / "run"), 2)


def test_cli_train_then_evaluate_json(syn, tmp_path, capsys):
    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "--recipe",
                "lstm",
                "--release",
                str(syn),
                "--out",
                str(out),
                "--set",
                "epochs=2",
                "--set",
                "model_cfg.hidden_size=16",
            ]
        )
        == 0
    )
    assert "epoch 2/2" in capsys.readouterr().out
    assert main(["evaluate", "--run", str(out), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["paper"] == {"key": "lstm", "top1": 32.36, "top5": 72.93}
    assert "| iMiGUE paper (lstm) | 32.36 | 72.93 |" in (out / "report.md").read_text()
