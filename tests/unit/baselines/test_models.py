"""Every model: shapes, a backward pass, and overfitting a tiny set (the loop can learn)."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.data import UniformSample, collate_padded, normalise
from baselines.models import MODELS, build_model
from baselines.models.tsm import temporal_shift
from baselines.models.vae import knn_scores
from tests.support.release_factory import synthetic_pose

NUM_CLASSES = 4


def tiny_pose_batch(n: int = 8, fixed: int | None = None, seed: int = 0):
    """``n`` normalised synthetic clips (labels 0..3 cycling) of 10..40 frames, padded."""
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n):
        pose = normalise(synthetic_pose(i % NUM_CLASSES, int(rng.integers(10, 41)), rng), 1280, 720)
        if fixed:
            pose = UniformSample(fixed)(pose)
        pose[..., :2] *= 10  # coordinates to unit-ish scale so a few steps suffice
        items.append((torch.from_numpy(pose), i % NUM_CLASSES))
    return collate_padded(items)


def tiny_rgb_batch(n: int = 4, t: int = 8, size: int = 32):
    g = torch.Generator().manual_seed(0)
    y = torch.arange(n) % NUM_CLASSES
    x = torch.randn(n, t, 3, size, size, generator=g) * 0.1
    for i in range(n):  # class c brightens channel c % 3 in quadrant c
        q = int(y[i])
        x[i, :, q % 3, (q // 2) * 16 : (q // 2) * 16 + 16, (q % 2) * 16 : (q % 2) * 16 + 16] += 2
    return x, torch.full((n,), t), y


def tiny_video_batch(n: int = 8):
    g = torch.Generator().manual_seed(0)
    lengths = torch.tensor([3, 5, 7, 4, 6, 2, 5, 3])[:n]
    y = torch.arange(n) % 2
    x = torch.rand(n, 7, NUM_CLASSES, generator=g)
    x[y == 1, :, 0] += 1.0  # "positive" videos show more of MG 0
    return x, lengths, y


# name: (cfg, batch factory, expected output width, steps, lr)
CASES = {
    "lstm": (
        dict(num_classes=4, hidden_size=32, num_layers=1, dropout=0.0),
        tiny_pose_batch,
        4,
        150,
        1e-2,
    ),
    "blstm": (
        dict(num_classes=4, hidden_size=32, num_layers=1, dropout=0.0),
        tiny_pose_batch,
        4,
        150,
        1e-2,
    ),
    "svae": (dict(num_classes=4, hidden_size=32, latent_size=16), tiny_pose_batch, 4, 150, 1e-2),
    "usvae": (dict(hidden_size=32, latent_size=16), tiny_pose_batch, 64, None, 1e-2),
    "stgcn": (
        dict(num_classes=4, channels=(16, 16, 32), strides=(1, 2, 1)),
        lambda: tiny_pose_batch(fixed=16),
        4,
        60,
        1e-2,
    ),
    "tsm": (dict(num_classes=4, dropout=0.0), tiny_rgb_batch, 4, 12, 1e-3),
    "emotion_lstm": (
        dict(in_features=4, hidden_size=16, dropout=0.0),
        tiny_video_batch,
        2,
        150,
        1e-2,
    ),
    "video_pooling": (dict(in_features=4), tiny_video_batch, 2, 200, 5e-2),
}


def test_every_registered_model_has_a_case():
    assert set(CASES) == set(MODELS)


def test_unknown_model_is_refused():
    with pytest.raises(KeyError):
        build_model("msg3d")


@pytest.mark.parametrize("name", sorted(CASES))
def test_forward_backward_shapes(name):
    torch.manual_seed(0)
    cfg, make, width, _, _ = CASES[name]
    model = build_model(name, **cfg)
    x, lengths, y = make()
    out = model(x, lengths)
    assert out.shape == (len(y), width)
    if name in ("svae", "usvae"):  # the decoder only runs inside losses()
        loss = model.losses(x, lengths, y)["loss"]
    else:
        loss = F.cross_entropy(out, y)
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.requires_grad]
    assert all(g is not None for g in grads) and any(g.abs().sum() > 0 for g in grads)


@torch.no_grad()
def recalibrate_batchnorm(model, x, lengths):
    """Running statistics = this batch's statistics under the final weights; a few hundred
    fast steps leave the exponential averages behind the weights."""
    bns = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    model.train()
    model(x, lengths)


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][3]))
def test_overfits_tiny_set(name):
    torch.manual_seed(0)
    cfg, make, _, steps, lr = CASES[name]
    model = build_model(name, **cfg)
    x, lengths, y = make()
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    for _ in range(steps):
        model.train()
        loss = (
            model.losses(x, lengths, y)["loss"]
            if name == "svae"
            else F.cross_entropy(model(x, lengths), y)
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    recalibrate_batchnorm(model, x, lengths)
    model.eval()
    with torch.no_grad():
        acc = (model(x, lengths).argmax(1) == y).float().mean().item()
    assert acc == 1.0


def test_usvae_reconstruction_loss_falls_and_knn_runs_on_latents():
    torch.manual_seed(0)
    model = build_model("usvae", hidden_size=32, latent_size=16)
    x, lengths, y = tiny_pose_batch()
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    first = None
    for _ in range(60):
        terms = model.losses(x, lengths)  # no labels: U-S-VAE is unsupervised
        opt.zero_grad()
        terms["loss"].backward()
        opt.step()
        first = first if first is not None else terms["recon"].item()
    assert terms["recon"].item() < 0.7 * first
    model.eval()
    with torch.no_grad():
        feats = model.encode(x, lengths)
    assert feats.shape == (8, 64)  # BLSTM: both directions' last hidden state
    scores = knn_scores(feats[:4], y[:4], feats[4:], NUM_CLASSES, k=3)
    assert scores.shape == (4, NUM_CLASSES)
    torch.testing.assert_close(scores.sum(1), torch.ones(4))


def test_knn_nearest_neighbour_wins():
    train = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    scores = knn_scores(train, torch.tensor([0, 1]), torch.tensor([[0.9, 0.1]]), 2, k=1)
    assert scores.argmax(1).item() == 0


def test_lstm_ignores_padding():
    """Packing: a clip's logits do not change when a longer clip joins its batch."""
    torch.manual_seed(0)
    model = build_model("blstm", num_classes=4, hidden_size=16, num_layers=1).eval()
    x, lengths, _ = tiny_pose_batch(2)
    with torch.no_grad():
        alone = model(x[:1, : lengths[0]], lengths[:1])
        together = model(x, lengths)[:1]
    torch.testing.assert_close(alone, together)


