"""Privacy checks of a released clip (pure module: no Django). Design §8, invariants 1 and 2.

:func:`verify_blurred` runs a second face detector, a different model from the one that drove
the blurring, on every frame of the blurred clip; the clip passes only when it finds no
face-sized box at or above ``threshold``, has no audio stream, and (given the blur report) has
as many frames as were blurred. The report names detectors, thresholds and blur settings, never
file names, and lists every face track with the detail it kept and the verifier's hits on it.

:func:`protect_clip` is the whole privacy stage (blur, then verify) as the clip handler runs it,
configured by a :class:`PrivacyConfig` (pipeline.face_config).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from pipeline.face_blur import BlurReport, blur_video, detail_kept
from pipeline.face_config import DEFAULT_VERIFY_THRESHOLDS, PrivacyConfig
from pipeline.face_mtcnn import MTCNNDetector
from pipeline.faces import Box, FaceDetector
from pipeline.frames import iter_frames
from pipeline.process import StrPath, audio_stream_count

# The measured choice for verification (docs/benchmarks.md, "Small faces"): MTCNN, a different
# model family from the CenterFace blur, which sees 20 px faces (recall on the unblurred media
# is measured there) and finds no face on correctly blurred ones at this O-net probability.
VERIFY_THRESHOLD = DEFAULT_VERIFY_THRESHOLDS["mtcnn"]
VERIFY_MIN_FACE = PrivacyConfig.verify_min_face
MAX_LISTED_HITS = 50  # verifier hits listed in the report (all are counted)
# A verifier hit whose box kept less than this share of the unblurred cut's detail is a blurred
# face the verifier still reads as a head (its outline and hair), not a face left visible.
HIDDEN_DETAIL = 0.35


def default_verifier() -> MTCNNDetector:
    """The verifier the ``FACE_VERIFY_*`` defaults give (pipeline.face_config)."""
    return MTCNNDetector(
        threshold=VERIFY_THRESHOLD,
        min_face=VERIFY_MIN_FACE,
        scan_face=PrivacyConfig.verify_scan_face,
    )


@dataclass
class PrivacyReport:
    """The verification record stored with the clip (JSON-friendly via :meth:`as_dict`)."""

    frames_processed: int
    redetections: int  # face-sized boxes at or above the threshold that are not hidden faces
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
    verifier_min_face: int = 0
    verifier_hits: list[dict[str, Any]] = field(default_factory=list)  # first MAX_LISTED_HITS
    tracks_found: int | None = None
    max_detail_kept: float | None = None  # the most detail any face track kept (1 = all)
    tracks: list[dict[str, Any]] = field(default_factory=list)
    blur_seconds: float | None = None
    hits_on_hidden_faces: int = 0  # confident boxes that are no visible face (see verify_blurred)
    # Every blur-and-verify pass, the last one being the report above (pipeline.face_config).
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _face_sized(box: Box, min_face: float, frame_height: int) -> bool:
    # A blurred group can read as one frame-sized "face"; no identifiable face is that big.
    height = box.y1 - box.y0
    return min_face <= height <= 0.9 * frame_height


def _feature_region(box: Box) -> Box:
    """Where the face's features are: around the verifier's landmarks when it gives them (the
    eyes-to-mouth box grown 1.8x, as tall as it is wide at least), else the whole box."""
    features = getattr(box, "features", None)
    if not features or features[2] <= features[0]:
        return box
    x0, y0, x1, y1 = features
    side = max(x1 - x0, y1 - y0, 4.0) * 1.8 / 2
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return Box(cx - side, cy - side, cx + side, cy + side, box.score)


def _features(box: Box) -> Box:
    """The box around the verifier's landmarks (eyes to mouth), else the box itself."""
    features = getattr(box, "features", None)
    if not features or features[2] <= features[0]:
        return box
    return Box(*features, box.score)


def _same(a: Box, b: Box) -> bool:
    """Either region's centre lies inside the other."""
    ax, ay, bx, by = (a.x0 + a.x1) / 2, (a.y0 + a.y1) / 2, (b.x0 + b.x1) / 2, (b.y0 + b.y1) / 2
    inside_a = a.x0 <= bx <= a.x1 and a.y0 <= by <= a.y1
    return inside_a or (b.x0 <= ax <= b.x1 and b.y0 <= ay <= b.y1)


def _track_of(hit: Box, boxes: list[tuple[int, Box]]) -> int | None:
    cx, cy = (hit.x0 + hit.x1) / 2, (hit.y0 + hit.y1) / 2
    for ident, b in boxes:
        if b.x0 <= cx <= b.x1 and b.y0 <= cy <= b.y1:
            return ident
    return None


