"""The demo preset (``lstm_demo``) runs its whole schedule, unchanged, on a small release and
gives a complete report: what the demo's baseline page shows."""

import json
import math

from baselines.recipes import load_recipe
from baselines.train import train
from tests.support.release_factory import synthetic_release


def test_the_demo_recipe_runs_its_full_schedule_on_a_small_release(tmp_path):
    root = synthetic_release(tmp_path / "rel", num_classes=6, num_subjects=4)
    recipe = load_recipe("lstm_demo")
    assert (recipe["model"], recipe["input"], recipe["num_frames"]) == ("lstm", "fixed", 32)
    curve = []
    metrics = train(recipe, root, tmp_path / "run", lambda e, loss, acc: curve.append(loss))
    assert len(curve) == recipe["epochs"] == 30 and all(math.isfinite(x) for x in curve)
    assert curve[-1] < curve[0], "it learns something on class-dependent motion"
    assert metrics["num_test"] == 24 and 0 <= metrics["top1"] <= 1
    for name in ("metrics.json", "report.md", "confusion.png", "per_class.csv", "checkpoint.pt"):
        assert (tmp_path / "run" / name).is_file()
    assert json.loads((tmp_path / "run" / "config.json").read_text())["recipe"]["name"] == (
        "lstm_demo"
    )
