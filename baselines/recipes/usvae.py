"""U-S-VAE (unsupervised). iMiGUE reports 32.43 / 64.30 (Top-1 / Top-5).

BLSTM-256 encoder over the whole variable-length sequence, LSTM-256 decoder fed zeros after the
first step, loss = L2 reconstruction + λ·KL, no labels; then KNN on the encoder's last hidden
state with training clips as the memory (docs/design.md §11).
"""

RECIPE = dict(
    kind="usvae",
    model="usvae",
    model_cfg=dict(hidden_size=256, latent_size=64, kl_weight=1e-3),
    input="packed",
    min_score=0.1,
    augment=False,
    balanced_sampler=False,
    epochs=60,
    batch_size=64,
    optimizer=dict(name="adam", lr=1e-3, weight_decay=0.0),
    lr_steps=(),
    knn_k=5,
    seed=0,
)
