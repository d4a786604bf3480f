"""ST-GCN on the 22-joint graph. iMiGUE reports 46.97 / 84.09 (Top-1 / Top-5).

Schedule from Yan et al. (AAAI 2018): SGD, momentum 0.9, lr 0.1 divided by 10 at set epochs,
weight decay 1e-4. Clips are resampled to 64 frames over their whole length (short ones loop).
"""

RECIPE = dict(
    kind="classifier",
    model="stgcn",
    model_cfg=dict(dropout=0.0),
    input="fixed",
    num_frames=64,
    min_score=0.1,
    augment=True,
    balanced_sampler=False,
    epochs=65,
    batch_size=32,
    optimizer=dict(name="sgd", lr=0.1, momentum=0.9, weight_decay=1e-4, nesterov=True),
    lr_steps=(45, 55),
    seed=0,
)
