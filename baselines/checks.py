"""What stops a run before or while it trains, without torch (the web process imports this).

:func:`release_problems` reads a release's tables only (``clips.csv``, the splits, which pose
and clip files exist) and says why a recipe cannot train or be evaluated on it: an empty side
of the split, or no clip on a side with the input the recipe reads. The errors carry a stable
``code`` so that the app can fail the job at once instead of retrying something that cannot
work (docs/design.md §11, §13).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

__all__ = [
    "BaselineInputError",
    "NonFiniteLoss",
    "UnusableRelease",
    "release_problems",
    "suggester_problem",
]


class BaselineInputError(ValueError):
    """A run that no retry can fix; ``code`` names the reason."""

    code = "baseline_input"


class UnusableRelease(BaselineInputError):
    code = "release_unusable"


class NonFiniteLoss(BaselineInputError):
    """The training loss became NaN or infinite: the run diverged, and it would again."""

    code = "non_finite_loss"

    def __init__(self, recipe: str, epoch: int, batch: int, value: float) -> None:
        super().__init__(
            f"{recipe}: the training loss became {value} at epoch {epoch + 1}, batch "
            f"{batch + 1}. Training diverged or the inputs hold non-finite values; the run "
            "stopped without storing this epoch. Lower the learning rate (e.g. --set "
            "optimizer.lr=0.0001) or check the release's poses."
        )
        self.epoch, self.batch, self.value = epoch, batch, value


def _split_ids(split: dict, part: str, key: str) -> list:
    if isinstance(split.get(part), dict):
        return list(split[part].get(key, []))
    return list(split.get(f"{part}_{key}", []))


def _input_folder(recipe: dict) -> tuple[str, str]:
    """The folder and extension a recipe's clips are read from (RGB or skeletons)."""
    rgb = recipe.get("input") == "rgb" or (
        recipe.get("kind") == "emotion" and recipe.get("clip_recipe") == "tsm"
    )
    return ("clips", "mp4") if rgb else ("poses", "npz")


def usable_clip_ids(root: Path, recipe: dict) -> set[str]:
    """Ids of the clips whose input file (pose or RGB clip) the release holds."""
    folder, ext = _input_folder(recipe)
    path = Path(root) / folder
    if not path.is_dir():
        return set()
    return {p.name[: -len(ext) - 1] for p in path.iterdir() if p.name.endswith(f".{ext}")}


def release_problems(root: str | Path, recipe: dict) -> list[str]:
    """Why ``recipe`` cannot train and be evaluated on the release at ``root`` ([] = it can)."""
    root = Path(root)
    folder, _ = _input_folder(recipe)
    with (root / "clips.csv").open(newline="", encoding="utf-8") as f:
        clips = list(csv.DictReader(f))
    usable = usable_clip_ids(root, recipe)
    what = "RGB clips (clips/)" if folder == "clips" else "skeletons (poses/)"
    if not usable:
        return [f"the release has no {what}: {recipe.get('name', 'this recipe')} cannot train"]
    split = json.loads((root / "splits" / "cross_subject.json").read_text())
    problems = []
    for part in ("train", "test"):
        ids = set(map(str, _split_ids(split, part, "clip_ids")))
        if not ids:
            subjects = {str(s) for s in _split_ids(split, part, "subject_ids")}
            ids = {r["clip_id"] for r in clips if str(r["subject_id"]) in subjects}
        if not ids:
            problems.append(
                f"the cross-subject split's {part} side is empty (a release of one subject "
                "has no test side): a run needs clips of at least two subjects"
            )
        elif not ids & usable:
            problems.append(f"none of the {len(ids)} {part} clips has {what}")
    if recipe.get("kind") == "emotion":
        emotion = json.loads((root / "splits" / "emotion.json").read_text())
        for part in ("train", "test"):
            if not _split_ids(emotion, part, "video_ids"):
                problems.append(f"the emotion split's {part} side has no videos")
    return problems


# The inputs of the recipes that read skeletons (TSM reads pixels: "rgb").
SKELETON_INPUTS = ("packed", "fixed")


def suggester_problem(recipe: dict) -> str:
    """Why a run of ``recipe`` cannot suggest the category of a skeleton window ("" when it
    can; docs/design.md §17): only supervised skeleton classifiers can. U-S-VAE classifies by
    neighbours in a training memory, TSM reads pixels, and emotion recipes score whole videos."""
    name = recipe.get("name", "?")
    if recipe.get("kind") != "classifier":
        return f"recipe {name!r} is not a supervised classifier"
    if recipe.get("input") not in SKELETON_INPUTS:
        return f"recipe {name!r} does not read skeletons"
    return ""
