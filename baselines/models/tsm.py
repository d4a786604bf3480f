"""TSM (Lin et al., ICCV 2019): ResNet-50 with a residual temporal shift, RGB clips.

Input ``x (N, T, C, H, W)``: N clips, T = ``num_segments`` frames (one per segment), C = 3 RGB
channels. Output logits ``(N, num_classes)``, the average over segments (TSN consensus).
Nothing is downloaded: ``weights`` is None (random init) or a local checkpoint path.
"""

from __future__ import annotations

from pathlib import Path

import torch
from torch import nn
from torchvision.models import resnet50


def temporal_shift(x: torch.Tensor, num_segments: int, fold_div: int = 8) -> torch.Tensor:
    """Shift 1/fold_div of the channels one frame back, another 1/fold_div one frame forward.

    ``x (N·T, C, H, W)``; the shifted-out positions are zero-filled, as in the paper.
    """
    nt, c, h, w = x.shape
    x = x.view(nt // num_segments, num_segments, c, h, w)
    fold = c // fold_div
    out = torch.zeros_like(x)
    out[:, :-1, :fold] = x[:, 1:, :fold]
    out[:, 1:, fold : 2 * fold] = x[:, :-1, fold : 2 * fold]
    out[:, :, 2 * fold :] = x[:, :, 2 * fold :]
    return out.view(nt, c, h, w)


class TemporalShift(nn.Module):
    """Wraps a conv: shift, then convolve (placed on the residual branch, so identity survives)."""

    def __init__(self, conv: nn.Module, num_segments: int, fold_div: int = 8) -> None:
        super().__init__()
        self.conv, self.num_segments, self.fold_div = conv, num_segments, fold_div

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(temporal_shift(x, self.num_segments, self.fold_div))


class TSM(nn.Module):
    def __init__(
        self,
        num_classes: int = 32,
        num_segments: int = 8,
        fold_div: int = 8,
        weights: str | Path | None = None,
        dropout: float = 0.5,
    ) -> None:
        super().__init__()
        net = resnet50(weights=None)
        if weights is not None:
            # A local torchvision ResNet-50 state dict (e.g. ImageNet); its fc is replaced below.
            state = torch.load(Path(weights), map_location="cpu", weights_only=True)
            net.load_state_dict(state.get("state_dict", state))
        for layer in (net.layer1, net.layer2, net.layer3, net.layer4):
            for block in layer:
                block.conv1 = TemporalShift(block.conv1, num_segments, fold_div)
        net.fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(net.fc.in_features, num_classes))
        self.net, self.num_segments = net, num_segments

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        n, t = x.shape[:2]
        if t != self.num_segments:
            raise ValueError(f"TSM was built for {self.num_segments} segments, got T={t}")
        logits = self.net(x.flatten(0, 1))
        return logits.view(n, t, -1).mean(1)


def tsm(**cfg) -> TSM:
    return TSM(**cfg)
