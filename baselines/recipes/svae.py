"""S-VAE (supervised sequence VAE). iMiGUE reports 27.38 / 60.44 (Top-1 / Top-5).

Loss = cross-entropy on z + L2 reconstruction + λ·KL; λ small so the KL does not collapse z
before the classifier has learned (no value is given in the paper).
"""

RECIPE = dict(
    kind="classifier",
    model="svae",
    model_cfg=dict(
        hidden_size=256, latent_size=64, bidirectional=True, kl_weight=1e-3, cls_weight=1.0
    ),
    input="packed",
    min_score=0.1,
    augment=True,
    balanced_sampler=False,
    epochs=60,
    batch_size=64,
    optimizer=dict(name="adam", lr=1e-3, weight_decay=0.0),
    lr_steps=(40, 50),
    seed=0,
)
