"""Model registry: a plain dict from name to builder, and ``build_model(name, **cfg)``."""

from __future__ import annotations

from collections.abc import Callable

from torch import nn

from baselines.models.emotion import emotion_lstm, video_pooling
from baselines.models.lstm import blstm, lstm
from baselines.models.stgcn import stgcn
from baselines.models.tsm import tsm
from baselines.models.vae import svae, usvae

MODELS: dict[str, Callable[..., nn.Module]] = {
    "lstm": lstm,
    "blstm": blstm,
    "svae": svae,
    "usvae": usvae,
    "stgcn": stgcn,
    "tsm": tsm,
    "emotion_lstm": emotion_lstm,
    "video_pooling": video_pooling,
}


def build_model(name: str, **cfg) -> nn.Module:
    """Build a registered model; ``cfg`` goes straight to its constructor."""
    if name not in MODELS:
        raise KeyError(f"unknown model {name!r}; known: {sorted(MODELS)}")
    return MODELS[name](**cfg)
