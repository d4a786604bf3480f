"""LSTM on packed 22-joint sequences. iMiGUE reports 32.36 / 72.93 (Top-1 / Top-5).

The paper gives no schedule for its RNN baselines; Adam 1e-3, 2 × 256 units follow the common
skeleton-LSTM setting (e.g. Shahroudy et al., NTU RGB+D, CVPR 2016 use 2 layers).
"""

RECIPE = dict(
    kind="classifier",
    model="lstm",
    model_cfg=dict(hidden_size=256, num_layers=2, dropout=0.2),
    input="packed",  # whole variable-length clip, packed per batch
    min_score=0.1,
    augment=True,
    balanced_sampler=False,
    epochs=60,
    batch_size=64,
    optimizer=dict(name="adam", lr=1e-3, weight_decay=1e-4),
    lr_steps=(40, 50),
    seed=0,
)
