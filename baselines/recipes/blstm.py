"""Bidirectional LSTM on packed 22-joint sequences. iMiGUE reports 32.39 / 71.34 (Top-1 / Top-5).

The LSTM recipe with both directions: the paper compares the two at the same settings.
"""

from .lstm import RECIPE as LSTM_RECIPE

RECIPE = LSTM_RECIPE | {"model": "blstm"}
