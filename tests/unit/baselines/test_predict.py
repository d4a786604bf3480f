"""The suggester's predict function (baselines.predict): a finished run folder classifies raw
skeleton windows exactly as its own evaluation classified the test clips, and runs that cannot
classify skeletons are refused with the reason."""

from __future__ import annotations

import json

import numpy as np
import pytest

from baselines.data import Release
from baselines.predict import SuggesterError, load_classifier, predict_windows
from baselines.recipes import load_recipe
from baselines.train import train
from tests.support.release_factory import synthetic_release

TINY = {
    "lstm": {"epochs": 2, "batch_size": 8, "model_cfg.hidden_size": 16, "augment": False},
    "stgcn": {
        "epochs": 2,
        "batch_size": 8,
        "num_frames": 16,
        "model_cfg.channels": (16, 32),
        "model_cfg.strides": (1, 2),
        "augment": False,
    },
}


@pytest.fixture(scope="module")
def syn(tmp_path_factory):
    return synthetic_release(tmp_path_factory.mktemp("syn"), num_classes=4)


@pytest.mark.parametrize("name", ["lstm", "stgcn"])  # packed and fixed-length inputs
def test_windows_get_the_probabilities_the_run_gave_its_test_clips(syn, tmp_path, name):
    run = tmp_path / name
    train(load_recipe(name, **TINY[name]), syn, run)
    classifier = load_classifier(run)
    assert classifier.classes == ["C1", "C2", "C3", "C4"]
    stored = np.load(run / "predictions.npz")
    release = Release(syn)
    ids = [str(i) for i in stored["ids"]]
    windows = [release.load_pose(clip_id) for clip_id in ids]  # raw pixels, as a video's poses
    video = release.videos[release.by_id[ids[0]].video_id]
    probs = predict_windows(classifier, windows, video.width, video.height, batch_size=5)
    assert probs.shape == (len(ids), 4)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(probs, stored["scores"], rtol=1e-4, atol=1e-6)


def test_unknown_frame_size_scales_each_window_by_its_own_extent(syn, tmp_path):
    run = tmp_path / "lstm"
    train(load_recipe("lstm", **TINY["lstm"]), syn, run)
    classifier = load_classifier(run)
    window = Release(syn).load_pose(Release(syn).clips[0].clip_id)
    probs = predict_windows(classifier, [window, window[:3]], 0, 0)
    assert probs.shape == (2, 4) and np.isfinite(probs).all()
    assert predict_windows(classifier, [], 0, 0).shape == (0, 4)
    with pytest.raises(SuggesterError, match="no frames"):
        predict_windows(classifier, [window[:0]], 0, 0)


@pytest.mark.parametrize(
    ("recipe", "reason"),
    [("usvae", "not a supervised classifier"), ("tsm", "does not read skeletons")],
)
def test_runs_that_cannot_classify_skeleton_windows_are_refused(tmp_path, recipe, reason):
    (tmp_path / "config.json").write_text(json.dumps({"recipe": load_recipe(recipe)}))
    with pytest.raises(SuggesterError, match=reason):
        load_classifier(tmp_path)


def test_a_missing_release_or_checkpoint_is_said(syn, tmp_path):
    (tmp_path / "config.json").write_text(
        json.dumps({"recipe": load_recipe("lstm"), "release": str(tmp_path / "gone")})
    )
    with pytest.raises(SuggesterError, match="release .* cannot be read"):
        load_classifier(tmp_path)
    with pytest.raises(SuggesterError, match="checkpoint.pt"):
        load_classifier(tmp_path, release_dir=syn)
