"""Training throughput of an RNN baseline with packed vs padded batches, on this machine's CPU.

Same model, same batches, same clip lengths: the lengths are drawn from the real iMiGUE label
table (``../shared/reference/imigue/labels_20200831.csv``, end frame inclusive), so the spread
of a padded batch is the one training would see. "padded" runs the RNN over every padded step
(what a model without ``lengths`` does); "packed" packs each batch by its true lengths. The
"length-bucketed" rows regroup the same clips into batches of similar length.

    .venv/bin/python bench/train_throughput.py [--batches 12] [--batch-size 32]
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout
from baselines.models import build_model  # noqa: E402
from bench.machine import cpu_model  # noqa: E402

LABELS = Path(__file__).resolve().parents[1].parent / "shared/reference/imigue/labels_20200831.csv"


def clip_lengths() -> np.ndarray:
    with LABELS.open(newline="") as f:
        return np.array(
            [int(r["end_frame"]) - int(r["start_frame"]) + 1 for r in csv.DictReader(f)]
        )


def make_batches(lengths: np.ndarray, n: int, size: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    batches = []
    for _ in range(n):
        lens = torch.tensor(rng.choice(lengths, size), dtype=torch.long)
        x = torch.zeros(size, int(lens.max()), 22, 3)
        for i, t in enumerate(lens):
            x[i, :t] = torch.randn(int(t), 22, 3, generator=torch.Generator().manual_seed(i))
        batches.append((x, lens, torch.randint(0, 32, (size,))))
    return batches


def bucket(batches):
    """The same clips regrouped by length (a bucketing sampler): little padding per batch."""
    clips = [(x[i, : int(n)], n, y[i]) for x, lens, y in batches for i, n in enumerate(lens)]
    clips.sort(key=lambda c: int(c[1]))
    size, out = len(batches[0][1]), []
    for k in range(0, len(clips), size):
        chunk = clips[k : k + size]
        lens = torch.stack([c[1] for c in chunk])
        x = torch.nn.utils.rnn.pad_sequence([c[0] for c in chunk], batch_first=True)
        out.append((x, lens, torch.stack([c[2] for c in chunk])))
    return out


def run(batches, packed: bool, model_name: str) -> tuple[float, float]:
    """Sequences per second over forward + backward + optimiser step: (wall, process CPU).

    CPU time is reported too because the machine is shared: other jobs stretch wall time.
    """
    torch.manual_seed(0)
    model = build_model(model_name, num_classes=32, hidden_size=128, num_layers=2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, lens, y = batches[0]  # warm-up: first-call allocations are not throughput
    F.cross_entropy(model(x, lens if packed else None), y).backward()
    start, cpu, seqs = time.perf_counter(), time.process_time(), 0
    for x, lens, y in batches:
        loss = F.cross_entropy(model(x, lens if packed else None), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        seqs += len(y)
    return seqs / (time.perf_counter() - start), seqs / (time.process_time() - cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batches", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--model", default="blstm", choices=["lstm", "blstm"])
    parser.add_argument("--reps", type=int, default=3, help="alternating repetitions; median")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    lengths = clip_lengths()
    batches = make_batches(lengths, args.batches, args.batch_size)
    real = sum(int(b[1].sum()) for b in batches)
    padded_steps = sum(int(b[1].max()) * len(b[1]) for b in batches)
    print(f"CPU: {cpu_model()}, {torch.get_num_threads()} torch threads, torch {torch.__version__}")
    print(
        f"iMiGUE clip lengths (frames): median {int(np.median(lengths))}, p90 "
        f"{int(np.percentile(lengths, 90))}, max {lengths.max()}; padding share in these "
        f"batches: {1 - real / padded_steps:.0%}"
    )
    print(
        f"model {args.model} (2 × 128, 22 joints × 3), batch {args.batch_size}, "
        f"{args.batches} batches each, median of {args.reps} alternating runs\n"
    )
    sets = {
        "padded": (batches, False),
        "packed": (batches, True),
        "padded, length-bucketed": (bucket(batches), False),
        "packed, length-bucketed": (bucket(batches), True),
    }
    results = {name: [] for name in sets}
    for _ in range(args.reps):  # alternate so that load changes hit every variant alike
        for name, (data, packed) in sets.items():
            results[name].append(run(data, packed, args.model))
    med = {
        k: (statistics.median(w for w, _ in v), statistics.median(c for _, c in v))
        for k, v in results.items()
    }
    print("| batches | sequences/s (wall) | sequences/s (CPU time) | ratio to padded (wall) |")
    print("| --- | --- | --- | --- |")
    for name, (wall, cpu) in med.items():
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {wall / med['padded'][0]:.2f} |")


if __name__ == "__main__":
    main()
