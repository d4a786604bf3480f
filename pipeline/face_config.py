"""Which detectors the privacy stage uses, and how (pure module: no Django).

:class:`PrivacyConfig` collects the ``FACE_*`` settings (README, "Configuration");
:meth:`PrivacyConfig.from_settings` reads them from any object with those attributes (Django's
settings in the clip handler), falling back to the measured defaults
(docs/benchmarks.md, "Small faces").
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from pipeline.face_blur import BlurSettings
from pipeline.face_mtcnn import MTCNNDetector
from pipeline.face_union import SmallFaceHaar, UnionDetector
from pipeline.faces import CenterFaceDetector, FaceDetector, HaarDetector

BLUR_DETECTORS = ("centerface",)
VERIFY_DETECTORS = ("mtcnn", "haar")
# A verifier's threshold when none is set: O-net probability for MTCNN, neighbours for Haar.
DEFAULT_VERIFY_THRESHOLDS = {"mtcnn": 0.7, "haar": 3.0}


@dataclass(frozen=True)
class PrivacyConfig:
    """The privacy stage's detectors and blur settings; each field has a ``FACE_*`` setting."""

    blur_detector: str = "centerface"
    blur_threshold: float = 0.2
    blur_low_threshold: float = 0.1  # extends confirmed tracks only (pipeline.face_tracks)
    blur_long_edge: int = 1280
    blur_tiles: int = 1
    blur_max_upscale: float = 1.0
    detect_every: int = 2
    key_frames_at_cuts: bool = True  # both frames around a hard cut are key frames too
    # When the verifier finds a face after blurring, blur again from the unblurred clip with the
    # input enlarged this much and this threshold (0 turns the second pass off); the result is
    # verified again. Small tight faces that CenterFace scores weakly need it.
    retry_upscale: float = 2.0
    retry_threshold: float = 0.05
    # Neighbours a box of the small-face cascade (pipeline.face_union) needs to be blurred
    # besides CenterFace's, in the first pass and in the second; 0 leaves the cascade out. Off in
    # the first pass: it costs about 1 s a 720p frame on 2 cores and blurs some hands.
    blur_haar: int = 0
    retry_haar: int = 3
    verify_detector: str = "mtcnn"
    verify_threshold: float | None = None  # None: the detector's default above
    verify_min_face: int = 20  # px at the decoded size; boxes under 80 % of it are not counted
    # MTCNN's image pyramid starts where a face this tall (px) fills P-Net's 12 px window (12:
    # the frame at its own size). Starting at the min face measured best on the 30-face scene
    # and within 0.006 of 12 on the 400-face one, at half the time.
    verify_scan_face: int = 20

    SETTINGS = {
        "blur_detector": "FACE_BLUR_DETECTOR",
        "blur_threshold": "FACE_BLUR_THRESHOLD",
        "blur_low_threshold": "FACE_BLUR_LOW_THRESHOLD",
        "blur_long_edge": "FACE_BLUR_LONG_EDGE",
        "blur_tiles": "FACE_BLUR_TILES",
        "blur_max_upscale": "FACE_BLUR_MAX_UPSCALE",
        "detect_every": "FACE_DETECT_EVERY",
        "key_frames_at_cuts": "FACE_KEY_FRAMES_AT_CUTS",
        "retry_upscale": "FACE_BLUR_RETRY_UPSCALE",
        "retry_threshold": "FACE_BLUR_RETRY_THRESHOLD",
        "blur_haar": "FACE_BLUR_HAAR",
        "retry_haar": "FACE_BLUR_RETRY_HAAR",
        "verify_detector": "FACE_VERIFY_DETECTOR",
        "verify_threshold": "FACE_VERIFY_THRESHOLD",
        "verify_min_face": "FACE_VERIFY_MIN_FACE",
        "verify_scan_face": "FACE_VERIFY_SCAN_FACE",
    }

    @classmethod
    def from_settings(cls, settings: Any) -> PrivacyConfig:
        """The config from ``settings.FACE_*`` (missing or None attributes keep the default)."""
        values = {}
        for f in fields(cls):
            value = getattr(settings, cls.SETTINGS[f.name], None)
            if value is not None and value != "":
                values[f.name] = value
        return cls(**values)

    def __post_init__(self) -> None:
        if self.blur_detector not in BLUR_DETECTORS:
            raise ValueError(
                f"FACE_BLUR_DETECTOR={self.blur_detector!r}: use one of {', '.join(BLUR_DETECTORS)}"
            )
        if self.verify_detector not in VERIFY_DETECTORS:
            raise ValueError(
                f"FACE_VERIFY_DETECTOR={self.verify_detector!r}: "
                f"use one of {', '.join(VERIFY_DETECTORS)}"
            )
        if self.detect_every < 1 or self.blur_tiles < 1 or self.blur_long_edge < 32:
            raise ValueError("FACE_DETECT_EVERY and FACE_BLUR_TILES must be >= 1, the edge >= 32")
        if self.blur_haar < 0 or self.retry_haar < 0 or self.verify_scan_face < 12:
            raise ValueError("FACE_BLUR_*HAAR must be >= 0 and FACE_VERIFY_SCAN_FACE >= 12")

    @property
    def verify_cutoff(self) -> float:
        if self.verify_threshold is not None:
            return float(self.verify_threshold)
        return DEFAULT_VERIFY_THRESHOLDS[self.verify_detector]

    def blur_detector_instance(self) -> FaceDetector:
        centerface = CenterFaceDetector(
            threshold=float(self.blur_threshold),
            long_edge=int(self.blur_long_edge),
            tiles=int(self.blur_tiles),
            low_threshold=float(self.blur_low_threshold),
            max_upscale=float(self.blur_max_upscale),
        )
        return _with_haar(centerface, int(self.blur_haar))

    def retry_detector_instance(self) -> FaceDetector | None:
        """The second pass's detector, or None when it is turned off."""
        if self.retry_upscale <= 0:
            return None
        centerface = CenterFaceDetector(
            threshold=float(self.retry_threshold),
            long_edge=round(self.blur_long_edge * self.retry_upscale),
            tiles=int(self.blur_tiles),
            low_threshold=float(self.retry_threshold),
            max_upscale=max(float(self.blur_max_upscale), float(self.retry_upscale)),
        )
        return _with_haar(centerface, int(self.retry_haar))

    def verifier_instance(self) -> FaceDetector:
        if self.verify_detector == "haar":
            return HaarDetector(threshold=self.verify_cutoff, confirm_eyes=True)
        return MTCNNDetector(
            threshold=self.verify_cutoff,
            min_face=int(self.verify_min_face),
            scan_face=int(self.verify_scan_face),
        )

    def blur_settings(self) -> BlurSettings:
        return BlurSettings(
            detect_every=int(self.detect_every), key_frames_at_cuts=bool(self.key_frames_at_cuts)
        )


def _with_haar(centerface: CenterFaceDetector, neighbours: int) -> FaceDetector:
    if neighbours <= 0:
        return centerface
    return UnionDetector(centerface, SmallFaceHaar(threshold=neighbours))
