"""Frame-exact clip cutting and audio stripping (pure module: no Django).

Frames follow docs/design.md §4: 0-based, ``end_frame`` inclusive, so a cut has ``end - start + 1``
frames. Stream copy can only cut at keyframes, so :func:`cut_clip` re-encodes: the ``trim``
filter selects decoder output frames by *number* (presentation order, whatever the timestamps,
start time or B-frame reordering of the source), and ``setpts`` rebuilds timestamps as
``i / fps`` from 0, so the clip is CFR at the source's rate. No audio, subtitles or data.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Callable
from fractions import Fraction

import ffmpeg

from pipeline.media import VideoInfo, verify_output
from pipeline.process import (
    FFMPEG,
    MediaError,
    StrPath,
    audio_stream_count,
    even_size,
    h264_output_argv,
    run_ffmpeg,
    run_ffmpeg_with_progress,
)


def _check_range(start_frame: int, end_frame: int, info: VideoInfo) -> None:
    last = info.num_frames - 1
    if not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool)
        for v in (start_frame, end_frame)
    ):
        raise MediaError("bad_range", "Clip frames must be whole numbers.")
    if start_frame < 0 or end_frame < 0:
        raise MediaError(
            "bad_range", f"Clip frames cannot be negative (got {start_frame}..{end_frame})."
        )
    if start_frame > end_frame:
        raise MediaError(
            "bad_range",
            f"The clip starts after it ends (start frame {start_frame} > end frame {end_frame}).",
        )
    if end_frame > last:
        raise MediaError(
            "bad_range",
            f"The clip ends at frame {end_frame}, past the video's "
            f"last frame {last} (frames are 0-based; end is inclusive).",
        )


def cut_command(
    src: StrPath,
    dst: StrPath,
    start_frame: int,
    end_frame: int,
    info: VideoInfo,
    *,
    preset: str = "veryfast",
    crf: int = 18,
    gop: int = 12,
) -> list[str]:
    """The ffmpeg argv that writes source frames ``start_frame..end_frame`` to ``dst`` (MP4)."""
    rate = Fraction(info.fps_fraction)
    video = (
        ffmpeg.input(os.fspath(src))["V:0"]
        # trim counts decoded frames (end_frame there is exclusive: the first one dropped).
        .filter("trim", start_frame=int(start_frame), end_frame=int(end_frame) + 1)
        .filter("setpts", f"N*{rate.denominator}/({rate.numerator}*TB)")
    )
    video = even_size(video, info.width, info.height)
    return h264_output_argv(
        video,
        dst,
        info.fps_fraction,
        preset=preset,
        crf=crf,
        gop=gop,
        map_metadata=-1,
        map_chapters=-1,  # no titles, GPS or device names in a release
    )


def cut_clip(
    src: StrPath,
    dst: StrPath,
    start_frame: int,
    end_frame: int,
    info: VideoInfo,
    *,
    on_progress: Callable[[float], None] | None = None,
    preset: str = "veryfast",
    crf: int = 18,
) -> VideoInfo:
    """Cut frames ``start_frame..end_frame`` (inclusive) of ``src`` into ``dst``; verify it.

    ``info`` is ``src``'s :func:`probe_video` result. Returns the clip's VideoInfo: exactly
    ``end_frame - start_frame + 1`` frames at ``info``'s rate, starting at 0, no audio.
    """
    _check_range(start_frame, end_frame, info)
    expected = end_frame - start_frame + 1
    # trim has to decode every frame before end_frame, so progress counts those too.
    run_ffmpeg_with_progress(
        cut_command(src, dst, start_frame, end_frame, info, preset=preset, crf=crf),
        expected,
        on_progress,
    )
    out = verify_output(dst, expected, info.fps_fraction, "The cut clip")
    if on_progress is not None:
        on_progress(1.0)
    return out


def strip_audio(src: StrPath, dst: StrPath) -> None:
    """Copy ``src``'s first video stream into ``dst`` bit for bit, without audio, subtitles,
    data streams, chapters or container metadata; verify that no audio stream is left."""
    argv = (
        ffmpeg.input(os.fspath(src))
        .output(
            os.fspath(dst),
            map="0:V:0",
            vcodec="copy",
            an=None,
            sn=None,
            dn=None,
            map_metadata=-1,
            map_chapters=-1,
        )
        .global_args(*FFMPEG[1:])
        .overwrite_output()
        .compile()
    )
    run_ffmpeg(argv)
    if audio_stream_count(dst):
        raise MediaError("transcode_failed", "The copy without audio still has an audio stream.")
