"""Running ffmpeg and ffprobe: the one place that starts them, reads their output and turns their
failures into :class:`MediaError`. Pure (no Django).

Every media stage builds an argv and hands it here, so the rules hold everywhere: ffmpeg dies with
the worker that started it, errors go to a file (a flood of decoder messages cannot fill a pipe),
and encoders write constant-frame-rate H.264 that browsers seek exactly.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import ffmpeg

StrPath = str | os.PathLike[str]

FFMPEG = ("ffmpeg", "-nostdin", "-hide_banner", "-v", "error")
# ffmpeg messages meaning the data stops or breaks mid-stream (not "moov atom not found":
# the mp4 demuxer says that about any garbage file named *.mp4).
_TRUNCATION_HINTS = (
    "partial file",
    "ended prematurely",
    "end of file",
    "invalid data",
    "invalid nal unit size",
    "error splitting the input",
    "corrupt",
    "error while decoding",
)


# ffmpeg messages meaning it could not write its output (ours to fix, never the input's fault).
_OUTPUT_HINTS = (
    "error writing trailer",
    "could not write header",
    "error opening output",
    "av_interleaved_write_frame",
    "unable to re-open",
    "error closing file",
    "no space left on device",
    "disk quota exceeded",
    "read-only file system",
)
_IO_ERRORS = frozenset(
    os.strerror(code)
    for code in (errno.ENOENT, errno.EACCES, errno.EIO, errno.ENOTDIR, errno.EISDIR, errno.EPERM)
)


class MediaError(Exception):
    """Bad input or failed transcode; ``code`` is for machines, ``message`` for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)  # both in args, so the error pickles (Celery)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return self.message


def die_with_parent() -> None:
    """Runs in the ffmpeg child: if our process is killed (a worker lost mid-task), ffmpeg is
    killed too instead of running on and writing into a folder the retry has removed."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def ffprobe(path: StrPath, **kwargs: Any) -> dict[str, Any]:
    """ffprobe's JSON for ``path``; raises MediaError("not_a_video") if it cannot read it."""
    try:
        return ffmpeg.probe(os.fspath(path), v="error", **kwargs)
    except ffmpeg.Error:
        raise MediaError("not_a_video", "This file is not a media file ffmpeg can read.") from None


def audio_codecs(path: StrPath) -> list[str]:
    """The codec names of ``path``'s audio streams (empty: no audio)."""
    info = ffprobe(path, select_streams="a", show_entries="stream=codec_name")
    return [str(s.get("codec_name", "unknown")) for s in info.get("streams", [])]


def audio_stream_count(path: StrPath) -> int:
    """How many audio streams ffprobe finds in ``path``."""
    return len(audio_codecs(path))


def count_frames(path: StrPath) -> int:
    """Frames in the first video stream, counted by demuxing (``ffprobe -count_packets``)."""
    info = ffprobe(
        path, select_streams="V:0", count_packets=None, show_entries="stream=nb_read_packets"
    )
    streams = info.get("streams") or [{}]
    return int(streams[0].get("nb_read_packets") or 0)


def _failed_line(stderr: str, inputs: tuple[str, ...]) -> str | None:
    """The line of ffmpeg's stderr saying it could not write its output, if there is one.

    Writing is our side: a full disk, the work folder removed under ffmpeg, a permission. Such a
    failure says nothing about the input, so it must never be taken for a bad video.
    """
    for line in stderr.splitlines():
        lowered = line.lower()
        if any(hint in lowered for hint in _OUTPUT_HINTS):
            return line.strip()
        # "<path>: <errno text>" names the file ffmpeg failed on; it is ours unless an input.
        path, _, reason = line.strip().rpartition(": ")
        if reason in _IO_ERRORS and path and path not in inputs:
            return line.strip()
    return None


def transcode_error(stderr: str, inputs: tuple[str, ...] = ()) -> MediaError:
    """The MediaError for ffmpeg's ``stderr``: ``output_failed`` when it could not write (not
    the input's fault), ``truncated`` when the input's data breaks off, else
    ``transcode_failed``. ``inputs`` are the argv's ``-i`` files."""
    output = _failed_line(stderr, inputs)
    if output is not None:
        return MediaError("output_failed", f"Writing the video failed ({output[:300]}).")
    detail = stderr.strip().splitlines()[-1][:300] if stderr.strip() else "no details"
    if any(hint in stderr.lower() for hint in _TRUNCATION_HINTS):
        return MediaError("truncated", f"The video data is damaged or incomplete ({detail}).")
    return MediaError("transcode_failed", f"Making the video failed ({detail}).")


def _inputs(argv: list[str]) -> tuple[str, ...]:
    return tuple(argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == "-i")


def run_ffmpeg(argv: list[str]) -> None:
    """Run an ffmpeg argv to the end; raise MediaError on any error it reports."""
    proc = subprocess.run(
        argv, capture_output=True, check=False, stdin=subprocess.DEVNULL, preexec_fn=die_with_parent
    )
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or stderr.strip():
        raise transcode_error(stderr, _inputs(argv))


@dataclass
class _Running:
    proc: subprocess.Popen
    stderr: str = ""


