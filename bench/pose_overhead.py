"""Pose stage overhead: extract_poses (decode + batched OpenPifPaf + main-subject tracking) vs
the bare OpenPifPaf predictor on the same frames already in memory. Target: ≤ 1.10×.

Run: .venv/bin/python bench/pose_overhead.py [--frames 48] [--reps 3]
The network is untrained (no weights can be downloaded here): its cost per frame is the same as
a trained one's, though the decoder sees different (random) fields.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.frames import iter_frames  # noqa: E402
from pipeline.pose_openpifpaf import (  # noqa: E402
    PoseSettings,
    build_untrained_checkpoint,
    extract_poses,
    load_predictor,
)
from tests.support import media_factory as mf  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--frames", type=int, default=48)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size", default="640x360")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        clip = mf.make_numbered_video(Path(tmp) / "clip.mp4", args.frames, size=(width, height))
        checkpoint = build_untrained_checkpoint(Path(tmp) / "ckpt.pkl")
        predictor = load_predictor(PoseSettings(checkpoint=str(checkpoint), long_edge=width))
        frames = list(iter_frames(clip))

        def bare() -> None:
            for _ in predictor.numpy_images(frames):
                pass

        def ours() -> None:
            extract_poses(
                iter_frames(clip), predictor, num_frames=args.frames, width=width, height=height
            )

        bare()  # warm-up: first-call allocations
        times = {"bare predictor": [], "extract_poses": []}
        for rep in range(args.reps):
            order = [("bare predictor", bare), ("extract_poses", ours)]
            for name, run in order if rep % 2 == 0 else order[::-1]:
                start = time.perf_counter()
                run()
                times[name].append(time.perf_counter() - start)
    ref, mine = (statistics.median(times[k]) for k in ("bare predictor", "extract_poses"))
    print(
        f"{args.frames} frames {width}x{height}, batch {predictor.batch_size}, "
        f"median of {args.reps}"
    )
    print("| run | seconds | frames/s |\n|---|---:|---:|")
    for name, value in (("bare predictor", ref), ("extract_poses", mine)):
        print(f"| {name} | {value:.2f} | {args.frames / value:.2f} |")
    print("all runs (s):", {k: [round(t, 2) for t in v] for k, v in times.items()})
    print(f"ratio {mine / ref:.3f} (target ≤ 1.10)")
    return 0 if mine / ref <= 1.10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
