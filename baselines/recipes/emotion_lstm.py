"""Emotion (positive / negative) per video: an LSTM over per-clip MG probability vectors.

iMiGUE reports 0.60 (TSM + LSTM) and 0.55 (U-S-VAE + LSTM). First a clip model is trained on
the cross-subject split (``clip_recipe``, overridable as ``clip.*``), then it scores every clip,
then ``model`` (``emotion_lstm`` or ``video_pooling`` for the pooled comparison) is trained on
the emotion split's videos.
"""

RECIPE = dict(
    kind="emotion",
    clip_recipe="usvae",
    clip=dict(),  # overrides for the clip recipe
    model="emotion_lstm",
    model_cfg=dict(hidden_size=64, dropout=0.2),
    epochs=50,
    batch_size=16,
    optimizer=dict(name="adam", lr=1e-3, weight_decay=1e-4),
    lr_steps=(),
    seed=0,
)
