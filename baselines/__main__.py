"""Command line: ``python -m baselines {train,evaluate,trivial} ...``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from baselines.recipes import RECIPES


def _parse_value(text: str):
    # --set values are JSON when they parse as JSON (numbers, lists, null), else plain strings.
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m baselines")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("train", help="train a recipe on a release into a run folder")
    p.add_argument("--recipe", required=True, choices=RECIPES)
    p.add_argument("--release", required=True, type=Path)
    p.add_argument("--out", required=True, type=Path)
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a recipe entry, e.g. epochs=5 or model_cfg.hidden_size=64",
    )
    p.add_argument("--device", default=None)
    p = sub.add_parser("evaluate", help="(re)write the report of a finished run")
    p.add_argument("--run", required=True, type=Path)
    p.add_argument("--json", action="store_true")
    p = sub.add_parser("trivial", help="majority-class Top-1 and class-prior Top-5 of a split")
    p.add_argument("--release", required=True, type=Path)
    p.add_argument("--protocol", default="cross_subject")
    p.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    if args.command == "train":
        from baselines.recipes import load_recipe
        from baselines.train import train

        overrides = dict(kv.split("=", 1) for kv in args.set)
        recipe = load_recipe(args.recipe, **{k: _parse_value(v) for k, v in overrides.items()})

        def progress(epoch: int, loss: float, acc: float | None) -> None:
            shown = "" if acc is None else f"  train acc {acc:.3f}"
            print(f"epoch {epoch + 1}/{recipe['epochs']}  loss {loss:.4f}{shown}", flush=True)

        metrics = train(recipe, args.release, args.out, progress, args.device)
        print(json.dumps({k: metrics[k] for k in ("top1", "top5", "mean_class_accuracy")}))
    elif args.command == "evaluate":
        from baselines.evaluate import write_report

        metrics = write_report(args.run)
        if args.json:
            print(
                json.dumps({k: v for k, v in metrics.items() if k != "confusion"}, sort_keys=True)
            )
        else:
            print((args.run / "report.md").read_text())
    else:
        from baselines.evaluate import release_trivial

        refs = release_trivial(args.release, args.protocol)
        print(
            json.dumps(refs, sort_keys=True)
            if args.json
            else "\n".join(f"{k}: {v}" for k, v in sorted(refs.items()))
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
