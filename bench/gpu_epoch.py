"""Training throughput of the iMiGUE baselines on a GPU, and what one epoch would take.

For each recipe (LSTM, BLSTM, S-VAE, U-S-VAE, ST-GCN, TSM, emotion LSTM) the model, optimiser,
loss and training step are the shipped ones (``baselines.models.build_model``, the recipe's
config and batch size, ``baselines.train``'s loss and optimiser, the same autocast/GradScaler
calls and per-step ``.item()`` reads as ``train.fit``; deterministic algorithms on, as
``seed_everything`` sets them). Only the data is synthetic, shaped like the real pipeline's:

- pose clips ``(N, T, 22, 3)`` (x, y, score; joints under 0.1 zeroed), T drawn from the real
  label table's clip lengths of the cross-subject training subjects (end frame inclusive),
  padded to the batch's longest clip for the packed RNN recipes, resampled to 64 frames for
  ST-GCN;
- TSM: ``(N, 8, 3, 224, 224)`` float RGB;
- emotion LSTM: ``(N, L, 32)`` MG probability vectors, L = clips per video in the table.

Data loading (pose files, RGB decoding with ffmpeg, augmentation) is NOT timed: this is the
model's ceiling, which a loader has to feed. Epoch time = training-split size / clips per
second (13,935 clips; 102 videos for the emotion task).

Each row: warm-up steps, then timed steps (``torch.cuda.synchronize`` after each) until
``--steps`` or ``--max-seconds``. Precision "fp32" is ``--set amp=false``; "amp fp16" is what
``train.fit`` does on a GPU by default (autocast fp16 + GradScaler); "bf16" (extra rows, not a
recipe option) is autocast bf16 without a scaler. A CPU reference runs the first timed batches
of each model on the same machine's CPU (fp32), compared with the GPU's time on those batches.

    python bench/gpu_epoch.py --labels PATH [--device cuda] [--steps 30]
    python bench/gpu_epoch.py --device cpu --steps 1 --batch-size 2 --image-size 64  # smoke
"""

from __future__ import annotations

import argparse
import csv
import math
import platform
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout

from baselines.models import build_model  # noqa: E402
from baselines.recipes import load_recipe  # noqa: E402
from baselines.train import _batch_loss, _optimizer, seed_everything  # noqa: E402

LABELS = Path(__file__).resolve().parents[1].parent / "shared/reference/imigue/labels_20200831.csv"
# Cross-subject protocol (iMiGUE supplementary material): the 37 training subjects.
TRAIN_SUBJECTS = {
    2,
    4,
    5,
    6,
    9,
    10,
    12,
    13,
    14,
    15,
    17,
    18,
    20,
    21,
    22,
    23,
    25,
    28,
    29,
    30,
    31,
    35,
    36,
    38,
    39,
    41,
    42,
    43,
    44,
    46,
    47,
    48,
    52,
    53,
    59,
    61,
    62,
}
EMOTION_TRAIN_VIDEOS = 102  # 51 win + 51 lose
NUM_CLASSES = 32
MODELS = ("lstm", "blstm", "svae", "usvae", "stgcn", "tsm", "emotion_lstm")


