"""Metrics and reports: Top-1/Top-5, mean class accuracy, confusion matrix, trivial references.

Every report carries the trivial references computed on the same split — majority-class Top-1
and class-prior Top-5 (always answer the 5 most frequent training classes) — because on a
long-tailed set like iMiGUE a model is only interesting by its margin over them.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np

# iMiGUE (CVPR 2021) Tables 3 and 5, docs/design.md §11: (Top-1, Top-5) in percent; emotion
# accuracy.
PAPER_NUMBERS: dict[str, tuple[float, float | None]] = {
    "lstm": (32.36, 72.93),
    "blstm": (32.39, 71.34),
    "svae": (27.38, 60.44),
    "stgcn": (46.97, 84.09),
    "msg3d": (54.91, 89.98),
    "tsm": (61.10, 91.24),
    "usvae": (32.43, 64.30),
    "emotion_lstm:tsm": (60.0, None),
    "emotion_lstm:usvae": (55.0, None),
}


def json_safe(value):
    """``value`` with every NaN or infinite float replaced by None: JSON has no NaN, and a
    database's JSON column refuses Python's ``NaN`` token (docs/design.md §11)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    return value


def class_ranking(train_labels: np.ndarray, num_classes: int) -> np.ndarray:
    """Classes by training frequency, most frequent first; ties go to the lower label."""
    counts = np.bincount(np.asarray(train_labels, dtype=int), minlength=num_classes)
    return np.lexsort((np.arange(num_classes), -counts))


def topk_accuracy(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of samples whose label is among the k highest scores (ties: lower label)."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return float((order == np.asarray(labels)[:, None]).any(1).mean()) if len(labels) else 0.0


def confusion_matrix(pred: np.ndarray, labels: np.ndarray, num_classes: int) -> np.ndarray:
    """``cm[true, predicted]`` counts."""
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(cm, (np.asarray(labels, dtype=int), np.asarray(pred, dtype=int)), 1)
    return cm


def mean_class_accuracy(cm: np.ndarray) -> float:
    """Mean recall over the classes present in the evaluated set (absent classes are skipped)."""
    support = cm.sum(1)
    present = support > 0
    return float((np.diag(cm)[present] / support[present]).mean()) if present.any() else 0.0


def trivial_references(
    train_labels: np.ndarray, test_labels: np.ndarray, num_classes: int
) -> dict[str, float]:
    """Majority-class Top-1 and class-prior Top-5 (priors from the training split)."""
    rank = class_ranking(train_labels, num_classes)
    test = np.asarray(test_labels, dtype=int)
    n = max(len(test), 1)
    return {
        "majority_top1": float((test == rank[0]).sum() / n),
        "prior_top5": float(np.isin(test, rank[:5]).sum() / n),
        "majority_class": int(rank[0]),
    }


def compute_metrics(scores: np.ndarray, labels: np.ndarray, train_labels: np.ndarray) -> dict:
    num_classes = scores.shape[1]
    cm = confusion_matrix(scores.argmax(1), labels, num_classes)
    metrics = {
        "num_test": int(len(labels)),
        "num_train": int(len(train_labels)),
        "num_classes": int(num_classes),
        "top1": topk_accuracy(scores, labels, 1),
        "top5": topk_accuracy(scores, labels, 5) if num_classes > 5 else None,
        "mean_class_accuracy": mean_class_accuracy(cm),
        "trivial": trivial_references(train_labels, labels, num_classes),
    }
    return metrics | {"confusion": cm.tolist()}


def _paper_key(config: dict) -> str:
    recipe = config["recipe"]
    if recipe["kind"] == "emotion":
        return f"{recipe['model']}:{recipe['clip_recipe']}"
    return recipe["model"]


def plot_confusion(cm: np.ndarray, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")  # files only; never a display
    import matplotlib.pyplot as plt

    norm = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    fig, ax = plt.subplots(figsize=(8, 7))
    im = ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title("confusion (row-normalised)")
    fig.colorbar(im, ax=ax)
    fig.tight_layout()
    # Fixed metadata so that two reports of the same run are byte-identical.
    fig.savefig(path, dpi=80, metadata={"Software": None})
    plt.close(fig)


def _report_md(metrics: dict, config: dict) -> str:
    def pct(v):
        return "—" if v is None else f"{100 * v:.2f}"

    t = metrics["trivial"]
    key = _paper_key(config)
    paper = PAPER_NUMBERS.get(key)
    rows = [
        "| | Top-1 | Top-5 | mean class acc |",
        "| --- | --- | --- | --- |",
        f"| this run ({key}) | {pct(metrics['top1'])} | {pct(metrics['top5'])} | "
        f"{pct(metrics['mean_class_accuracy'])} |",
        f"| majority class / class prior | {pct(t['majority_top1'])} | {pct(t['prior_top5'])} "
        "| — |",
    ]
    if paper:
        top5 = "—" if paper[1] is None else f"{paper[1]:.2f}"
        rows.append(f"| iMiGUE paper ({key}) | {paper[0]:.2f} | {top5} | — |")
    left = metrics.get("left_out_without_input")
    note = (
        f" Left out for lack of an input file (pose or clip): {left['train']} training and "
        f"{left['test']} test clips."
        if left
        else ""
    )
    return (
        f"# Evaluation: {key}\n\n{metrics['num_train']} training and {metrics['num_test']} "
        f"test samples, {metrics['num_classes']} classes.{note}\n\n" + "\n".join(rows) + "\n\n"
        "The paper's numbers are on the full iMiGUE cross-subject split; compare only "
        "runs on that split.\n"
    )


def write_report(run: str | Path) -> dict:
    """Read ``predictions.npz`` in a run folder; write metrics.json, per_class.csv,
    confusion.png and report.md; return the metrics (with the paper comparison)."""
    run = Path(run)
    with np.load(run / "predictions.npz") as p:
        scores, labels, train_labels = p["scores"], p["labels"], p["train_labels"]
    config = json.loads((run / "config.json").read_text())
    metrics = compute_metrics(scores, labels, train_labels)
    if any(config.get("left_out", {}).values()):
        metrics["left_out_without_input"] = config["left_out"]
    key = _paper_key(config)
    paper = PAPER_NUMBERS.get(key)
    metrics["paper"] = {"key": key, "top1": paper[0], "top5": paper[1]} if paper else None
    cm = np.array(metrics["confusion"])
    with (run / "per_class.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["label", "support", "correct", "recall", "predicted"])
        for c in range(len(cm)):
            support = int(cm[c].sum())
            w.writerow(
                [
                    c,
                    support,
                    int(cm[c, c]),
                    f"{cm[c, c] / support:.4f}" if support else "",
                    int(cm[:, c].sum()),
                ]
            )
    plot_confusion(cm, run / "confusion.png")
    (run / "report.md").write_text(_report_md(metrics, config))
    metrics = json_safe(metrics)
    text = json.dumps(metrics, indent=2, sort_keys=True, allow_nan=False)
    (run / "metrics.json").write_text(text + "\n")
    return metrics


def release_trivial(release: str | Path, protocol: str = "cross_subject") -> dict:
    """Trivial references of a release's split from its label tables alone (no poses read)."""
    from baselines.data import Release

    rel = Release(release)
    train = np.array([c.label for c in rel.split_clips("train", protocol)], dtype=int)
    test = np.array([c.label for c in rel.split_clips("test", protocol)], dtype=int)
    refs = trivial_references(train, test, rel.num_classes)
    return refs | {
        "num_train": int(len(train)),
        "num_test": int(len(test)),
        "num_classes": rel.num_classes,
    }
