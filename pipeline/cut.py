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
import subprocess
from collections.abc import Callable
from fractions import Fraction

import ffmpeg

from pipeline.media import (
    MediaError,
    StrPath,
    VideoInfo,
    _die_with_parent,
    _transcode_error,
    run_ffmpeg_with_progress,
    verify_output,
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
    if info.width % 2 or info.height % 2:
        video = video.filter("pad", "ceil(iw/2)*2", "ceil(ih/2)*2")
    out = ffmpeg.output(
        video,
        os.fspath(dst),
        format="mp4",
        vcodec="libx264",
        preset=preset,
        crf=crf,
        pix_fmt="yuv420p",
        g=gop,
        keyint_min=gop,
        sc_threshold=0,
        bf=0,
        fps_mode="passthrough",
        r=info.fps_fraction,
        movflags="+faststart",
        an=None,
        sn=None,
        dn=None,
        map_metadata=-1,
        map_chapters=-1,  # no titles, GPS or device names in a release
    )
    return out.global_args("-nostdin", "-hide_banner", "-v", "error").overwrite_output().compile()


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


def audio_stream_count(path: StrPath) -> int:
    """How many audio streams ffprobe finds in ``path``."""
    try:
        info = ffmpeg.probe(
            os.fspath(path), v="error", select_streams="a", show_entries="stream=index"
        )
    except ffmpeg.Error:
        raise MediaError("not_a_video", "This file is not a media file ffmpeg can read.") from None
    return len(info.get("streams", []))


def count_frames(path: StrPath) -> int:
    """Frames in the first video stream, counted by demuxing (``ffprobe -count_packets``)."""
    try:
        info = ffmpeg.probe(
            os.fspath(path),
            v="error",
            select_streams="V:0",
            count_packets=None,
            show_entries="stream=nb_read_packets",
        )
    except ffmpeg.Error:
        raise MediaError("not_a_video", "This file is not a video ffmpeg can read.") from None
    streams = info.get("streams") or [{}]
    return int(streams[0].get("nb_read_packets") or 0)


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
        .global_args("-nostdin", "-hide_banner", "-v", "error")
        .overwrite_output()
        .compile()
    )
    proc = subprocess.run(argv, capture_output=True, check=False, preexec_fn=_die_with_parent)
    stderr = proc.stderr.decode(errors="replace")
    if proc.returncode != 0 or stderr.strip():
        raise _transcode_error(stderr)
    if audio_stream_count(dst):
        raise MediaError("transcode_failed", "The copy without audio still has an audio stream.")