@contextlib.contextmanager
def _reading(argv: list[str]) -> Iterator[_Running]:
    """ffmpeg with its stdout piped to us and its stderr in a file (at -v error only errors), so
    a flood of decoder messages can never fill a pipe and deadlock us. Leaving the block early
    (an error, a cancelled job) kills it; ``stderr`` is filled once it has ended."""
    with tempfile.TemporaryFile() as errfile:
        running = _Running(
            subprocess.Popen(
                argv,
                stdout=subprocess.PIPE,
                stderr=errfile,
                stdin=subprocess.DEVNULL,
                preexec_fn=die_with_parent,
            )
        )
        try:
            yield running
            running.proc.wait()
        finally:
            if running.proc.poll() is None:
                running.proc.kill()
                running.proc.wait()
            errfile.seek(0)
            running.stderr = errfile.read().decode(errors="replace")


def run_ffmpeg_with_progress(
    argv: list[str], total_frames: int, on_progress: Callable[[float], None] | None
) -> None:
    """Run an ffmpeg argv, reporting frames done / ``total_frames`` (held below 1.0: the caller
    says 1.0 once it has verified the output). Raises MediaError on any error ffmpeg reports."""
    last = -1.0
    with _reading([argv[0], "-progress", "pipe:1", "-nostats", *argv[1:]]) as running:
        assert running.proc.stdout is not None
        for raw in running.proc.stdout:  # key=value progress lines
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "frame" and value.isdigit() and on_progress is not None:
                fraction = min(int(value) / max(total_frames, 1), 0.99)
                if fraction > last:
                    last = fraction
                    on_progress(fraction)
    if running.proc.returncode != 0 or running.stderr.strip():
        # At -v error anything on stderr is a demux/decode error: frames may be garbage.
        raise transcode_error(running.stderr, _inputs(argv))


def decode_rgb_argv(path: StrPath) -> list[str]:
    """ffmpeg writing every frame of ``path``'s first video stream to stdout as raw RGB24, in
    presentation order, none dropped or duplicated."""
    return [
        *FFMPEG,
        "-i",
        os.fspath(path),
        "-map",
        "0:V:0",
        "-fps_mode",
        "passthrough",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "pipe:1",
    ]


def even_size(stream: Any, width: int, height: int) -> Any:
    """yuv420p needs even sizes: pad right and bottom, so pixel coordinates stay the same."""
    if width % 2 or height % 2:
        return stream.filter("pad", "ceil(iw/2)*2", "ceil(ih/2)*2")
    return stream


def h264_output_argv(
    stream: Any,
    dst: StrPath,
    fps_fraction: str,
    *,
    preset: str,
    crf: int,
    gop: int | None = None,
    **extra: Any,
) -> list[str]:
    """The ffmpeg argv that encodes an ffmpeg-python ``stream`` into ``dst`` as every video we
    write is encoded: H.264 yuv420p MP4 at exactly ``fps_fraction``, never a frame dropped or
    duplicated (``passthrough``: frame i out is frame i in), no audio, subtitle or data streams,
    ``+faststart``. With ``gop``: a keyframe every ``gop`` frames, which keeps browser seeks fast
    and predictable, and no B-frames, so pts == dts from 0 with no edit list (browsers that
    ignore edit lists would otherwise shift every frame by the reorder delay)."""
    options: dict[str, Any] = {
        "format": "mp4",
        "vcodec": "libx264",
        "preset": preset,
        "crf": crf,
        "pix_fmt": "yuv420p",
        "fps_mode": "passthrough",
        "r": fps_fraction,
        "movflags": "+faststart",
        "an": None,
        "sn": None,
        "dn": None,
    }
    if gop is not None:
        options.update(g=gop, keyint_min=gop, sc_threshold=0, bf=0)
    out = ffmpeg.output(stream, os.fspath(dst), **options, **extra)
    return out.global_args(*FFMPEG[1:]).overwrite_output().compile()


def encode_rgb_argv(
    dst: StrPath, width: int, height: int, fps_fraction: str, *, preset: str, crf: int
) -> list[str]:
    """ffmpeg reading raw RGB24 frames of ``width``×``height`` from stdin and writing ``dst``."""
    frames = ffmpeg.input(
        "pipe:0", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}", r=fps_fraction
    )
    return h264_output_argv(
        even_size(frames, width, height), dst, fps_fraction, preset=preset, crf=crf
    )


def iter_raw_frames(argv: list[str], frame_bytes: int) -> Iterator[bytes]:
    """Run a decoding argv and yield its stdout in frames of ``frame_bytes``; raise MediaError
    if the stream ends inside a frame or ffmpeg fails (checked once the stream ends)."""
    with _reading(argv) as running:
        assert running.proc.stdout is not None
        while chunk := running.proc.stdout.read(frame_bytes):
            if len(chunk) < frame_bytes:
                raise MediaError("truncated", "The video ended inside a frame.")
            yield chunk
    if running.proc.returncode != 0:
        detail = running.stderr.strip()[-300:]
        raise MediaError("transcode_failed", f"Decoding the video failed ({detail}).")
