"""LSTM and BLSTM clip classifiers over packed variable-length pose sequences (iMiGUE §5.1).

Input ``x (N, T, V, C)``: N clips, T frames (padded to the longest), V joints, C channels per
joint; ``lengths (N,)`` the true frame counts. Output logits ``(N, num_classes)``.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence


def packed_last_hidden(rnn: nn.LSTM, x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """Run ``rnn`` on ``(N, T, D)`` and return the last layer's final hidden state ``(N, H·dirs)``.

    Packing means each clip's final state is taken at its own last frame, not after padding.
    """
    if lengths is None:
        _, (h, _) = rnn(x)
    else:
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        _, (h, _) = rnn(packed)
    dirs = 2 if rnn.bidirectional else 1
    return torch.cat([h[-d] for d in range(dirs, 0, -1)], dim=1)


class MaskedBatchNorm(nn.Module):
    """BatchNorm1d over the features of real frames only: ``(N, T, D)`` in and out.

    Normalised pose coordinates are tiny (≈0.05 after dividing by the frame size) beside the
    0..1 scores, and an LSTM fed them as-is does not learn; ST-GCN solves the same problem with
    its data BN. Padding is excluded so batch statistics do not depend on the longest clip.
    """

    def __init__(self, num_features: int, affine: bool = True) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(num_features, affine=affine)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if lengths is None:
            return self.bn(x.flatten(0, 1)).view_as(x)
        mask = torch.arange(x.shape[1], device=x.device)[None] < lengths.to(x.device)[:, None]
        out = torch.zeros_like(x)
        out[mask] = self.bn(x[mask])
        return out


class LSTMClassifier(nn.Module):
    """Frame features (V·C flattened joints) → stacked (B)LSTM → final hidden state → linear."""

    def __init__(
        self,
        num_classes: int = 32,
        num_joints: int = 22,
        in_channels: int = 3,
        hidden_size: int = 256,
        num_layers: int = 2,
        bidirectional: bool = False,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.data_bn = MaskedBatchNorm(num_joints * in_channels)
        self.rnn = nn.LSTM(
            num_joints * in_channels,
            hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
        )
        self.drop = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        n, t = x.shape[:2]
        h = packed_last_hidden(self.rnn, self.data_bn(x.reshape(n, t, -1), lengths), lengths)
        return self.fc(self.drop(h))


def lstm(**cfg) -> LSTMClassifier:
    return LSTMClassifier(bidirectional=False, **cfg)


def blstm(**cfg) -> LSTMClassifier:
    return LSTMClassifier(bidirectional=True, **cfg)
