"""Privacy checks of a released clip (pure module: no Django). Design §8, invariants 1 and 2.

:func:`verify_blurred` runs a second face detector, a different model from the one that drove
the blurring, on every frame of the blurred clip; the clip passes only when it finds no face at
or above ``threshold``, has no audio stream, and (given the blur report) has as many frames as
were blurred. The report names detectors, thresholds and blur settings, never file names.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.faces import BlurReport, FaceDetector, HaarDetector
from pipeline.frames import iter_frames
from pipeline.process import StrPath, audio_stream_count

# The measured choice for verification (docs/benchmarks.md, "Face detectors"): a different model
# family from the CenterFace blur; eye confirmation stops textured backgrounds passing as faces.
VERIFY_THRESHOLD = 3.0


def default_verifier() -> HaarDetector:
    return HaarDetector(threshold=VERIFY_THRESHOLD, confirm_eyes=True)


@dataclass
class PrivacyReport:
    """The verification record stored with a release (JSON-friendly via :meth:`as_dict`)."""

    frames_processed: int
    redetections: int  # boxes the verifier found at or above its threshold, all frames
    redetected_frames: list[int]  # 0-based frame numbers with such a box
    audio_streams: int
    verifier: str
    verifier_threshold: float
    blur_detector: str | None
    blur_threshold: float | None
    blur_settings: dict[str, Any] | None
    detections_during_blur: int | None
    frames_with_detections_during_blur: int | None
    frames_blurred: int | None
    seconds: float
    passed: bool
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_blurred(
    path: StrPath,
    verifier: FaceDetector,
    threshold: float,
    *,
    blur_report: BlurReport | None = None,
) -> PrivacyReport:
    """Run ``verifier`` on every frame of the blurred clip at ``path``; see the module doc.

    ``verifier`` must be a different model from the blurring detector (checked by name when
    ``blur_report`` is given) and its own threshold must not be above ``threshold``.
    """
    problems: list[str] = []
    if blur_report is not None and _model(blur_report.detector) == _model(verifier.name):
        problems.append(f"the verifier ({verifier.name}) is the blurring model itself")
    if verifier.threshold > threshold:
        problems.append(
            f"the verifier's own threshold {verifier.threshold} hides scores "
            f"between it and {threshold}"
        )
    started = time.perf_counter()
    frames = redetections = 0
    redetected: list[int] = []
    for index, frame in enumerate(iter_frames(path)):
        frames += 1
        found = sum(box.score >= threshold for box in verifier.detect(frame))
        if found:
            redetections += found
            redetected.append(index)
    audio = audio_stream_count(path)
    if redetections:
        problems.append(
            f"{redetections} face(s) found after blurring, in {len(redetected)} "
            f"frame(s), first at frame {redetected[0]}"
        )
    if audio:
        problems.append(f"{audio} audio stream(s)")
    if frames == 0:
        problems.append("no frames")
    if blur_report is not None and frames != blur_report.frames:
        problems.append(f"{frames} frames but {blur_report.frames} were blurred")
    return PrivacyReport(
        frames_processed=frames,
        redetections=redetections,
        redetected_frames=redetected,
        audio_streams=audio,
        verifier=verifier.name,
        verifier_threshold=threshold,
        blur_detector=blur_report.detector if blur_report else None,
        blur_threshold=blur_report.threshold if blur_report else None,
        blur_settings=blur_report.settings if blur_report else None,
        detections_during_blur=blur_report.detections if blur_report else None,
        frames_with_detections_during_blur=(
            blur_report.frames_with_detections if blur_report else None
        ),
        frames_blurred=blur_report.frames_blurred if blur_report else None,
        seconds=round(time.perf_counter() - started, 3),
        passed=not problems,
        problems=problems,
    )


def _model(name: str) -> str:
    """The model family in a detector name: "centerface(...)" -> "centerface"."""
    return name.split("(", 1)[0].split(" ", 1)[0].strip().lower()