def test_temporal_shift_moves_one_eighth_each_way():
    x = torch.arange(2 * 3 * 16, dtype=torch.float32).view(2 * 3, 16, 1, 1)  # N=2, T=3
    out = temporal_shift(x, num_segments=3, fold_div=8).view(2, 3, 16)
    v = x.view(2, 3, 16)
    assert torch.equal(out[:, :-1, :2], v[:, 1:, :2]) and (out[:, -1, :2] == 0).all()
    assert torch.equal(out[:, 1:, 2:4], v[:, :-1, 2:4]) and (out[:, 0, 2:4] == 0).all()
    assert torch.equal(out[:, :, 4:], v[:, :, 4:])


def test_tsm_is_resnet50_and_loads_a_local_checkpoint(tmp_path):
    from torchvision.models import resnet50

    torch.manual_seed(1)
    ref = resnet50(weights=None)
    torch.save(ref.state_dict(), tmp_path / "r50.pth")
    model = build_model("tsm", num_classes=4, weights=tmp_path / "r50.pth")
    torch.testing.assert_close(model.net.layer1[0].conv1.conv.weight, ref.layer1[0].conv1.weight)
    assert sum(p.numel() for p in model.net.parameters()) == pytest.approx(23.5e6, rel=0.01)
    with pytest.raises(ValueError):
        model(torch.zeros(1, 4, 3, 32, 32))  # built for 8 segments
