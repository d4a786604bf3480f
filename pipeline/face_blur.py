"""Blurring faces in a clip: detect on key frames, link into tracks, blur every frame.

:func:`blur_video` reads the clip twice through an ffmpeg rawvideo pipe. Pass 1 runs the
detector on every ``detect_every``-th frame of each shot (and on both sides of a hard cut, and
the last; pipeline.key_frames) and links the boxes into tracks
(pipeline.face_tracks): between detections a box follows the face's motion, and it is carried
beyond a track's ends, so the first and last frames of a clip and faces entering or leaving the
frame are covered. Pass 2 hides an ellipse over each padded track box (raised a little for hair,
widened for ears, with a feathered edge), measures how much detail each face kept, and re-encodes
with libx264 (no audio). Output frame ``i`` is input frame ``i``.

Detail kept is the variance of the Laplacian inside the face's own (unpadded) ellipse, blurred
over original, measured on the frame before encoding (the encoder only removes more); the report
keeps it per track, so "every face hidden" is a number per face, not a count of frames.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

import cv2
import numpy as np

from pipeline.face_motion import CameraMotion
from pipeline.face_tracks import Track, link_tracks, track_boxes
from pipeline.faces import Box, FaceDetector
from pipeline.frames import iter_frames, stream_geometry
from pipeline.key_frames import CutDetector, KeyFrameChooser
from pipeline.process import MediaError, StrPath, count_frames, die_with_parent, encode_rgb_argv


@dataclass(frozen=True)
class BlurSettings:
    """How faces are found over time and hidden; recorded verbatim in every :class:`BlurReport`."""

    detect_every: int = 2  # run the detector on every n-th frame (and the last); tracks fill in
    key_frames_at_cuts: bool = True  # both frames around a hard cut too; the stride restarts
    extend_frames: int = 6  # a track's box is carried this many frames past its ends (+ stride)
    pad_scale: float = 1.5  # the hidden ellipse is the face box grown by this around its centre
    hair_raise: float = 0.1  # ...and raised by this fraction of the face's height (hair, brow)
    feather: float = 0.25  # outside the ellipse the blur fades over this fraction of its axes
    method: str = "gaussian"  # or "mosaic"
    sigma_frac: float = 0.2  # gaussian sigma relative to the padded box's longer side
    mosaic_cells: int = 6  # mosaic: cells across the box's longer side
    crf: int = 18
    preset: str = "veryfast"


def _padded(box: Box, settings: BlurSettings) -> tuple[float, float, float, float]:
    """Centre and half-axes of the ellipse that hides ``box`` (not clipped to the frame)."""
    w, h = box.x1 - box.x0, box.y1 - box.y0
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2 - settings.hair_raise * h
    return cx, cy, w * settings.pad_scale / 2, h * settings.pad_scale / 2


def blur_boxes(rgb: np.ndarray, boxes: Sequence[Box], settings: BlurSettings) -> np.ndarray:
    """A copy of ``rgb`` with a feathered ellipse over each padded box blurred (or pixelated).

    The padded ellipse is fully hidden; outside it the blur fades out over ``feather`` of its
    half-axes, so the edge is soft while the face box (``1 / pad_scale`` of the ellipse) is
    always fully hidden. Each box is hidden on its own, with a strength set by its own size.
    """
    height, width = rgb.shape[:2]
    out = rgb.copy()
    reach = 1.0 + max(0.0, settings.feather)
    for box in boxes:
        cx, cy, ax, ay = _padded(box, settings)
        if ax < 1 or ay < 1:
            continue
        x0, y0 = max(0, int(cx - ax * reach)), max(0, int(cy - ay * reach))
        x1 = min(width, int(np.ceil(cx + ax * reach)) + 1)
        y1 = min(height, int(np.ceil(cy + ay * reach)) + 1)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        roi = out[y0:y1, x0:x1]
        # Distances on an open grid (a row and a column, broadcast): the ellipse's normalised
        # radius without building two full coordinate planes per face.
        dx = ((np.arange(x0, x1, dtype=np.float32) + 0.5 - cx) / ax) ** 2
        dy = ((np.arange(y0, y1, dtype=np.float32) + 0.5 - cy) / ay) ** 2
        r = np.sqrt(dy[:, None] + dx[None, :])
        if settings.feather > 0:
            alpha = np.clip((reach - r) / settings.feather, 0.0, 1.0)
        else:
            alpha = (r <= 1.0).astype(np.float32)
        alpha = alpha.astype(np.float32, copy=False)  # numpy-scalar boxes promote to float64
        hidden = _hide(roi, 2 * max(ax, ay), settings)
        roi[:] = cv2.blendLinear(hidden, roi, alpha, 1.0 - alpha)
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
    # The Gaussian runs on a downscaled copy (sigma ~4 px there): the same as a large blur,
    # and cheap for close-ups.
    factor = max(1.0, sigma / 4)
    small = cv2.resize(
        roi, (max(1, round(w / factor)), max(1, round(h / factor))), interpolation=cv2.INTER_AREA
    )
    small_sigma = sigma / factor
    kernel = int(small_sigma * 3) * 2 + 1
    # As a separable filter: OpenCV's GaussianBlur on 8-bit takes a bit-exact path that is five
    # times slower on these small images, for the same result within one grey level.
    taps = cv2.getGaussianKernel(kernel, small_sigma)
    small = cv2.sepFilter2D(small, -1, taps, taps, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_LINEAR)


def detail_kept(before: np.ndarray, after: np.ndarray, box: Box) -> float | None:
    """Variance of the Laplacian inside ``box``'s ellipse, ``after`` over ``before`` (None when
    the region is flat or too small to measure)."""
    height, width = before.shape[:2]
    x0, y0 = max(0, int(box.x0) - 1), max(0, int(box.y0) - 1)
    x1, y1 = min(width, int(np.ceil(box.x1)) + 1), min(height, int(np.ceil(box.y1)) + 1)
    if x1 - x0 < 6 or y1 - y0 < 6:
        return None
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    centre = (round((box.x0 + box.x1) / 2) - x0, round((box.y0 + box.y1) / 2) - y0)
    axes = (max(1, round((box.x1 - box.x0) / 2)), max(1, round((box.y1 - box.y0) / 2)))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1, -1)
    inside = mask[1:-1, 1:-1]
    if cv2.countNonZero(inside) < 16:
        return None
    values = []
    for image in (before, after):
        gray = cv2.cvtColor(image[y0:y1, x0:x1], cv2.COLOR_RGB2GRAY).astype(np.float32)
        _, std = cv2.meanStdDev(cv2.Laplacian(gray, cv2.CV_32F)[1:-1, 1:-1], mask=inside)
        values.append(float(std[0, 0]) ** 2)
    return values[1] / values[0] if values[0] >= 1.0 else None


@dataclass
class TrackReport:
    """One face track of a clip, as stored in the privacy report."""

    track: int
    first_frame: int  # first and last frame the track's box covers (extension included)
    last_frame: int
    frames: int  # frames with this track's box
    detections: int  # key frames where the detector found it
    best_score: float
    face_px: int  # median height of its detections
    detail_kept: float | None  # the largest detail ratio over its frames (None: not measurable)


@dataclass
class BlurReport:
    """What :func:`blur_video` did, for the clip's privacy report."""

    frames: int
    frames_with_detections: int  # key frames where the detector itself found a face
    detections: int
    frames_blurred: int  # frames with at least one hidden region (track boxes)
    detector: str
    threshold: float
    settings: dict[str, Any]
    seconds: float
    frames_per_second: float
    key_frames: int = 0
    tracks: list[TrackReport] = field(default_factory=list)
    max_detail_kept: float | None = None  # over every track and frame
    per_frame_detections: list[int] = field(default_factory=list, repr=False)
    per_frame_boxes: list[list[tuple[int, Box]]] = field(default_factory=list, repr=False)

    def summary(self) -> dict[str, Any]:
        """JSON-friendly, without the per-frame lists."""
        out = asdict(self)
        out.pop("per_frame_detections")
        out.pop("per_frame_boxes")
        return out