def verify_blurred(
    path: StrPath,
    verifier: FaceDetector,
    threshold: float,
    *,
    blur_report: BlurReport | None = None,
    min_face: int | None = None,
    original: StrPath | None = None,
    on_progress: Callable[[float], None] | None = None,
) -> PrivacyReport:
    """Run ``verifier`` on every frame of the blurred clip at ``path``; see the module doc.

    ``verifier`` must be a different model from the blurring detector (checked by name when
    ``blur_report`` is given) and its own threshold must not be above ``threshold``. Boxes less
    than ``min_face`` px tall (default: the verifier's own ``min_face``, 80 % of it, as MTCNN's
    boxes are a little tighter than the faces it was asked for) are not face-sized. Given the
    ``original`` (the unblurred cut), a box is counted as a hidden face, not a failure, when its
    region kept less than ``HIDDEN_DETAIL`` of its detail there (a blurred head still has a
    head's outline) or when the verifier finds no face at that place in the unblurred frame (a
    "face" the blur made, such as a blurred head above a neck). The region is around the
    verifier's own landmarks (eyes, nose, mouth) when it gives them, else its box; the blurring
    detector's boxes are never used.
    """
    problems: list[str] = []
    if blur_report is not None and _model(blur_report.detector) == _model(verifier.name):
        problems.append(f"the verifier ({verifier.name}) is the blurring model itself")
    if verifier.threshold > threshold:
        problems.append(
            f"the verifier's own threshold {verifier.threshold} hides scores "
            f"between it and {threshold}"
        )
    smallest = getattr(verifier, "min_face", 0) * 0.8 if min_face is None else min_face
    started = time.perf_counter()
    frames = redetections = 0
    redetected: list[int] = []
    hits: list[dict[str, Any]] = []
    per_track: dict[int, int] = {}
    hidden = 0
    boxes = blur_report.per_frame_boxes if blur_report is not None else []
    sources = iter_frames(original) if original is not None else None
    for index, frame in enumerate(iter_frames(path)):
        frames += 1
        before = next(sources, None) if sources is not None else None
        if on_progress is not None and blur_report is not None and blur_report.frames:
            on_progress(min(0.99, frames / blur_report.frames))
        found = [
            b
            for b in verifier.detect(frame)
            if b.score >= threshold and _face_sized(b, smallest, frame.shape[0])
        ]
        if found and before is not None and before.shape == frame.shape:
            kept = [(b, detail_kept(before, frame, _feature_region(b))) for b in found]
            visible = [b for b, ratio in kept if ratio is None or ratio >= HIDDEN_DETAIL]
            if visible:
                # A face left visible is found in the unblurred frame at the same place too;
                # a "face" the blur made (a blurred head over a neck) is not.
                faces = [_features(b) for b in verifier.detect(before) if b.score >= threshold]
                visible = [b for b in visible if any(_same(_features(b), f) for f in faces)]
            hidden += len(found) - len(visible)
            found = visible
        if not found:
            continue
        redetections += len(found)
        redetected.append(index)
        for b in found:
            track = _track_of(b, boxes[index]) if index < len(boxes) else None
            if track is not None:
                per_track[track] = per_track.get(track, 0) + 1
            if len(hits) < MAX_LISTED_HITS:
                hits.append(
                    {
                        "frame": index,
                        "box": [round(b.x0), round(b.y0), round(b.x1), round(b.y1)],
                        "score": round(b.score, 3),
                        "track": track,
                    }
                )
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
    tracks = []
    if blur_report is not None:
        for t in blur_report.tracks:
            row = asdict(t)
            row["verifier_hits"] = per_track.get(t.track, 0)
            tracks.append(row)
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
        verifier_min_face=round(smallest),
        verifier_hits=hits,
        tracks_found=len(blur_report.tracks) if blur_report else None,
        max_detail_kept=blur_report.max_detail_kept if blur_report else None,
        tracks=tracks,
        blur_seconds=blur_report.seconds if blur_report else None,
        hits_on_hidden_faces=hidden,
    )


def protect_clip(
    src: StrPath,
    dst: StrPath,
    config: PrivacyConfig,
    *,
    on_progress: Callable[[str, float], None] | None = None,
) -> PrivacyReport:
    """The privacy stage: blur ``src`` into ``dst`` with the configured detector, then verify
    ``dst`` with the independent one. When the only problem is faces found after blurring, blur
    once more from ``src`` with the higher-recall second pass (a larger input and a lower
    threshold) and verify that; the verifier's boxes never steer the blur, so the last
    verification stays independent. ``on_progress(stage, fraction)`` is called with stage
    "blur", then "verify", each with its own fraction 0..1 (again for a second pass)."""

    def report(stage: str) -> Callable[[float], None] | None:
        if on_progress is None:
            return None
        return lambda fraction: on_progress(stage, fraction)

    verifier = config.verifier_instance()
    min_face = round(0.8 * config.verify_min_face) if config.verify_detector == "mtcnn" else 0
    passes = [config.blur_detector_instance(), config.retry_detector_instance()]
    attempts: list[dict[str, Any]] = []
    check: PrivacyReport | None = None
    for detector in passes:
        if detector is None:
            break
        if on_progress is not None:
            on_progress("blur", 0.0)
        blur = blur_video(
            src, dst, detector, settings=config.blur_settings(), on_progress=report("blur")
        )
        if on_progress is not None:
            on_progress("verify", 0.0)
        check = verify_blurred(
            dst,
            verifier,
            config.verify_cutoff,
            blur_report=blur,
            min_face=min_face,
            original=src,
            on_progress=report("verify"),
        )
        attempts.append(
            {
                "blur_detector": blur.detector,
                "blur_threshold": blur.threshold,
                "tracks_found": len(blur.tracks),
                "redetections": check.redetections,
                "hits_on_hidden_faces": check.hits_on_hidden_faces,
                "passed": check.passed,
                "blur_seconds": blur.seconds,
                "verify_seconds": check.seconds,
            }
        )
        faces_only = all("face(s) found" in p for p in check.problems)
        if check.passed or not faces_only:
            break
    assert check is not None
    check.attempts = attempts
    return check


def _model(name: str) -> str:
    """The model family in a detector name: "centerface(...)" -> "centerface"."""
    return name.split("(", 1)[0].split(" ", 1)[0].strip().lower()
