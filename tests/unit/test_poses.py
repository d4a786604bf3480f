"""Pose extraction with the real OpenPifPaf code path, and the backend choice.

No trained weights can be downloaded here, so the network is built untrained, saved as a local
checkpoint and loaded back through the same path a real POSE_CHECKPOINT takes. What is checked
is the pipeline (loading, batching over every frame, layout, storage, the clear error), not pose
quality; tracking of the main subject is tested on constructed poses in test_subject.py.
"""

import numpy as np
import pytest

from pipeline.frames import iter_frames
from pipeline.pose_openpifpaf import (
    OpenPifPafExtractor,
    PoseSettings,
    build_untrained_checkpoint,
    extract_poses,
    load_predictor,
)
from pipeline.poses import PoseConfig, PoseConfigError, check_backend, save_poses
from tests.support import media_factory as mf


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return build_untrained_checkpoint(tmp_path_factory.mktemp("ckpt") / "untrained.pkl")


@pytest.mark.parametrize(
    "value,message",
    [("", "No pose checkpoint is configured"), ("/nonexistent/ckpt.pkl", "not a file")],
)
def test_missing_checkpoint_fails_with_instructions(value, message):
    with pytest.raises(PoseConfigError, match=message):
        load_predictor(PoseSettings(checkpoint=value))


def test_every_frame_gets_a_pose_row_in_the_stored_layout(checkpoint, tmp_path):
    clip = mf.make_numbered_video(tmp_path / "clip.mp4", 5, size=(160, 96))
    settings = PoseSettings(checkpoint=str(checkpoint), batch_size=2, long_edge=161)
    predictor = load_predictor(settings)
    progress = []
    result = extract_poses(
        iter_frames(clip),
        predictor,
        num_frames=5,
        width=160,
        height=96,
        on_progress=progress.append,
    )
    assert result.keypoints.shape == (5, 17, 3) and result.keypoints.dtype == np.float32
    assert result.layout == "coco17" and len(result.people_per_frame) == 5
    assert progress[-1] == 1.0 and progress == sorted(progress)
    out = tmp_path / "poses.npz"
    save_poses(result, out)
    stored = np.load(out)
    assert stored["keypoints"].shape == (5, 17, 3) and str(stored["layout"]) == "coco17"


def test_frame_count_mismatch_is_an_error(checkpoint, tmp_path):
    clip = mf.make_numbered_video(tmp_path / "clip.mp4", 3, size=(160, 96))
    predictor = load_predictor(PoseSettings(checkpoint=str(checkpoint), long_edge=161))
    with pytest.raises(ValueError, match="decoded 3 frames, expected 4"):
        extract_poses(iter_frames(clip), predictor, num_frames=4, width=160, height=96)


def test_the_openpifpaf_backend_records_its_checkpoint_layout_and_settings(checkpoint):
    settings = check_backend(PoseConfig(backend="openpifpaf", checkpoint=str(checkpoint)))
    assert settings == {
        "backend": "openpifpaf",
        "model": checkpoint.name,
        "layout": "coco17",
        "version": "0.13.11",
        "batch_size": 8,
        "long_edge": 641,
    }
    extractor = OpenPifPafExtractor(PoseSettings(checkpoint=str(checkpoint), long_edge=None))
    assert extractor.settings()["batch_size"] == 1  # full resolution runs one frame at a time


@pytest.mark.parametrize(
    "config,message",
    [
        (PoseConfig(backend="openpifpaf"), "No pose checkpoint is configured"),
        (PoseConfig(backend="openpifpaf", checkpoint="/nonexistent/c.pkl"), "not a file"),
        (PoseConfig(backend="alphapose"), "must be one of mediapipe, openpifpaf"),
    ],
)
def test_a_backend_that_cannot_load_is_a_config_error(config, message):
    with pytest.raises(PoseConfigError, match=message):
        check_backend(config)
