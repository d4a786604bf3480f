"""Sequence VAEs: S-VAE (supervised) and U-S-VAE (unsupervised + KNN), docs/design.md §11.

Input ``x (N, T, V, C)`` padded, ``lengths (N,)`` true frame counts. The encoder reads the whole
variable-length sequence (packed), the decoder rebuilds ``(N, T, V·C)``; the reconstruction
loss only counts real frames.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from baselines.models.lstm import MaskedBatchNorm, packed_last_hidden


def masked_l2(recon: torch.Tensor, target: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """Mean squared error over real frames only; ``(N, T, D)`` inputs."""
    steps = torch.arange(target.shape[1], device=target.device)
    mask = steps[None] < lengths.to(target.device)[:, None]
    sq = ((recon - target) ** 2).sum(-1) * mask
    return sq.sum() / mask.sum().clamp(min=1)


def kl_divergence(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(q(z|x) ‖ N(0, I)) averaged over the batch."""
    return (-0.5 * (1 + logvar - mu.pow(2) - logvar.exp()).sum(-1)).mean()


class SeqVAE(nn.Module):
    """Encoder (B)LSTM → (μ, log σ²) → z → LSTM decoder fed z at step 0 and zeros afterwards.

    Feeding zeros after the first step (instead of the previous output) forces the latent to
    carry the whole sequence: the decoder cannot lean on teacher forcing.
    """

    def __init__(
        self,
        num_joints: int = 22,
        in_channels: int = 3,
        hidden_size: int = 256,
        latent_size: int = 64,
        bidirectional: bool = True,
        num_classes: int = 0,
        kl_weight: float = 1e-3,
        cls_weight: float = 1.0,
    ) -> None:
        super().__init__()
        d = num_joints * in_channels
        dirs = 2 if bidirectional else 1
        # No learnable affine: the normalised input is also the reconstruction target, and a
        # learnable scale could shrink the target towards zero.
        self.data_bn = MaskedBatchNorm(d, affine=False)
        self.encoder = nn.LSTM(d, hidden_size, batch_first=True, bidirectional=bidirectional)
        self.to_mu = nn.Linear(hidden_size * dirs, latent_size)
        self.to_logvar = nn.Linear(hidden_size * dirs, latent_size)
        self.to_h0 = nn.Linear(latent_size, hidden_size)
        self.decoder = nn.LSTM(latent_size, hidden_size, batch_first=True)
        self.out = nn.Linear(hidden_size, d)
        self.classifier = nn.Linear(latent_size, num_classes) if num_classes else None
        self.kl_weight, self.cls_weight = kl_weight, cls_weight

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """The encoder's last hidden state ``(N, H·dirs)`` — the feature U-S-VAE's KNN uses."""
        return packed_last_hidden(self.encoder, self._normed(x, lengths), lengths)

    def _normed(self, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
        n, t = x.shape[:2]
        return self.data_bn(x.reshape(n, t, -1), lengths)

    def decode(self, z: torch.Tensor, steps: int) -> torch.Tensor:
        inputs = torch.zeros(z.shape[0], steps, z.shape[1], device=z.device, dtype=z.dtype)
        inputs[:, 0] = z
        h0 = torch.tanh(self.to_h0(z))[None]
        out, _ = self.decoder(inputs, (h0, torch.zeros_like(h0)))
        return self.out(out)

    def losses(
        self, x: torch.Tensor, lengths: torch.Tensor, y: torch.Tensor | None = None
    ) -> dict[str, torch.Tensor]:
        """Return the terms and their weighted ``loss``; labels are used only if a head exists."""
        t = x.shape[1]
        target = self._normed(x, lengths)
        h = packed_last_hidden(self.encoder, target, lengths)
        mu, logvar = self.to_mu(h), self.to_logvar(h).clamp(-10, 10)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp() if self.training else mu
        recon = masked_l2(self.decode(z, t), target.detach(), lengths)
        kl = kl_divergence(mu, logvar)
        terms = {"recon": recon, "kl": kl, "loss": recon + self.kl_weight * kl}
        if self.classifier is not None and y is not None:
            logits = self.classifier(mu)  # on μ: the noise in z would only blur the classes
            terms["ce"] = F.cross_entropy(logits, y)
            terms["loss"] = terms["loss"] + self.cls_weight * terms["ce"]
            terms["logits"] = logits
        return terms

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        """S-VAE: class logits from μ ``(N, num_classes)``; U-S-VAE: the KNN feature."""
        h = self.encode(x, lengths)
        if self.classifier is None:
            return h
        return self.classifier(self.to_mu(h))


def svae(num_classes: int = 32, **cfg) -> SeqVAE:
    return SeqVAE(num_classes=num_classes, **cfg)


def usvae(num_classes: int = 0, **cfg) -> SeqVAE:
    # U-S-VAE trains without labels; ``num_classes`` is accepted (and ignored) so every recipe
    # can pass it uniformly. BLSTM-256 encoder / LSTM-256 decoder per docs/design.md §11.
    cfg.setdefault("hidden_size", 256)
    return SeqVAE(num_classes=0, bidirectional=True, **cfg)


@torch.no_grad()
def knn_scores(
    train_feats: torch.Tensor,
    train_labels: torch.Tensor,
    test_feats: torch.Tensor,
    num_classes: int,
    k: int = 5,
) -> torch.Tensor:
    """Class scores ``(N_test, num_classes)`` from the k nearest training features (cosine).

    Votes are weighted by similarity, so the scores rank all classes and Top-5 is meaningful.
    """
    a = F.normalize(test_feats, dim=1)
    b = F.normalize(train_feats, dim=1)
    sim = a @ b.T
    k = min(k, b.shape[0])
    top, idx = sim.topk(k, dim=1)
    scores = torch.zeros(a.shape[0], num_classes)
    scores.scatter_add_(1, train_labels[idx], (top + 1) / 2)  # similarities in [0, 1]
    return scores / scores.sum(1, keepdim=True).clamp(min=1e-12)
