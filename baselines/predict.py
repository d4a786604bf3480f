"""Class probabilities for skeleton windows from a finished run folder (the proposal suggester,
docs/design.md §17).

A window is a ``(T, 22, 3)`` stretch of a video's poses in pixels, cut where a proposal lies. It
goes through exactly what a test clip of the run went through (``train._eval_dataset``):
:func:`baselines.data.normalise` with the recipe's ``min_score`` and the video's frame size, then
:class:`~baselines.data.UniformSample` for fixed-length recipes, so the model sees what it was
trained on. Only supervised skeleton classifiers can serve (``checks.suggester_problem``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn

from baselines.checks import suggester_problem
from baselines.data import UniformSample, collate_padded, normalise
from baselines.models import build_model


class SuggesterError(ValueError):
    """The run folder cannot serve as a suggester; the message says why."""


def release_classes(release_dir: Path) -> list:
    """The category code of each label index, from the release's ``taxonomy.json`` (its
    categories carry ``label_index``; older test releases say ``label``)."""
    taxonomy = json.loads((release_dir / "taxonomy.json").read_text())
    classes: dict[int, object] = {}
    for position, cat in enumerate(taxonomy.get("categories", [])):
        label = cat.get("label_index", cat.get("label", position))
        classes[int(label)] = cat["code"]
    if not classes or sorted(classes) != list(range(len(classes))):
        raise SuggesterError(f"{release_dir}/taxonomy.json does not number its categories 0..N-1")
    return [classes[i] for i in range(len(classes))]


@dataclass
class Classifier:
    model: nn.Module
    recipe: dict
    classes: list  # category code per label index
    device: torch.device


def load_classifier(
    run_dir: str | Path, release_dir: str | Path | None = None, device: str = "cpu"
) -> Classifier:
    """The run's model with its last checkpoint, ready to predict. ``release_dir`` is the
    release it was trained on (default: the one its ``config.json`` names), read for the
    number of classes and their codes."""
    run_dir = Path(run_dir)
    try:
        config = json.loads((run_dir / "config.json").read_text())
    except (OSError, ValueError) as exc:
        raise SuggesterError(f"{run_dir}: no readable config.json ({exc})") from exc
    recipe = config.get("recipe") or {}
    problem = suggester_problem(recipe)
    if problem:
        raise SuggesterError(problem)
    release = Path(release_dir or config.get("release", ""))
    try:
        classes = release_classes(release)
    except (OSError, ValueError, KeyError) as exc:
        raise SuggesterError(f"the run's release {release} cannot be read: {exc}") from exc
    dev = torch.device(device)
    model = build_model(recipe["model"], num_classes=len(classes), **recipe.get("model_cfg", {}))
    try:
        state = torch.load(run_dir / "checkpoint.pt", map_location=dev, weights_only=False)
        model.load_state_dict(state["model"])
    except (OSError, KeyError, RuntimeError) as exc:
        raise SuggesterError(f"{run_dir}/checkpoint.pt does not fit the recipe: {exc}") from exc
    model.to(dev).eval()
    return Classifier(model, recipe, classes, dev)


def _inputs(classifier: Classifier, windows: Sequence[np.ndarray], width: int, height: int):
    recipe = classifier.recipe
    sample = UniformSample(recipe["num_frames"]) if recipe["input"] == "fixed" else None
    min_score = recipe.get("min_score", 0.1)
    for window in windows:
        seq = normalise(np.asarray(window, dtype=np.float32), width, height, min_score)
        yield torch.from_numpy(np.ascontiguousarray(sample(seq) if sample else seq)), 0


@torch.no_grad()
def predict_windows(
    classifier: Classifier,
    windows: Sequence[np.ndarray],
    width: int,
    height: int,
    batch_size: int = 64,
) -> np.ndarray:
    """Softmax probabilities ``(N, num_classes)`` for ``N`` windows of one video, whose frame
    size is ``width`` × ``height`` (0 × 0 when unknown: each window is then scaled by its own
    extent, as the release's imported videos are)."""
    if any(len(w) == 0 for w in windows):
        raise SuggesterError("a window has no frames")
    items = list(_inputs(classifier, windows, width, height))
    out = []
    for first in range(0, len(items), batch_size):
        x, lengths, _ = collate_padded(items[first : first + batch_size])
        logits = classifier.model(x.to(classifier.device), lengths)
        out.append(logits.float().softmax(1).cpu())
    if not out:
        return np.zeros((0, len(classifier.classes)), dtype=np.float32)
    return torch.cat(out).numpy()
