"""Decode a video's frames as numpy arrays through an ffmpeg rawvideo pipe (pure: no Django).

Shared by the stages that look at pixels (face blurring and verification, poses): every frame
in presentation order, none dropped or duplicated.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import ffmpeg
import numpy as np

from pipeline.media import MediaError, StrPath, _display_size, _is_cover_art

FFMPEG = ("ffmpeg", "-nostdin", "-hide_banner", "-v", "error")


@dataclass(frozen=True)
class StreamGeometry:
    """What frame I/O needs: the displayed size and the nominal rate of the first video."""

    width: int
    height: int
    fps_fraction: str


def stream_geometry(path: StrPath) -> StreamGeometry:
    """Size (rotation applied, as ffmpeg decodes) and rate of ``path``'s first video stream."""
    try:
        streams = ffmpeg.probe(os.fspath(path), v="error").get("streams", [])
    except ffmpeg.Error:
        raise MediaError("not_a_video", "This file is not a video ffmpeg can read.") from None
    videos = [s for s in streams if s.get("codec_type") == "video" and not _is_cover_art(s)]
    if not videos:
        raise MediaError("not_a_video", "This file contains no video.")
    width, height = _display_size(videos[0])
    rate = Fraction(videos[0].get("r_frame_rate") or "25/1")
    if rate <= 0:
        rate = Fraction(25)
    return StreamGeometry(width, height, f"{rate.numerator}/{rate.denominator}")


def iter_frames(path: StrPath, geometry: StreamGeometry | None = None) -> Iterator[np.ndarray]:
    """Every frame of ``path`` in presentation order as (H, W, 3) RGB uint8 (none dropped or
    duplicated: ``-fps_mode passthrough``)."""
    geometry = geometry or stream_geometry(path)
    size = geometry.width * geometry.height * 3
    with tempfile.TemporaryFile() as errfile:
        proc = subprocess.Popen(
            [
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
            ],
            stdout=subprocess.PIPE,
            stderr=errfile,
            stdin=subprocess.DEVNULL,
        )
        assert proc.stdout is not None
        try:
            while data := proc.stdout.read(size):
                if len(data) < size:
                    raise MediaError("truncated", "The video ended inside a frame.")
                yield np.frombuffer(data, dtype=np.uint8).reshape(
                    geometry.height, geometry.width, 3
                )
            proc.wait()
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            errfile.seek(0)
            detail = errfile.read().decode(errors="replace").strip()[-300:]
            raise MediaError("transcode_failed", f"Decoding the video failed ({detail}).")
