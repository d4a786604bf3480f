"""The privacy stage's settings (pipeline.face_config): FACE_* values reach the detectors, the
verifier's threshold defaults per detector, and unknown names are refused."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from pipeline.face_config import PrivacyConfig
from pipeline.face_mtcnn import MTCNNDetector
from pipeline.face_union import UnionDetector
from pipeline.faces import CenterFaceDetector, HaarDetector


def test_defaults_are_the_measured_choice():
    config = PrivacyConfig.from_settings(SimpleNamespace())
    blur = config.blur_detector_instance()
    assert (blur.long_edge, blur.tiles, blur.threshold, blur.low_threshold) == (1280, 1, 0.2, 0.1)
    assert config.blur_settings().detect_every == 2
    assert config.blur_settings().key_frames_at_cuts is True
    verifier = config.verifier_instance()
    assert isinstance(verifier, MTCNNDetector)
    assert (verifier.threshold, verifier.min_face, verifier.scan_face) == (0.7, 20, 20)
    retry = config.retry_detector_instance()
    # The second pass: CenterFace at twice the size, in union with the small-face cascade.
    assert isinstance(retry, UnionDetector) and retry.extra.threshold == 3
    assert retry.primary.long_edge == 2560 and retry.primary.max_upscale == 2
    assert retry.threshold == retry.low_threshold == 0.05


def test_settings_reach_the_detectors():
    settings = SimpleNamespace(
        FACE_BLUR_LONG_EDGE=960,
        FACE_BLUR_TILES=2,
        FACE_BLUR_MAX_UPSCALE=1.5,
        FACE_DETECT_EVERY=3,
        FACE_KEY_FRAMES_AT_CUTS=False,
        FACE_BLUR_RETRY_UPSCALE=0,
        FACE_VERIFY_MIN_FACE=24,
        FACE_VERIFY_THRESHOLD=0.8,
    )
    config = PrivacyConfig.from_settings(settings)
    blur = config.blur_detector_instance()
    assert (blur.long_edge, blur.tiles, blur.max_upscale) == (960, 2, 1.5)
    assert "tiles=2x2" in blur.name and config.blur_settings().detect_every == 3
    assert config.blur_settings().key_frames_at_cuts is False
    assert config.retry_detector_instance() is None  # 0 turns the second pass off
    assert isinstance(blur, CenterFaceDetector)  # the cascade is off in the first pass
    verifier = config.verifier_instance()
    assert (verifier.threshold, verifier.min_face) == (0.8, 24)


def test_the_small_face_cascade_can_join_the_first_pass_and_leave_the_second():
    config = PrivacyConfig.from_settings(SimpleNamespace(FACE_BLUR_HAAR=3, FACE_BLUR_RETRY_HAAR=0))
    blur = config.blur_detector_instance()
    assert isinstance(blur, UnionDetector) and blur.extra.threshold == 3
    assert "centerface" in blur.name and "haar" in blur.name
    assert isinstance(config.retry_detector_instance(), CenterFaceDetector)


def test_the_haar_verifier_still_works_with_its_own_default_threshold():
    config = PrivacyConfig.from_settings(SimpleNamespace(FACE_VERIFY_DETECTOR="haar"))
    verifier = config.verifier_instance()
    assert isinstance(verifier, HaarDetector) and verifier.threshold == 3.0


@pytest.mark.parametrize(
    "values",
    [
        {"FACE_BLUR_DETECTOR": "mtcnn"},  # the verifier's family cannot blur
        {"FACE_VERIFY_DETECTOR": "centerface"},  # nor the blur's verify
        {"FACE_DETECT_EVERY": 0},
        {"FACE_BLUR_HAAR": -1},
        {"FACE_VERIFY_SCAN_FACE": 8},  # under P-Net's 12 px window
    ],
)
def test_unknown_or_unsafe_settings_are_refused(values):
    with pytest.raises(ValueError):
        PrivacyConfig.from_settings(SimpleNamespace(**values))