def read_table(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Training clips' lengths (frames, end inclusive) and every video's number of clips."""
    lengths, per_video = [], Counter()
    with path.open(newline="") as f:
        for r in csv.DictReader(f):
            per_video[r["video_id"]] += 1
            if int(r["subject_id"]) in TRAIN_SUBJECTS:
                lengths.append(int(r["end_frame"]) - int(r["start_frame"]) + 1)
    return np.array(lengths), np.array(list(per_video.values()))


def pose_batch(rng: np.random.Generator, lengths: np.ndarray, size: int, fixed: int = 0):
    """``x (N, T, 22, 3)``, ``lengths (N,)`` (CPU), ``y (N,)``; zero padding as collate_padded."""
    lens = rng.choice(lengths, size) if not fixed else np.full(size, fixed)
    t = int(lens.max())
    x = np.zeros((size, t, 22, 3), np.float32)
    x[..., :2] = rng.normal(0.0, 0.1, (size, t, 22, 2))
    x[..., 2] = rng.random((size, t, 22))
    x[x[..., 2] < 0.1] = 0.0
    x[np.arange(t)[None] >= lens[:, None]] = 0.0
    y = rng.integers(0, NUM_CLASSES, size)
    return torch.from_numpy(x), torch.from_numpy(lens).long(), torch.from_numpy(y).long()


def video_batch(rng: np.random.Generator, per_video: np.ndarray, size: int):
    lens = rng.choice(per_video, size)
    x = np.zeros((size, int(lens.max()), NUM_CLASSES), np.float32)
    for i, n in enumerate(lens):
        p = rng.random((n, NUM_CLASSES)).astype(np.float32)
        x[i, :n] = p / p.sum(1, keepdims=True)
    return (
        torch.from_numpy(x),
        torch.from_numpy(lens).long(),
        torch.from_numpy(rng.integers(0, 2, size)).long(),
    )


def rgb_batch(gen: torch.Generator, size: int, segments: int, image: int):
    x = torch.rand(size, segments, 3, image, image, generator=gen)
    return x, torch.full((size,), segments), torch.randint(0, NUM_CLASSES, (size,), generator=gen)


def make_batches(name: str, recipe: dict, n: int, lengths, per_video) -> list:
    rng, gen = np.random.default_rng(0), torch.Generator().manual_seed(0)
    bs = recipe["batch_size"]
    if recipe.get("input") == "rgb":
        distinct = [
            rgb_batch(gen, bs, recipe["num_frames"], recipe["image_size"]) for _ in range(min(n, 4))
        ]  # same shape every step: a few suffice
        return [distinct[i % len(distinct)] for i in range(n)]
    if name == "emotion_lstm":
        return [video_batch(rng, per_video, bs) for _ in range(n)]
    fixed = recipe["num_frames"] if recipe.get("input") == "fixed" else 0
    return [pose_batch(rng, lengths, bs, fixed) for _ in range(n)]


def build(name: str, recipe: dict, device: torch.device):
    torch.manual_seed(0)
    if name == "emotion_lstm":
        model = build_model(recipe["model"], in_features=NUM_CLASSES, **recipe["model_cfg"])
    else:
        model = build_model(recipe["model"], num_classes=NUM_CLASSES, **recipe["model_cfg"])
    model = model.to(device).train()
    return model, _optimizer(model.parameters(), recipe["optimizer"])


def time_model(
    name: str,
    recipe: dict,
    batches: list,
    device: torch.device,
    precision: str,
    warmup: int,
    steps: int,
    max_s: float,
) -> dict:
    """Train steps exactly as ``train.fit`` runs them; per-step wall times after warm-up."""
    cuda = device.type == "cuda"
    if cuda:
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    model, opt = build(name, recipe, device)
    amp = precision != "fp32"
    dtype = torch.bfloat16 if precision == "bf16" else torch.float16
    scaler = torch.amp.GradScaler("cuda", enabled=cuda and precision == "amp fp16")
    unsupervised = recipe["kind"] == "usvae"

    def step(batch) -> None:
        x, lengths, y = batch
        x, y = x.to(device), y.to(device)
        with torch.autocast(device.type, dtype=dtype, enabled=amp):
            loss, logits = _batch_loss(model, x, lengths, y, unsupervised)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.step(opt)
        scaler.update()
        loss.item()
        if logits is not None:
            (logits.argmax(1) == y).sum().item()

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    for i in range(warmup):
        step(batches[i % len(batches)])
    sync()
    times, clips, start = [], 0, time.perf_counter()
    for i in range(steps):
        batch = batches[(warmup + i) % len(batches)]
        t0 = time.perf_counter()
        step(batch)
        sync()
        times.append(time.perf_counter() - t0)
        clips += len(batch[2])
        if time.perf_counter() - start > max_s:
            break
    total = sum(times)
    return {
        "times": times,
        "clips": clips,
        "clips_s": clips / total,
        "steps_s": len(times) / total,
        "peak": torch.cuda.max_memory_allocated() / 2**30 if cuda else float("nan"),
        "params": sum(p.numel() for p in model.parameters()),
    }


def fmt_time(seconds: float) -> str:
    if not math.isfinite(seconds):
        return "–"
    m, s = divmod(round(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}h{m:02d}m" if h else (f"{m}m{s:02d}s" if m else f"{s}s")


def describe(device: torch.device) -> None:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    print(
        f"python {platform.python_version()}, torch {torch.__version__}, CUDA "
        f"{torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}, numpy {np.__version__}"
    )
    print(f"CPU: {cpu}, {torch.get_num_threads()} torch threads")
    if device.type == "cuda":
        p = torch.cuda.get_device_properties(device)
        print(
            f"GPU: {p.name}, {p.total_memory / 2**30:.1f} GiB, {p.multi_processor_count} SMs; "
            f"TF32 matmul {torch.backends.cuda.matmul.allow_tf32}, "
            f"TF32 cuDNN {torch.backends.cudnn.allow_tf32}, "
            f"cudnn.benchmark {torch.backends.cudnn.benchmark}"
        )
        try:
            out = subprocess.run(
                [
                    "nvidia-smi",
                    "--query-gpu=name,driver_version,memory.total,clocks.max.sm",
                    "--format=csv,noheader",
                ],
                capture_output=True,
                text=True,
                timeout=20,
            ).stdout.strip()
            print(f"nvidia-smi: {out}")
        except (OSError, subprocess.SubprocessError) as e:
            print(f"nvidia-smi: unavailable ({e})")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--labels", type=Path, default=LABELS)
    p.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    p.add_argument("--models", default=",".join(MODELS))
    p.add_argument(
        "--precisions",
        default="fp32,amp fp16",
        help="for every model; 'amp fp16' is train.fit's GPU default",
    )
    p.add_argument("--bf16", default="stgcn,tsm", help="models that get an extra bf16 row")
    p.add_argument("--warmup", type=int, default=3)
    p.add_argument("--steps", type=int, default=30)
    p.add_argument("--max-seconds", type=float, default=6.0, help="per row, timed part")
    p.add_argument(
        "--cpu-steps",
        type=int,
        default=None,
        help="CPU reference steps per model (default 2 with a GPU, else 0)",
    )
    p.add_argument("--cpu-max-seconds", type=float, default=6.0)
    p.add_argument(
        "--budget",
        type=float,
        default=250.0,
        help="wall seconds; rows that would start later are skipped",
    )
    p.add_argument("--batch-size", type=int, default=0, help="override every recipe's (smoke)")
    p.add_argument("--image-size", type=int, default=0, help="override TSM's 224 (smoke)")
    p.add_argument("--train-clips", type=int, default=13935)
    p.add_argument(
        "--nondeterministic",
        action="store_true",
        help="skip seed_everything's torch.use_deterministic_algorithms(True)",
    )
    args = p.parse_args()
    began = time.perf_counter()
    device = torch.device(args.device)
    cpu_steps = (
        args.cpu_steps if args.cpu_steps is not None else (2 if device.type == "cuda" else 0)
    )
    seed_everything(0)
    if args.nondeterministic:
        torch.use_deterministic_algorithms(False)
    describe(device)
    lengths, per_video = read_table(args.labels)
    print(
        f"label table: {len(lengths)} cross-subject training clips, lengths median "
        f"{int(np.median(lengths))}, mean {lengths.mean():.0f}, p90 "
        f"{int(np.percentile(lengths, 90))}, max {lengths.max()} frames; {len(per_video)} "
        f"videos, median {int(np.median(per_video))} clips each"
    )
    print(f"deterministic algorithms: {torch.are_deterministic_algorithms_enabled()}\n")

    rows, reference = [], []
    names = [m for m in args.models.split(",") if m]
    for name in names:
        recipe = load_recipe("emotion_lstm" if name == "emotion_lstm" else name)
        if args.batch_size:
            recipe["batch_size"] = args.batch_size
        if args.image_size and recipe.get("input") == "rgb":
            recipe["image_size"] = args.image_size
        n = args.warmup + args.steps
        batches = make_batches(name, recipe, n, lengths, per_video)
        epoch_items = EMOTION_TRAIN_VIDEOS if name == "emotion_lstm" else args.train_clips
        precisions = [q.strip() for q in args.precisions.split(",")]
        if device.type != "cuda":
            precisions = ["fp32"]
        elif name in args.bf16.split(","):
            precisions.append("bf16")
        gpu_fp32 = None
        for precision in precisions:
            if time.perf_counter() - began > args.budget:
                print(f"skipped {name} {precision}: over --budget")
                continue
            try:
                r = time_model(
                    name,
                    recipe,
                    batches,
                    device,
                    precision,
                    args.warmup,
                    args.steps,
                    args.max_seconds,
                )
            except Exception as e:  # one failing row must not lose the others
                print(f"{name} {precision}: FAILED {type(e).__name__}: {e}")
                continue
            if precision == "fp32":
                gpu_fp32 = r
            rows.append((name, recipe["batch_size"], precision, r, epoch_items))
            ms = sorted(1000 * t for t in r["times"])
            print(
                f"{name} {precision}: {len(ms)} steps, ms/step min {ms[0]:.1f} median "
                f"{ms[len(ms) // 2]:.1f} max {ms[-1]:.1f}, {r['clips_s']:.1f} clips/s, epoch "
                f"{fmt_time(epoch_items / r['clips_s'])}, peak {r['peak']:.2f} GiB",
                flush=True,
            )
        if cpu_steps and time.perf_counter() - began <= args.budget:
            try:
                # Warm up on batch 0, then time the GPU's first timed batches.
                r = time_model(
                    name,
                    recipe,
                    batches[:1] + batches[args.warmup :],
                    torch.device("cpu"),
                    "fp32",
                    1,
                    cpu_steps,
                    args.cpu_max_seconds,
                )
            except Exception as e:
                print(f"{name} CPU reference: FAILED {type(e).__name__}: {e}")
            else:
                k = len(r["times"])
                ok = gpu_fp32 is not None and len(gpu_fp32["times"]) >= k
                gpu = sum(gpu_fp32["times"][:k]) if ok else float("nan")
                reference.append((name, recipe["batch_size"], k, r, sum(r["times"]) / gpu))
                print(f"{name} CPU fp32: {k} steps, {r['clips_s']:.2f} clips/s", flush=True)

    print(
        "\n| model | params | batch | precision | steps timed | ms/step | steps/s | clips/s "
        "| epoch (est.) | peak GPU mem |"
    )
    print("| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, bs, precision, r, items in rows:
        ms = 1000 * sum(r["times"]) / len(r["times"])
        peak = f"{r['peak']:.2f} GiB" if math.isfinite(r["peak"]) else "–"
        print(
            f"| {name} | {r['params'] / 1e6:.2f} M | {bs} | {precision} | {len(r['times'])} "
            f"| {ms:.1f} | {r['steps_s']:.2f} | {r['clips_s']:.1f} | "
            f"{fmt_time(items / r['clips_s'])} ({items}) | {peak} |"
        )
    if reference:
        print(
            "\n| model | batch | CPU steps | CPU clips/s | CPU epoch (est.) | GPU fp32 speed-up, "
            "same batches |"
        )
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        for name, bs, k, r, ratio in reference:
            items = EMOTION_TRAIN_VIDEOS if name == "emotion_lstm" else args.train_clips
            print(
                f"| {name} | {bs} | {k} | {r['clips_s']:.2f} | {fmt_time(items / r['clips_s'])} "
                f"| {ratio:.1f}× |"
            )
    print(f"\ntotal wall time {time.perf_counter() - began:.0f} s")


if __name__ == "__main__":
    main()
