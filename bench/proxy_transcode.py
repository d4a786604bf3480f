"""Benchmark: make_proxy against the bare ffmpeg command it runs.

Generates a 1280x720, 25 fps test clip, then times, alternating in one run:
  (a) reference: the argv from ``proxy_command`` run by subprocess, no progress reading;
  (b) ours: ``make_proxy`` (progress parsing + probing/verifying the output).
Reports the median wall time of each and the ratio ours / reference (target <= 1.2), plus
the children's CPU time, which a busy shared machine disturbs less than wall time.

Usage: .venv/bin/python bench/proxy_transcode.py [--seconds 60] [--reps 3] [--workdir DIR]
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
from pipeline.media import make_proxy, probe_video, proxy_command  # noqa: E402
from pipeline.testsrc import make_test_pattern  # noqa: E402

TARGET_RATIO = 1.2


def make_source(path: Path, seconds: int) -> None:
    """A busy synthetic clip (testsrc2 + noise) so the encoder does real work."""
    make_test_pattern(
        path,
        seconds,
        size="1280x720",
        video_filter="noise=alls=12:allf=t",
        preset="ultrafast",
        crf=18,
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        work = args.workdir or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        src = work / "bench-source.mp4"
        if not src.exists():
            print(f"generating {args.seconds} s 1280x720 25 fps source ...", flush=True)
            make_source(src, args.seconds)
        info = probe_video(src)
        print(f"source: {info}", flush=True)
        argv = proxy_command(src, work / "ref.mp4", info, preset="veryfast", crf=23, gop=12)
        print("reference argv:", " ".join(argv), flush=True)

        def reference() -> None:
            subprocess.run(argv, check=True)

        def ours() -> None:
            out = make_proxy(src, work / "ours.mp4", info)
            assert out.num_frames == info.num_frames

        wall: dict[str, list[float]] = {"reference": [], "make_proxy": []}
        cpu: dict[str, list[float]] = {"reference": [], "make_proxy": []}
        load_before = os.getloadavg()[0]
        for rep in range(args.reps):
            # Alternate (and swap who goes first) so drift in machine load hits both alike.
            order = [("reference", reference), ("make_proxy", ours)]
            for name, run in order if rep % 2 == 0 else order[::-1]:
                cpu0, start = children_cpu(), time.perf_counter()
                run()
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(children_cpu() - cpu0)
            print(
                f"rep {rep + 1}: "
                + ", ".join(f"{n} {wall[n][-1]:.2f} s wall / {cpu[n][-1]:.2f} s CPU" for n in wall),
                flush=True,
            )
        load_after = os.getloadavg()[0]
        # make_proxy's own extra work, measured alone: the verifying probe of its output.
        start = time.perf_counter()
        probe_video(work / "ours.mp4")
        verify = time.perf_counter() - start

    med = {n: (statistics.median(wall[n]), statistics.median(cpu[n])) for n in wall}
    ratio = med["make_proxy"][0] / med["reference"][0]
    cpu_ratio = med["make_proxy"][1] / med["reference"][1]
    print()
    print(f"load average (1 min) before/after: {load_before:.2f} / {load_after:.2f}")
    print(f"verification alone (probe_video of the proxy): {verify:.2f} s")
    version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout
    print(f"CPU: {cpu_model()} ({platform.machine()}), ffmpeg {version.split()[2]}")
    print(
        f"median of {args.reps} runs, {args.seconds} s 1280x720 25 fps source, "
        "preset=veryfast crf=23 gop=12"
    )
    print()
    print("| measure | reference ffmpeg (s) | make_proxy (s) | ratio (target <= 1.2) |")
    print("|---|---:|---:|---:|")
    print(
        f"| wall, median | {med['reference'][0]:.2f} | {med['make_proxy'][0]:.2f} | {ratio:.3f} |"
    )
    print(
        f"| CPU (user+sys), median | {med['reference'][1]:.2f} | {med['make_proxy'][1]:.2f} "
        f"| {cpu_ratio:.3f} |"
    )
    return 0 if ratio <= TARGET_RATIO else 1


if __name__ == "__main__":
    raise SystemExit(main())
