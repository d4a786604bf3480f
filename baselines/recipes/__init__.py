"""One small config per recipe (PYSKL style). ``load_recipe(name, **overrides)`` returns a dict.

Overrides use dotted keys for nested entries: ``load_recipe("lstm", **{"model_cfg.hidden_size":
32})``; the CLI's ``--set model_cfg.hidden_size=32`` does the same.
"""

from __future__ import annotations

import copy
import importlib

RECIPES = ("lstm", "lstm_demo", "blstm", "svae", "usvae", "stgcn", "tsm", "emotion_lstm")


def load_recipe(name: str, **overrides) -> dict:
    if name not in RECIPES:
        raise KeyError(f"unknown recipe {name!r}; known: {list(RECIPES)}")
    recipe = copy.deepcopy(importlib.import_module(f"baselines.recipes.{name}").RECIPE)
    recipe["name"] = name
    for key, value in overrides.items():
        *parents, leaf = key.split(".")
        node = recipe
        for p in parents:
            node = node.setdefault(p, {})
        node[leaf] = value
    return recipe
