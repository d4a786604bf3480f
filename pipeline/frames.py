"""Decode a video's frames as numpy arrays through an ffmpeg rawvideo pipe (pure: no Django).

Shared by the stages that look at pixels (face blurring and verification, poses): every frame
in presentation order, none dropped or duplicated.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from pipeline.media import display_size, is_cover_art
from pipeline.process import MediaError, StrPath, decode_rgb_argv, ffprobe, iter_raw_frames


@dataclass(frozen=True)
class StreamGeometry:
    """What frame I/O needs: the displayed size and the nominal rate of the first video."""

    width: int
    height: int
    fps_fraction: str


def stream_geometry(path: StrPath) -> StreamGeometry:
    """Size (rotation applied, as ffmpeg decodes) and rate of ``path``'s first video stream."""
    streams = ffprobe(path).get("streams", [])
    videos = [s for s in streams if s.get("codec_type") == "video" and not is_cover_art(s)]
    if not videos:
        raise MediaError("not_a_video", "This file contains no video.")
    width, height = display_size(videos[0])
    rate = Fraction(videos[0].get("r_frame_rate") or "25/1")
    if rate <= 0:
        rate = Fraction(25)
    return StreamGeometry(width, height, f"{rate.numerator}/{rate.denominator}")


def iter_frames(path: StrPath, geometry: StreamGeometry | None = None) -> Iterator[np.ndarray]:
    """Every frame of ``path`` in presentation order as (H, W, 3) RGB uint8 (none dropped or
    duplicated: ``-fps_mode passthrough``)."""
    geometry = geometry or stream_geometry(path)
    shape = (geometry.height, geometry.width, 3)
    for data in iter_raw_frames(decode_rgb_argv(path), geometry.width * geometry.height * 3):
        yield np.frombuffer(data, dtype=np.uint8).reshape(shape)
