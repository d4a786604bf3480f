"""Metrics, trivial references and the `trivial` command on the real iMiGUE label table."""

import json

import numpy as np
import pytest

from baselines.__main__ import main
from baselines.evaluate import (
    PAPER_NUMBERS,
    compute_metrics,
    confusion_matrix,
    mean_class_accuracy,
    topk_accuracy,
    trivial_references,
)
from tests.support.release_factory import label_table_release, official_split, read_labels

SCORES = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.5, 0.4, 0.1], [0.5, 0.3, 0.2]])
LABELS = np.array([0, 1, 1, 2])


@pytest.mark.parametrize("k,expected", [(1, 0.25), (2, 0.75), (3, 1.0)])
def test_topk_counts_label_among_k_best(k, expected):
    assert topk_accuracy(SCORES, LABELS, k) == expected


def test_topk_ties_go_to_the_lower_label():
    assert topk_accuracy(np.array([[0.5, 0.5]]), np.array([0]), 1) == 1.0
    assert topk_accuracy(np.array([[0.5, 0.5]]), np.array([1]), 1) == 0.0


def test_confusion_rows_are_true_labels():
    cm = confusion_matrix(SCORES.argmax(1), LABELS, 3)
    assert cm.tolist() == [[1, 0, 0], [1, 0, 1], [1, 0, 0]]


@pytest.mark.parametrize(
    "cm,expected",
    [
        ([[1, 0, 0], [1, 0, 1], [0, 1, 0]], 1 / 3),
        ([[9, 1], [0, 0]], 0.9),  # a class absent from the test set is skipped
        ([[5, 0], [5, 0]], 0.5),  # majority guessing: 0.5, however skewed the split
    ],
)
def test_mean_class_accuracy_averages_recall(cm, expected):
    assert mean_class_accuracy(np.array(cm)) == pytest.approx(expected)


@pytest.mark.parametrize(
    "train,test,top1,top5",
    [
        ([0, 0, 1], [0, 1, 1, 1], 0.25, 1.0),
        ([5, 5, 4, 3, 2, 1, 0, 0, 0], [0, 5, 4, 3], 0.25, 0.75),  # top-5 train classes: 0 5 1 2 3
    ],
)
def test_trivial_references_use_training_priors(train, test, top1, top5):
    refs = trivial_references(np.array(train), np.array(test), 6)
    assert (refs["majority_top1"], refs["prior_top5"]) == (top1, top5)


def test_every_report_carries_trivial_references():
    metrics = compute_metrics(SCORES, LABELS, np.array([1, 1, 0]))
    assert metrics["trivial"]["majority_top1"] == 0.5 and metrics["top5"] is None


def test_paper_numbers_as_design():
    assert PAPER_NUMBERS["stgcn"] == (46.97, 84.09) and PAPER_NUMBERS["tsm"] == (61.10, 91.24)
    assert PAPER_NUMBERS["usvae"] == (32.43, 64.30)


def _independent_trivial() -> tuple[float, float, int, int]:
    """Straight from the CSV and the protocol text, sharing no code with the package."""
    split = official_split()
    train_subj, test_subj = set(split["train_subjects"]), set(split["test_subjects"])
    counts: dict[int, int] = {}
    test_classes = []
    for r in read_labels():
        subject, cls = int(r["subject_id"]), int(r["class"])
        if subject in train_subj:
            counts[cls] = counts.get(cls, 0) + 1
        elif subject in test_subj:
            test_classes.append(cls)
    ranked = sorted(counts, key=lambda c: (-counts[c], 31 if c == 99 else c - 1))
    n = len(test_classes)
    top1 = sum(c == ranked[0] for c in test_classes) / n
    top5 = sum(c in ranked[:5] for c in test_classes) / n
    return top1, top5, sum(counts.values()), n


def test_trivial_command_reproduces_label_table_references(tmp_path, capsys):
    release = label_table_release(tmp_path / "imigue-labels")
    assert main(["trivial", "--release", str(release), "--json"]) == 0
    refs = json.loads(capsys.readouterr().out)
    top1, top5, num_train, num_test = _independent_trivial()
    assert refs["num_train"] + refs["num_test"] == 18498
    assert (refs["num_train"], refs["num_test"]) == (num_train, num_test)
    assert refs["majority_top1"] == pytest.approx(top1)
    assert refs["prior_top5"] == pytest.approx(top5)
    assert refs["num_classes"] == 32


def test_official_split_has_37_and_35_subjects_and_balanced_videos():
    split = official_split()
    assert len(split["train_subjects"]) == 37 and len(split["test_subjects"]) == 35
    assert len(split["train_videos"]) == 102 and len(split["test_videos"]) == 100
