"""A second blurring detector for small faces, in union with CenterFace (pure module: no Django).

CenterFace never scores some small, tight faces at any input size: two of the thirty LFW crops
of the small-face scene even at twice the input and threshold 0.05 (docs/benchmarks.md, "Small
faces"). OpenCV's ``haarcascade_frontalface_alt2`` (shipped in the opencv-python 4.x wheels),
run on the frame enlarged twice and only for face-sized windows, finds those: with it in the
second pass the stage hides every face-frame of that scene (1.000, against 0.933 without). The
cascade is a different model from both CenterFace and the MTCNN verifier, and it only ever adds
boxes to the blur, so the verifier stays independent.

The cascade fires on some hands and textures, and costs about 1 s per 720p frame on 2 cores,
so by default it joins the second pass only (run when the verifier found a face after the
first), with 3 neighbours: as many faces hidden as with 2, half the boxes on hands.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from pipeline.faces import Box, CenterFaceDetector
from pipeline.process import MediaError

HAAR_CASCADE = "haarcascade_frontalface_alt2.xml"


class SmallFaceHaar:
    """OpenCV's frontal ``alt2`` cascade for faces of ``min_face`` to ``max_face`` px.

    The grey frame is enlarged ``upscale`` times first, so that a 20 px face fills more than
    the cascade's 20x20 window. A box's score is its neighbour count (``detectMultiScale2``);
    ``threshold`` is the count a box needs.
    """

    def __init__(
        self,
        threshold: int = 2,
        *,
        min_face: int = 16,
        max_face: int = 64,
        upscale: float = 2.0,
        scale_factor: float = 1.1,
    ) -> None:
        self.threshold = threshold
        self.min_face, self.max_face = min_face, max_face
        self.upscale = upscale
        self.scale_factor = scale_factor
        self.name = f"haar(alt2, x{upscale:g}, {min_face}-{max_face} px)"
        self._model = cv2.CascadeClassifier(os.path.join(cv2.data.haarcascades, HAAR_CASCADE))
        if self._model.empty():
            raise MediaError(
                "model_missing",
                f"The Haar cascade {HAAR_CASCADE} is missing (opencv-python 4.x ships it).",
            )

    def detect(self, rgb: np.ndarray) -> list[Box]:
        gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
        up = self.upscale
        if up != 1:
            gray = cv2.resize(gray, None, fx=up, fy=up, interpolation=cv2.INTER_LINEAR)
        smallest = max(20, round(self.min_face * up))
        largest = max(smallest, round(self.max_face * up))
        rects, neighbours = self._model.detectMultiScale2(
            gray,
            scaleFactor=self.scale_factor,
            minNeighbors=1,
            minSize=(smallest, smallest),
            maxSize=(largest, largest),
        )
        return [
            Box(x / up, y / up, (x + w) / up, (y + h) / up, float(n))
            for (x, y, w, h), n in zip(rects, neighbours, strict=True)
            if n >= self.threshold
        ]


def _same_face(a: Box, b: Box) -> bool:
    """Either box's centre lies inside the other."""
    ax, ay, bx, by = (a.x0 + a.x1) / 2, (a.y0 + a.y1) / 2, (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
    return (a.x0 <= bx <= a.x1 and a.y0 <= by <= a.y1) or (
        b.x0 <= ax <= b.x1 and b.y0 <= ay <= b.y1
    )


class UnionDetector:
    """CenterFace's boxes, plus the cascade's boxes where CenterFace has none.

    A cascade box on the same place as a CenterFace box (either centre inside the other) is the
    same face: the CenterFace box is kept, its score raised to CenterFace's ``threshold`` when
    it was weaker, so the face's track is confirmed. The other cascade boxes are faces
    CenterFace did not score at all: they are added with ``threshold`` as their score, so each
    starts a face track. ``threshold`` and ``low_threshold`` are CenterFace's, so tracks link
    as they do without the cascade.
    """

    def __init__(self, primary: CenterFaceDetector, extra: SmallFaceHaar) -> None:
        self.primary = primary
        self.extra = extra
        self.threshold = primary.threshold
        self.low_threshold = primary.low_threshold
        # The family stays "centerface" (the verifier must be another one), the cascade named.
        self.name = primary.name[:-1] + " + " + extra.name + ")"

    def detect(self, rgb: np.ndarray) -> list[Box]:
        boxes = self.primary.detect(rgb)
        for box in self.extra.detect(rgb):
            same = [i for i, b in enumerate(boxes) if _same_face(b, box)]
            if not same:
                boxes.append(Box(box.x0, box.y0, box.x1, box.y1, self.threshold))
                continue
            best = max(same, key=lambda i: boxes[i].score)
            b = boxes[best]
            if b.score < self.threshold:
                boxes[best] = Box(b.x0, b.y0, b.x1, b.y1, self.threshold)
        return boxes
