"""Benchmark: machine proposals with the category required, on iMiGUE video 298.

The only public video with both skeletons and labels is video 298 (one subject, 56 labelled
gestures over 14 minutes). Nothing of its second half may be used for training, so the suggester
is trained on its first half only and reported on its second half only:

- release: the first half's labelled gestures (frames < 10,534) as clips, their poses cut from
  the video's real OpenPose skeletons (as the app's whole-video pose file holds them, 22 joints);
  every 5th in time order is the release's test side, the rest train the model;
- models: the ``lstm`` and ``stgcn`` recipes as they are (docs/design.md §11), seed 0, CPU;
- proposals: the app's default detector on the whole video, kept where they lie in the second
  half; each gets the category of its window the model finds most likely (what the proposals
  job stores);
- scores: precision, recall and F1 at tIoU ≥ 0.3 and ≥ 0.5 with the category required (a pair
  needs the same category), against the second half's 23 gestures. References in the same run:
  the class-agnostic figures (the ceiling a perfect suggester would reach) and every proposal
  labelled with the first half's most frequent class.

Usage: .venv/bin/python bench/proposal_suggester.py [--models lstm,stgcn] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from annotator.proposals import propose  # noqa: E402
from annotator.proposals.evaluate import evaluate  # noqa: E402
from bench.machine import machine_line  # noqa: E402
from tests.support import video298  # noqa: E402
from tests.support.release_factory import NUM_IMIGUE_CLASSES, imigue_label, write_release  # noqa: E402

FPS = video298.FPS


def first_half_release(root: Path, kp, gestures, test_every: int = 5) -> Path:
    clips, poses = [], {}
    for k, (start, end, cls) in enumerate(gestures):
        clip_id = f"0298_{k}"
        clips.append(
            {
                "clip_id": clip_id,
                "video_id": 298,
                "subject_id": "22",
                "category_code": cls,
                "label": imigue_label(cls),
                "start_frame": start,
                "end_frame": end,
                "num_frames": end - start + 1,
                "origin": "imported",
            }
        )
        poses[clip_id] = (kp[start : end + 1], "imigue22")
    test = {c["clip_id"] for k, c in enumerate(clips) if k % test_every == test_every - 1}
    split = {
        part: {"subject_ids": ["22"], "clip_ids": [c["clip_id"] for c in clips if keep(c)]}
        for part, keep in (
            ("train", lambda c: c["clip_id"] not in test),
            ("test", lambda c: c["clip_id"] in test),
        )
    }
    # Imported videos have no frame size: windows are scaled by their own extent, as in the app.
    videos = [
        {
            "video_id": 298,
            "subject_id": "22",
            "fps": 25,
            "num_frames": len(kp),
            "width": 0,
            "height": 0,
            "emotion": "negative",
        }
    ]
    emotion = {"train": {"video_ids": [298]}, "test": {"video_ids": []}}
    root = write_release(root, clips, videos, split, emotion, NUM_IMIGUE_CLASSES, poses)
    # The real table's codes (1..31, 99) per label, as a release of the app writes them.
    taxonomy = {
        "categories": [
            {"code": 99 if label == 31 else label + 1, "label_index": label}
            for label in range(NUM_IMIGUE_CLASSES)
        ]
    }
    (root / "taxonomy.json").write_text(json.dumps(taxonomy))
    return root


def row(name: str, ev) -> str:
    s3, s5 = ev.at_theta
    return (
        f"| {name} | {ev.proposals} | {s3.precision:.2f} | {s3.recall:.2f} | **{s3.f1:.2f}** | "
        f"{s5.precision:.2f} | {s5.recall:.2f} | {s5.f1:.2f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="lstm,stgcn")
    parser.add_argument("--epochs", type=int, default=None, help="default: the recipe's own")
    args = parser.parse_args()
    if not video298.available():
        print(f"the iMiGUE reference files are not in {video298.SKELETONS.parent}")
        return 1
    import torch

    from baselines.predict import load_classifier, predict_windows
    from baselines.recipes import load_recipe
    from baselines.train import train

    torch.set_num_threads(1)
    kp = video298.skeleton22()
    truth = video298.labels()
    half = len(kp) // 2
    first = [g for g in truth if g[1] < half]
    second = [(s - half, e - half, c) for s, e, c in truth if s >= half]
    found = [p for p in propose(kp, FPS) if p.start >= half]
    windows = [kp[p.start : p.end + 1] for p in found]
    bounds = [(p.start - half, p.end - half) for p in found]
    frames = len(kp) - half

    def scored(categories, by_category=True):
        ranked = [(s, e, c) for (s, e), c in zip(bounds, categories, strict=True)]
        return evaluate(ranked, second, frames, by_category=by_category)

    majority = Counter(c for _, _, c in first).most_common(1)[0][0]
    print(f"machine: {machine_line()}")
    print(
        f"video 298: first half {len(first)} gestures in {len({c for *_, c in first})} classes "
        f"(training), second half {len(second)} gestures in {len({c for *_, c in second})} "
        f"classes (reported), {len(found)} proposals in the second half; second-half classes "
        f"seen in the first half: {len({c for *_, c in second} & {c for *_, c in first})}\n"
    )
    print(
        "| categories (second half) | proposals | P@0.3 | R@0.3 | F1@0.3 | P@0.5 | R@0.5 | F1@0.5 |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    print(row("class-agnostic (ceiling)", scored([0] * len(found), by_category=False)))
    print(
        row(
            f"every proposal C{majority} (first half's most frequent)",
            scored([majority] * len(found)),
        )
    )
    with tempfile.TemporaryDirectory(prefix="mgstudio-suggester-") as tmp:
        release = first_half_release(Path(tmp) / "release", kp, first)
        for name in args.models.split(","):
            recipe = load_recipe(name, **({"epochs": args.epochs} if args.epochs else {}))
            t0 = time.perf_counter()
            metrics = train(recipe, release, Path(tmp) / name, device="cpu")
            trained = time.perf_counter() - t0
            classifier = load_classifier(Path(tmp) / name)
            t0 = time.perf_counter()
            probs = predict_windows(classifier, windows, 0, 0)
            predicted = time.perf_counter() - t0
            categories = [classifier.classes[int(i)] for i in probs.argmax(axis=1)]
            print(
                row(
                    f"{name} suggester (trained {trained:.0f} s; first-half test top-1 "
                    f"{metrics['top1']:.2f}; {predicted * 1000:.0f} ms for the windows)",
                    scored(categories),
                )
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
