"""The LSTM recipe cut down for the demo: it trains on a CPU in well under two minutes on a
small release (the demo's few dozen clips), so that a new user sees the whole path to a results
page. Each clip is resampled to 32 frames (short clips loop) instead of packed whole, one small
layer, 30 epochs. Its numbers mean nothing beyond "the pipeline works".
"""

from .lstm import RECIPE as LSTM_RECIPE

RECIPE = LSTM_RECIPE | {
    "model_cfg": dict(hidden_size=64, num_layers=1, dropout=0.0),
    "input": "fixed",
    "num_frames": 32,
    "epochs": 30,
    "batch_size": 16,
    "optimizer": dict(name="adam", lr=3e-3, weight_decay=1e-4),
    "lr_steps": (20,),
}
