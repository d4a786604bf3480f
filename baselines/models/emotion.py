"""Video-level emotion (positive / negative) from a video's sequence of clips (docs/design.md §11).

Input ``x (N, L, D)``: N videos, L clips in time order (padded), D = per-clip feature size (the
clip model's MG probability vector, D = number of MG classes); ``lengths (N,)`` clips per video.
Output logits ``(N, 2)``.
"""

from __future__ import annotations

import torch
from torch import nn

from baselines.models.lstm import packed_last_hidden


class EmotionLSTM(nn.Module):
    """An LSTM over the per-clip MG probability vectors of a video (the paper's MG → emotion)."""

    def __init__(
        self,
        in_features: int = 32,
        hidden_size: int = 64,
        num_classes: int = 2,
        dropout: float = 0.2,
    ) -> None:
        super().__init__()
        self.rnn = nn.LSTM(in_features, hidden_size, batch_first=True)
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden_size, num_classes))

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(packed_last_hidden(self.rnn, x, lengths))


class VideoPooling(nn.Module):
    """Clip-level classifier (linear on each clip's features), logits averaged over the video.

    The comparison the paper makes: does the order of MGs help beyond their bag?
    """

    def __init__(self, in_features: int = 32, num_classes: int = 2) -> None:
        super().__init__()
        self.fc = nn.Linear(in_features, num_classes)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        logits = self.fc(x)
        if lengths is None:
            return logits.mean(1)
        mask = torch.arange(x.shape[1], device=x.device)[None] < lengths.to(x.device)[:, None]
        return (logits * mask[..., None]).sum(1) / mask.sum(1, keepdim=True).clamp(min=1)


def emotion_lstm(**cfg) -> EmotionLSTM:
    return EmotionLSTM(**cfg)


def video_pooling(**cfg) -> VideoPooling:
    return VideoPooling(**cfg)
