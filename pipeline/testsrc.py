"""Synthetic videos from ffmpeg's test sources: the demo's sample videos and the benchmarks'
sources. Tests make their own frame-numbered media (tests/support/media_factory.py)."""

from __future__ import annotations

from pipeline.process import FFMPEG, StrPath, run_ffmpeg


def make_test_pattern(
    path: StrPath,
    seconds: float,
    *,
    size: str = "640x360",
    fps: int | str = 25,
    video_filter: str | None = None,
    with_audio: bool = False,
    preset: str = "veryfast",
    crf: int = 23,
) -> None:
    """Write ``seconds`` of ``testsrc2`` (moving colour bars and a counter) as H.264 MP4.

    ``video_filter`` is an ffmpeg filter chain (e.g. ``"noise=alls=12:allf=t"`` so the encoder
    works as hard as on real footage); ``with_audio`` adds a 440 Hz tone as AAC."""
    argv = [*FFMPEG, "-y", "-f", "lavfi", "-i", f"testsrc2=size={size}:rate={fps}"]
    if with_audio:
        argv += ["-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"]
    argv += ["-t", str(seconds)]
    if video_filter:
        argv += ["-vf", video_filter]
    argv += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
    if with_audio:
        argv += ["-c:a", "aac"]
    run_ffmpeg([*argv, str(path)])
