"""Video ingest: probe an upload, reject bad input with a clear error, make the CFR proxy.

Pure module (no Django): everything here works on paths and returns plain values, so it can
run in a web process, a Celery worker or a test without settings.

The proxy is what the browser plays and what frame indices refer to: H.264, yuv420p,
``+faststart``, a keyframe every ``gop`` frames, no audio, timestamps ``i / fps`` from 0.
Proxy frame ``i`` is source frame ``i`` (presentation order); nothing is dropped or duplicated.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import ffmpeg
import numpy as np

from pipeline.limits import Limits
from pipeline.process import (
    FFMPEG,
    MediaError,
    StrPath,
    even_size,
    ffprobe,
    h264_output_argv,
    run_ffmpeg_with_progress,
)

__all__ = ["MediaError", "StrPath", "VideoInfo", "make_proxy", "probe_video", "read_frame"]

# The codes probe_video raises (Limits' too_large and too_long included): each says the file
# itself cannot be ingested.
_PROBE_CODES = "not_a_video no_video_stream zero_frames truncated variable_frame_rate"
SOURCE_ERROR_CODES = frozenset(f"{_PROBE_CODES} too_large too_long".split())

# Demuxers that open still images (or text, as ANSI art), besides the "*_pipe" image ones:
# never a video, whatever frame count ffprobe reports. Animated GIF/WebP are judged like videos.
_IMAGE_FORMATS = {"image2", "tty"}
_IMAGE_CODECS = {
    "mjpeg",
    "png",
    "gif",
    "webp",
    "bmp",
    "tiff",
    "jpeg2000",
    "jpegls",
    "apng",
    "ppm",
    "pgm",
    "pam",
    "pbm",
    "qoi",
    "ansi",
    "jpegxl",
    "avif",
}
# Rates that real cameras and editors use; tried when the stream's own rate does not fit.
_COMMON_RATES = (
    "24000/1001",
    "24/1",
    "25/1",
    "30000/1001",
    "30/1",
    "48/1",
    "50/1",
    "60000/1001",
    "60/1",
    "100/1",
    "120000/1001",
    "120/1",
)
# Magic numbers of video containers: if ffprobe cannot open such a file it is damaged.
_CONTAINER_MAGIC = (
    (4, b"ftyp"),
    (4, b"moov"),
    (4, b"mdat"),
    (4, b"wide"),
    (4, b"free"),
    (0, b"\x1a\x45\xdf\xa3"),
    (8, b"AVI "),
)
# Most frames a decoder may hold back for reordering (H.264 allows 16).
_MAX_REORDER = 16


@dataclass(frozen=True)
class VideoInfo:
    """What ingest knows about a video; for a proxy, the video's truth."""

    fps: float  # exact value of fps_fraction, e.g. 29.97002997
    fps_fraction: str  # e.g. "30000/1001" or "25/1"
    num_frames: int  # frames the decoder outputs (packets counted, discarded ones excluded)
    width: int  # as displayed (rotation applied)
    height: int
    duration: float  # num_frames / fps, seconds
    has_audio: bool
    video_codec: str
    container: str  # ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    start_time: float  # seconds; the proxy's is always 0


def _ffprobe(path: StrPath, **kwargs: Any) -> dict[str, Any]:
    """ffprobe, with a failure turned into 'truncated' (a damaged container) or 'not_a_video'."""
    try:
        return ffprobe(path, **kwargs)
    except MediaError:
        if _starts_like_a_container(path):
            raise MediaError(
                "truncated",
                "The video file is incomplete or damaged (was the upload interrupted?).",
            ) from None
        raise MediaError("not_a_video", "This file is not a video ffmpeg can read.") from None


