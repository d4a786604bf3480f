"""Benchmark: the app's cut (pipeline.cut.cut_clip) against the plain ffmpeg command.

Generates a 1280x720, 25 fps source with audio (testsrc2 + temporal noise, 440 Hz sine), then
cuts 10 s from its middle, alternating in one run (and swapping who goes first):
  (a) reference: the plain ffmpeg command with the same settings (trim by frame number,
      timestamps rebuilt, libx264 veryfast crf 18 gop 12, no B-frames, ``-an``), by subprocess;
  (b) ours: ``cut_clip`` (the same encode, plus progress reading and probing the output:
      exact frame count, rate, start 0, no audio stream).
Prints median wall time and the children's CPU time (user+sys) of each, the ratio ours /
reference (target <= 1.2; exit 1 if missed) and the machine's load average.

Usage: .venv/bin/python bench/cut_strip.py [--seconds 60] [--clip 10] [--reps 5] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout
from bench.machine import children_cpu, cpu_model  # noqa: E402
from pipeline.cut import cut_clip  # noqa: E402
from pipeline.media import probe_video  # noqa: E402
from pipeline.process import audio_stream_count  # noqa: E402
from pipeline.testsrc import make_test_pattern  # noqa: E402

TARGET_RATIO = 1.2
FPS = 25


def make_source(path: Path, seconds: int) -> None:
    """A busy 720p source with an audio track: the cut must drop it."""
    make_test_pattern(
        path,
        seconds,
        size="1280x720",
        fps=FPS,
        video_filter="noise=alls=12:allf=t",
        with_audio=True,
        preset="ultrafast",
        crf=18,
    )


def reference_argv(src: Path, dst: Path, start: int, end: int) -> list[str]:
    """What one would type: same filters and encoder settings as the app, written out."""
    return [
        "ffmpeg",
        "-nostdin",
        "-hide_banner",
        "-v",
        "error",
        "-y",
        "-i",
        str(src),
        "-map",
        "0:V:0",
        "-vf",
        f"trim=start_frame={start}:end_frame={end + 1},setpts=N/({FPS}*TB)",
        "-an",
        "-sn",
        "-dn",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "18",
        "-pix_fmt",
        "yuv420p",
        "-g",
        "12",
        "-keyint_min",
        "12",
        "-sc_threshold",
        "0",
        "-bf",
        "0",
        "-fps_mode",
        "passthrough",
        "-r",
        str(FPS),
        "-movflags",
        "+faststart",
        "-map_metadata",
        "-1",
        "-map_chapters",
        "-1",
        "-f",
        "mp4",
        str(dst),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--clip", type=int, default=10, help="seconds cut from the middle")
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / f"cut-source-{args.seconds}s.mp4"
        if not src.exists():
            print(
                f"generating {args.seconds} s 1280x720 {FPS} fps source with audio ...", flush=True
            )
            make_source(src, args.seconds)
        info = probe_video(src)
        assert info.has_audio and info.fps_fraction == f"{FPS}/1", info
        start = (info.num_frames - args.clip * FPS) // 2
        end = start + args.clip * FPS - 1
        print(f"source: {info}", flush=True)
        print(f"cut: frames {start}..{end} ({end - start + 1} frames)", flush=True)
        argv = reference_argv(src, work / "ref.mp4", start, end)
        print("reference argv:", " ".join(argv), flush=True)

        def reference() -> None:
            subprocess.run(argv, check=True)

        def ours() -> None:
            out = cut_clip(src, work / "ours.mp4", start, end, info)
            assert out.num_frames == end - start + 1 and not out.has_audio

        wall: dict[str, list[float]] = {"reference": [], "cut_clip": []}
        cpu: dict[str, list[float]] = {"reference": [], "cut_clip": []}
        load_before = os.getloadavg()
        for rep in range(args.reps):
            order = [("reference", reference), ("cut_clip", ours)]
            for name, run in order if rep % 2 == 0 else order[::-1]:
                cpu0, t0 = children_cpu(), time.perf_counter()
                run()
                wall[name].append(time.perf_counter() - t0)
                cpu[name].append(children_cpu() - cpu0)
            print(
                f"rep {rep + 1}: "
                + ", ".join(f"{n} {wall[n][-1]:.2f} s wall / {cpu[n][-1]:.2f} s CPU" for n in wall),
                flush=True,
            )
        load_after = os.getloadavg()
        # The two outputs must be the same clip: same frame count, no audio in either.
        ref_info = probe_video(work / "ref.mp4")
        assert ref_info.num_frames == end - start + 1, ref_info
        assert audio_stream_count(work / "ref.mp4") == audio_stream_count(work / "ours.mp4") == 0

    med = {n: (statistics.median(wall[n]), statistics.median(cpu[n])) for n in wall}
    ratio = med["cut_clip"][0] / med["reference"][0]
    cpu_ratio = med["cut_clip"][1] / med["reference"][1]
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    print()
    print(
        f"load average (1/5/15 min) before: {load_before[0]:.2f} / {load_before[1]:.2f} / "
        f"{load_before[2]:.2f}; after: {load_after[0]:.2f} / {load_after[1]:.2f} / "
        f"{load_after[2]:.2f} ({os.cpu_count()} CPUs)"
    )
    print(f"CPU: {cpu_model()} ({platform.machine()}), ffmpeg {version.split()[2]}")
    print(
        f"median of {args.reps} alternating runs; {args.seconds} s 1280x720 {FPS} fps source "
        f"with AAC audio; {args.clip} s cut from the middle; veryfast crf 18 gop 12"
    )
    print()
    print("| measure | plain ffmpeg (s) | cut_clip (s) | ratio (target <= 1.2) |")
    print("|---|---:|---:|---:|")
    print(f"| wall, median | {med['reference'][0]:.2f} | {med['cut_clip'][0]:.2f} | {ratio:.3f} |")
    print(
        f"| CPU (user+sys of children), median | {med['reference'][1]:.2f} "
        f"| {med['cut_clip'][1]:.2f} | {cpu_ratio:.3f} |"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