def _detect_key_frames(
    src: StrPath,
    detector: FaceDetector,
    settings: BlurSettings,
    progress: Callable[[int], None],
) -> tuple[list[tuple[int, list[Box]]], list[tuple[float, float]], int]:
    """Each key frame's boxes, the camera's motion per frame at each, and the frame count.

    Key frames are every ``detect_every``-th frame of each shot, counted from its first, and the
    last frame of each shot and of the clip."""
    keys: list[tuple[int, list[Box]]] = []
    motion: list[tuple[float, float]] = []
    camera = CameraMotion()
    shot_starts = {0}  # positions in ``motion`` where a shot's first key frame lies
    chooser = KeyFrameChooser(
        settings.detect_every, CutDetector() if settings.key_frames_at_cuts else None
    )

    def detect(index: int, frame: np.ndarray) -> None:
        keys.append((index, detector.detect(frame)))
        motion.append(camera.add(index, frame))

    count = 0
    for index, frame in enumerate(iter_frames(src)):
        count = index + 1
        cut, chosen = chooser.push(index, frame)
        for key, key_frame in chosen:
            if cut and key == index:  # no motion is measured across a cut
                camera = CameraMotion()
                shot_starts.add(len(motion))
            detect(key, key_frame)
        progress(count)
    for key, key_frame in chooser.finish():  # the last frame is always a key frame
        detect(key, key_frame)
    for start in shot_starts:  # a shot's first key frame has no previous one: it moves as the next
        if start + 1 < len(motion) and start + 1 not in shot_starts:
            motion[start] = motion[start + 1]
    return keys, motion, count


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
    every = max(1, settings.detect_every)
    geometry = stream_geometry(src)
    total = total_frames or (count_frames(src) if on_progress is not None else None)

    def progress(fraction: float) -> None:
        if on_progress is not None:
            on_progress(min(fraction, 0.99))

    started = time.perf_counter()
    # Detection is most of the time: pass 1 is 80 % of the progress, pass 2 the rest.
    keys, motion, frames = _detect_key_frames(
        src, detector, settings, lambda n: progress(0.8 * n / total) if total else None
    )
    tracks = link_tracks(
        keys,
        threshold=detector.threshold,
        low_threshold=getattr(detector, "low_threshold", None),
        max_gap=max(12, 3 * every),
        motion=motion,
    )
    per_frame = track_boxes(
        tracks,
        frames,
        extend=settings.extend_frames + every - 1,
        width=geometry.width,
        height=geometry.height,
    )
    details: dict[int, list[float]] = {t.ident: [] for t in tracks}
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
        written = 0
        try:
            with _opencv_threads(1):
                for index, frame in enumerate(iter_frames(src, geometry)):
                    cover = per_frame[index] if index < frames else []
                    out = blur_boxes(frame, [b for _, b in cover], settings)
                    for ident, box in cover:
                        ratio = detail_kept(frame, out, box)
                        if ratio is not None:
                            details[ident].append(ratio)
                    enc.stdin.write(out.tobytes())
                    written += 1
                    if total:
                        progress(0.8 + 0.2 * written / total)
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
    if out_frames != frames or written != frames:
        raise MediaError(
            "transcode_failed", f"The blurred video has {out_frames} frames instead of {frames}."
        )
    if on_progress is not None:
        on_progress(1.0)
    reports = [_track_report(t, per_frame, details[t.ident]) for t in tracks]
    measured = [r.detail_kept for r in reports if r.detail_kept is not None]
    counts = [0] * frames
    for index, boxes in keys:
        counts[index] = len([b for b in boxes if b.score >= detector.threshold])
    return BlurReport(
        frames=frames,
        frames_with_detections=sum(c > 0 for c in counts),
        detections=sum(counts),
        frames_blurred=sum(bool(boxes) for boxes in per_frame),
        detector=detector.name,
        threshold=detector.threshold,
        settings=asdict(settings),
        seconds=round(seconds, 3),
        frames_per_second=round(frames / seconds, 2) if seconds else 0.0,
        key_frames=len(keys),
        tracks=reports,
        max_detail_kept=round(max(measured), 4) if measured else None,
        per_frame_detections=counts,
        per_frame_boxes=per_frame,
    )


@contextmanager
def _opencv_threads(count: int) -> Iterator[None]:
    """OpenCV's thread count set to ``count`` for a while (it is process-wide).

    Hiding and measuring faces works on regions of a few thousand pixels, where OpenCV's thread
    pool costs more than it gains: one thread halved the CPU time of the pass on the group scene
    (docs/benchmarks.md, "Small faces"), and the encoder runs beside it in its own process."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(count)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _track_report(
    track: Track, per_frame: list[list[tuple[int, Box]]], details: list[float]
) -> TrackReport:
    covered = [i for i, boxes in enumerate(per_frame) if any(t == track.ident for t, _ in boxes)]
    heights = sorted(b.y1 - b.y0 for _, b in track.hits)
    return TrackReport(
        track=track.ident,
        first_frame=covered[0] if covered else track.first,
        last_frame=covered[-1] if covered else track.last,
        frames=len(covered),
        detections=len(track.hits),
        best_score=round(track.best_score, 3),
        face_px=round(heights[len(heights) // 2]),
        detail_kept=round(max(details), 4) if details else None,
    )