def _starts_like_a_container(path: StrPath) -> bool:
    """A file that starts like a video container but cannot be opened was cut short."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return any(head[off : off + len(magic)] == magic for off, magic in _CONTAINER_MAGIC)


def _rational(text: str | None) -> Fraction | None:
    try:
        value = Fraction(text or "")
    except (ValueError, ZeroDivisionError):
        return None
    return value if value > 0 else None


def is_cover_art(stream: dict[str, Any]) -> bool:
    return bool(stream.get("disposition", {}).get("attached_pic"))


def display_size(stream: dict[str, Any]) -> tuple[int, int]:
    """Width/height as shown: ffmpeg autorotates, so a 90° phone video is tall."""
    width, height = int(stream["width"]), int(stream["height"])
    rotation = stream.get("tags", {}).get("rotate", 0)
    for side in stream.get("side_data_list", []):
        rotation = side.get("rotation", rotation)
    if int(float(rotation)) % 180:
        return height, width
    return width, height


def _spread(ticks: np.ndarray, tb: Fraction, rate: Fraction) -> float:
    """How far (in ticks, peak to peak) the frames stray from the grid ``i / rate``.

    The best constant offset is implied (peak to peak), so the first frame may be off-grid.
    float64 is exact enough: ticks stay far below 2**53 even for hours at 90 kHz.
    """
    period = float(1 / (rate * tb))
    errors = ticks - np.arange(len(ticks), dtype=np.float64) * period
    return float(errors.max() - errors.min())


def _pick_rate(ticks: np.ndarray, tb: Fraction, stream: dict[str, Any]) -> Fraction | None:
    """The frame rate whose grid the timestamps follow, or None if none does (VFR).

    A rate fits when every frame lies within a quarter frame of its slot on the grid (plus a
    tick each side for containers that round timestamps: Matroska uses milliseconds). Among
    fitting rates the closest wins; near-ties go to the stream's own rate, then common ones.
    """
    candidates = [_rational(stream.get("r_frame_rate")), _rational(stream.get("avg_frame_rate"))]
    candidates += [Fraction(r) for r in _COMMON_RATES]
    if len(ticks) > 1 and ticks[-1] > ticks[0]:
        # Odd but constant rates (e.g. a 29.93 fps phone): fit the endpoints.
        fitted = (len(ticks) - 1) / (int(ticks[-1] - ticks[0]) * tb)
        candidates += [fitted.limit_denominator(100), fitted.limit_denominator(1001)]
    rates = [c for c in candidates if c]
    if len(ticks) < 2:
        return rates[0] if rates else None
    spreads = [_spread(ticks, tb, r) for r in rates]
    fitting = [
        (s, r) for s, r in zip(spreads, rates, strict=True) if s <= float(1 / (r * tb)) / 2 + 2
    ]
    if not fitting:
        return None
    best = min(s for s, _ in fitting)
    return next(r for s, r in fitting if s <= best + 2)


def _declared_seconds(stream: dict[str, Any]) -> float | None:
    """The stream length the container header promises (mp4 mdhd, Matroska DURATION tag)."""
    if stream.get("duration") not in (None, "N/A"):
        return float(stream["duration"])
    tag = stream.get("tags", {}).get("DURATION")
    if tag:
        hours, minutes, seconds = tag.split(":")
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    return None


def probe_video(path: StrPath, limits: Limits | None = None) -> VideoInfo:
    """Probe ``path`` and count its frames; raise MediaError for anything we cannot ingest.

    With ``limits``, a video over them is refused from its headers (before its packets are
    even counted) and again once its exact duration is known.
    """
    if not os.path.isfile(path):
        raise MediaError("not_a_video", "The file does not exist.")
    if os.path.getsize(path) == 0:
        raise MediaError("not_a_video", "The file is empty.")
    # Pass 1 reads headers only: cheap, and enough to reject non-videos early.
    header = _ffprobe(path)
    fmt = header.get("format", {})
    streams = header.get("streams", [])
    format_names = set(fmt.get("format_name", "").split(","))
    videos = [s for s in streams if s.get("codec_type") == "video" and not is_cover_art(s)]
    has_audio = any(s.get("codec_type") == "audio" for s in streams)
    if "tty" in format_names:
        raise MediaError("not_a_video", "This is a text file, not a video.")
    if format_names & _IMAGE_FORMATS or any(n.endswith("_pipe") for n in format_names):
        raise MediaError("not_a_video", "This is an image, not a video.")
    if not videos:
        if has_audio:
            raise MediaError("no_video_stream", "This file has sound but no video stream.")
        raise MediaError("not_a_video", "This file contains no video.")
    video = videos[0]  # the one ffmpeg's "V:0" (and so the proxy) uses
    if limits is not None:
        declared = _declared_seconds(video)
        if declared is None and fmt.get("duration") not in (None, "N/A"):
            declared = float(fmt["duration"])
        limits.check(*display_size(video), declared)

    # Pass 2 demuxes the whole video stream (no decoding): exact packet count + timestamps.
    counted = _ffprobe(
        path,
        select_streams=str(video["index"]),
        count_packets=None,
        show_entries="packet=pts,dts,flags",
    )
    packets = counted.get("packets", [])
    nb_read = int((counted.get("streams") or [{}])[0].get("nb_read_packets") or 0)
    nb_header = int(video["nb_frames"]) if str(video.get("nb_frames", "")).isdigit() else None
    if nb_header is not None and nb_read < nb_header:
        raise MediaError(
            "truncated",
            f"The video is incomplete: the file announces {nb_header}"
            f" frames but only {nb_read} are there (was the upload interrupted?).",
        )
    # Packets flagged D (discard) lie outside the edit list: the decoder drops their frames.
    shown = [p for p in packets if "D" not in p.get("flags", "")]
    num_frames = nb_read - (len(packets) - len(shown))
    if num_frames <= 0:
        raise MediaError("zero_frames", "The video stream contains no frames.")
    if num_frames == 1 and video.get("codec_name") in _IMAGE_CODECS:
        raise MediaError("not_a_video", "This is a single image, not a video.")

    tb = _rational(video.get("time_base")) or Fraction(1, 90000)
    stamps = [p.get("pts", p.get("dts")) for p in shown if "pts" in p or "dts" in p]
    if len(stamps) < len(shown):  # no timestamps to check (raw streams): trust the header rate
        stamps = []
    ticks = np.sort(np.array(stamps, dtype=np.float64))
    rate = _pick_rate(ticks, tb, video)
    tail = range(1, min(_MAX_REORDER, len(ticks) // 4) + 1)  # keep most frames as evidence
    if rate is None and any(_pick_rate(ticks[:-k], tb, video) for k in tail):
        # Regular except for holes among the last few frames: a stream with B-frames cut
        # short (frames are stored out of order, so the cut removes some before the last).
        raise MediaError(
            "truncated",
            "The video is incomplete: frames are missing at its end (was the upload interrupted?).",
        )
    if rate is None:
        raise MediaError(
            "variable_frame_rate",
            "The video has a variable frame rate; please "
            "convert it to a constant frame rate and upload it again.",
        )
    if len(ticks) and nb_header is None:
        # No frame count in the header (Matroska, ...): compare the promised length instead.
        end = float(ticks[-1] * tb + 1 / rate)
        declared = _declared_seconds(video)
        # Lenient margin: a false "truncated" on a good file is worse than missing a few frames.
        if declared is not None and declared > max(end, num_frames / rate) + max(0.5, 2 / rate):
            raise MediaError(
                "truncated",
                f"The video is incomplete: it should last "
                f"{declared:.2f} s but its frames stop at {end:.2f} s.",
            )
    width, height = display_size(video)
    if limits is not None:
        limits.check(width, height, float(num_frames / rate))
    start = video.get("start_time", fmt.get("start_time"))
    return VideoInfo(
        fps=float(rate),
        fps_fraction=f"{rate.numerator}/{rate.denominator}",
        num_frames=num_frames,
        width=width,
        height=height,
        duration=float(num_frames / rate),
        has_audio=has_audio,
        video_codec=str(video.get("codec_name", "unknown")),
        container=str(fmt.get("format_name", "unknown")),
        start_time=float(start) if start not in (None, "N/A") else 0.0,
    )


def proxy_command(
    src: StrPath,
    dst: StrPath,
    info: VideoInfo,
    *,
    preset: str = "veryfast",
    crf: int = 23,
    gop: int = 12,
) -> list[str]:
    """The exact ffmpeg argv that turns ``src`` into the CFR proxy at ``dst`` (MP4)."""
    rate = Fraction(info.fps_fraction)
    # "V:0" skips cover art. Timestamps are rebuilt from the frame number N, so the proxy
    # starts at 0 and is exactly CFR whatever the source's start time or timestamp rounding;
    # setpts truncates, which is harmless because "-r" makes the encoder clock 1/fps and the
    # rescale to it rounds to the nearest frame.
    video = ffmpeg.input(os.fspath(src))["V:0"].filter(
        "setpts", f"N*{rate.denominator}/({rate.numerator}*TB)"
    )
    video = even_size(video, info.width, info.height)
    return h264_output_argv(video, dst, info.fps_fraction, preset=preset, crf=crf, gop=gop)


def verify_output(path: StrPath, frames: int, fps_fraction: str, what: str) -> VideoInfo:
    """Probe an output we wrote: exactly `frames` frames at `fps_fraction`, from 0, no audio."""
    try:
        out = probe_video(path)
    except MediaError as exc:
        raise MediaError("transcode_failed", f"{what} is invalid: {exc}") from None
    problems = []
    if out.num_frames != frames:
        problems.append(f"{out.num_frames} frames instead of {frames}")
    if out.fps_fraction != fps_fraction:
        problems.append(f"{out.fps_fraction} fps instead of {fps_fraction}")
    if out.has_audio:
        problems.append("it has an audio stream")
    if abs(out.start_time) > 1e-6:
        problems.append(f"it starts at {out.start_time} s")
    if problems:
        raise MediaError(
            "transcode_failed", f"{what} does not match the request: " + "; ".join(problems) + "."
        )
    return out


def make_proxy(
    src: StrPath,
    dst: StrPath,
    info: VideoInfo,
    *,
    on_progress: Callable[[float], None] | None = None,
    preset: str = "veryfast",
    crf: int = 23,
    gop: int = 12,
) -> VideoInfo:
    """Transcode ``src`` to the proxy at ``dst`` and verify it; return the proxy's VideoInfo.

    ``on_progress`` gets increasing values in [0, 1), then 1.0 once the proxy is verified.
    """
    argv = proxy_command(src, dst, info, preset=preset, crf=crf, gop=gop)
    run_ffmpeg_with_progress(argv, info.num_frames, on_progress)
    out = verify_output(dst, info.num_frames, info.fps_fraction, "The playback copy")
    if on_progress is not None:
        on_progress(1.0)
    return out


def read_frame(path: StrPath, index: int) -> np.ndarray:
    """Decode frame ``index`` (0-based, presentation order) as an (H, W, 3) RGB uint8 array."""
    if index < 0:
        raise IndexError(f"frame index {index} is negative")
    # select keeps only decoded frame number `index` (no seeking, so no keyframe guesswork);
    # "not(n-k)" avoids a comma, which would split the filter graph.
    argv = (
        ffmpeg.input(os.fspath(path))["V:0"]
        .filter("select", f"not(n-{index})")
        .output(
            "pipe:",
            format="image2pipe",
            vcodec="ppm",
            pix_fmt="rgb24",
            vframes=1,
            fps_mode="passthrough",
        )
        .global_args(*FFMPEG[1:])
        .compile()
    )
    proc = subprocess.run(argv, capture_output=True, check=False)
    if proc.returncode != 0:
        raise MediaError(
            "transcode_failed",
            "Could not decode the frame: " + proc.stderr.decode(errors="replace").strip()[-300:],
        )
    if not proc.stdout:
        raise IndexError(f"frame index {index} is past the end of {os.fspath(path)}")
    return _parse_ppm(proc.stdout)


def _parse_ppm(data: bytes) -> np.ndarray:
    """Binary PPM (P6, maxval 255) to an RGB array; ffmpeg writes one header line each."""
    magic, dims, maxval, pixels = data.split(b"\n", 3)
    if magic != b"P6" or maxval != b"255":
        raise ValueError("unexpected PPM header from ffmpeg")
    width, height = (int(v) for v in dims.split())
    return np.frombuffer(pixels, dtype=np.uint8, count=width * height * 3).reshape(height, width, 3)
