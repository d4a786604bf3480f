"""Pose stage speed on a GPU: frames/s of the bare OpenPifPaf predictor and of the app's
`extract_poses` on the same in-memory frames, at the app's settings (POSE_LONG_EDGE 641), for a
few batch sizes, with peak GPU memory, plus a CPU reference row measured in the same run.

Run: python bench/pose_gpu.py --device cuda [--frames 96] [--size 1280x720] [--batch-sizes 1,8,16]
CPU smoke test: python bench/pose_gpu.py --device cpu --frames 8 --size 320x180 --batch-sizes 1,4
    --reps 1 --cpu-frames 0

Imports only `pipeline.pose_openpifpaf` (pure: numpy, OpenPifPaf, torch; no Django) and the
numbered frames of `tests/media_factory` (pure numpy): no ffmpeg is needed, so `pipeline.frames`
(an ffmpeg pipe) is not timed; `bench/pose_overhead.py` times the decode on CPU. The network is
untrained (built offline by `build_untrained_checkpoint`): its cost per frame is a trained one's,
but the decoder sees random fields, so the decoder's share can differ from a trained network's.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from pipeline.pose_openpifpaf import (  # noqa: E402
    PoseSettings,
    _import_openpifpaf,
    build_untrained_checkpoint,
    extract_poses,
    load_predictor,
)
from tests.support import media_factory as mf  # noqa: E402


def environment(device: str) -> dict:
    openpifpaf = _import_openpifpaf()  # with the app's matplotlib shim
    env = {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "openpifpaf": openpifpaf.__version__,
        "numpy": np.__version__,
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "cpu": platform.processor() or platform.machine(),
    }
    if device == "cuda":
        props = torch.cuda.get_device_properties(0)
        env.update(
            gpu=torch.cuda.get_device_name(0),
            sms=props.multi_processor_count,
            gpu_mem_gib=round(props.total_memory / 2**30, 1),
            cuda=torch.version.cuda,
            cudnn=torch.backends.cudnn.version(),
            tf32_cudnn=torch.backends.cudnn.allow_tf32,
            cudnn_benchmark=torch.backends.cudnn.benchmark,
        )
    return env


def sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def measure(predictor, frames: list[np.ndarray], device: str, reps: int) -> dict:
    """Median seconds of the bare predictor and of extract_poses over `frames`, interleaved."""
    height, width = frames[0].shape[:2]
    people: list[int] = []

    def bare() -> None:
        for _ in predictor.numpy_images(frames):
            pass

    def ours() -> None:
        result = extract_poses(
            iter(frames), predictor, num_frames=len(frames), width=width, height=height
        )
        people[:] = result.people_per_frame

    warm = frames[: max(2 * predictor.batch_size, 4)]
    for _ in predictor.numpy_images(warm):  # warm-up: allocations, cuDNN algorithm choice
        pass
    sync(device)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times: dict[str, list[float]] = {"bare": [], "extract_poses": []}
    nn = dec = 0.0
    for rep in range(reps):
        order = [("bare", bare), ("extract_poses", ours)]
        for name, run in order if rep % 2 == 0 else order[::-1]:
            nn0, dec0 = predictor.total_nn_time, predictor.total_decoder_time
            sync(device)
            start = time.perf_counter()
            run()
            sync(device)
            times[name].append(time.perf_counter() - start)
            if name == "bare":
                nn += predictor.total_nn_time - nn0
                dec += predictor.total_decoder_time - dec0
    bare_s, ours_s = (statistics.median(times[k]) for k in ("bare", "extract_poses"))
    return {
        "bare_s": bare_s,
        "ours_s": ours_s,
        "bare_fps": len(frames) / bare_s,
        "ours_fps": len(frames) / ours_s,
        "ratio": ours_s / bare_s,
        # OpenPifPaf's own split of the bare runs: network (forward + copy of the fields to the
        # host) and decoder; the rest is preprocessing (resize, pad, collate) in this process.
        "nn_share": nn / sum(times["bare"]),
        "decoder_share": dec / sum(times["bare"]),
        "people_per_frame": float(np.mean(people)) if people else 0.0,
        "peak_gib": torch.cuda.max_memory_allocated() / 2**30 if device == "cuda" else None,
        "all_s": times,
    }


def network_only(predictor, frames: list[np.ndarray], device: str, reps: int) -> tuple:
    """Frames/s of the network's forward pass alone on a preprocessed batch (the ceiling)."""
    openpifpaf = _import_openpifpaf()
    data = openpifpaf.datasets.NumpyImageList(
        frames[: predictor.batch_size], preprocess=predictor.preprocess
    )
    batch = torch.stack([data[i][0] for i in range(len(data))]).to(predictor.device)
    with torch.inference_mode():
        predictor.model(batch)
        sync(device)
        runs = []
        for _ in range(max(reps, 3)):
            start = time.perf_counter()
            predictor.model(batch)
            sync(device)
            runs.append(time.perf_counter() - start)
    return len(batch) / statistics.median(runs), tuple(batch.shape[2:])


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--frames", type=int, default=96)
    parser.add_argument("--size", default="1280x720", help="frame size WxH (720p by default)")
    parser.add_argument("--long-edge", type=int, default=641, help="POSE_LONG_EDGE")
    parser.add_argument("--batch-sizes", default="1,8,16")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--cpu-frames", type=int, default=16, help="frames for the CPU reference row (0: none)"
    )
    parser.add_argument("--cpu-batch-size", type=int, default=8)
    parser.add_argument("--base", default="shufflenetv2k16", help="network of the checkpoint")
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument(
        "--quiet-decoder",
        action="store_true",
        help="silence the C++ decoder's std::cout info lines (set_quiet); a "
        "workaround where printing them crashes (see docs/benchmarks.md)",
    )
    args = parser.parse_args()
    if args.quiet_decoder:
        _import_openpifpaf()
        torch.ops.openpifpaf.set_quiet(True)
    width, height = (int(v) for v in args.size.split("x"))
    frames = [mf.numbered_frame(i, width, height) for i in range(args.frames)]
    env = environment(args.device)
    print("environment:", json.dumps(env))
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        checkpoint = build_untrained_checkpoint(Path(tmp) / "ckpt.pkl", base_name=args.base)
        print(f"untrained {args.base} checkpoint built in {time.perf_counter() - start:.1f}s")
        plan = [(args.device, int(b), frames, args.reps) for b in args.batch_sizes.split(",")]
        if args.cpu_frames and args.device != "cpu":
            plan.append(("cpu", args.cpu_batch_size, frames[: args.cpu_frames], 1))
        for device, batch_size, clip, reps in plan:
            start = time.perf_counter()
            predictor = load_predictor(
                PoseSettings(
                    checkpoint=str(checkpoint),
                    batch_size=batch_size,
                    long_edge=args.long_edge,
                    device=device,
                )
            )
            loaded = time.perf_counter() - start
            row = measure(predictor, clip, device, reps)
            row["net_fps"], row["net_input"] = network_only(predictor, clip, device, reps)
            row.update(device=device, batch=batch_size, frames=len(clip), reps=reps, load_s=loaded)
            rows.append(row)
            print(
                f"{device} batch {batch_size}: bare {row['bare_fps']:.1f} fps, extract_poses "
                f"{row['ours_fps']:.1f} fps, ratio {row['ratio']:.3f}, network alone "
                f"{row['net_fps']:.1f} fps at {row['net_input']}, runs {row['all_s']}",
                flush=True,
            )
    print(
        f"\n{args.frames} frames {width}x{height}, long edge {args.long_edge}, {args.base} "
        "(untrained), median of reps, bare and extract_poses interleaved"
    )
    print(
        "| device | batch | frames x reps | network input | bare fps | extract_poses fps | "
        "ratio | network alone fps | nn / decoder share (bare) | people/frame | peak GPU mem |"
    )
    print("|---|---:|---:|---|---:|---:|---:|---:|---|---:|---:|")
    for r in rows:
        peak = f"{r['peak_gib']:.2f} GiB" if r["peak_gib"] is not None else "–"
        print(
            f"| {r['device']} | {r['batch']} | {r['frames']} x {r['reps']} | "
            f"{r['net_input'][1]}x{r['net_input'][0]} | {r['bare_fps']:.1f} | "
            f"{r['ours_fps']:.1f} | {r['ratio']:.3f} | {r['net_fps']:.1f} | "
            f"{r['nn_share']:.0%} / {r['decoder_share']:.0%} | {r['people_per_frame']:.1f} | "
            f"{peak} |"
        )
    gpu = [r for r in rows if r["device"] == "cuda"]
    cpu = [r for r in rows if r["device"] == "cpu"]
    if gpu and cpu:
        best = max(gpu, key=lambda r: r["ours_fps"])
        print(
            f"GPU (batch {best['batch']}) / CPU (batch {cpu[0]['batch']}) extract_poses: "
            f"{best['ours_fps'] / cpu[0]['ours_fps']:.1f}x"
        )
    if args.json:
        args.json.write_text(json.dumps({"environment": env, "rows": rows}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
