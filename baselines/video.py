"""RGB clips for TSM: ``clips/<clip_id>.mp4`` → ``(T, C, H, W)`` float tensors, T = segments.

Decoding goes through the ``ffmpeg`` binary (the project already requires it for media), so the
package needs no video-decoding Python dependency.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset

from baselines.data import Clip, Release, UniformSample

# ImageNet statistics: the TSM backbone is normally initialised from an ImageNet checkpoint.
MEAN = torch.tensor([0.485, 0.456, 0.406])[:, None, None]
STD = torch.tensor([0.229, 0.224, 0.225])[:, None, None]


def read_frames(path: str | Path, size: int) -> np.ndarray:
    """All frames of a video as ``(T, size, size, 3)`` uint8 RGB (squashed to a square)."""
    cmd = [
        "ffmpeg",
        "-v",
        "error",
        "-i",
        str(path),
        "-vf",
        f"scale={size}:{size}",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-",
    ]
    raw = subprocess.run(cmd, check=True, capture_output=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, size, size, 3)


class RGBClipDataset(Dataset):
    """(frames ``(T, 3, H, W)`` normalised, label) per clip; one frame per temporal segment."""

    def __init__(
        self,
        release: Release,
        clips: Sequence[Clip],
        num_segments: int = 8,
        size: int = 224,
        train: bool = False,
        seed: int = 0,
    ) -> None:
        self.release, self.clips, self.size = release, list(clips), size
        self.labels = [c.label for c in self.clips]
        self.sampler = UniformSample(num_segments, train=train)
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        frames = read_frames(
            self.release.root / "clips" / f"{self.clips[i].clip_id}.mp4", self.size
        )
        frames = self.sampler(frames, self.generator)
        x = torch.from_numpy(np.ascontiguousarray(frames)).permute(0, 3, 1, 2).float() / 255
        return (x - MEAN) / STD, self.labels[i]


def collate_fixed(batch):
    """Stack equal-length items: ``x (N, T, ...)``, ``lengths (N,)``, ``y (N,)``."""
    xs, ys = zip(*batch, strict=True)
    x = torch.stack(xs)
    return x, torch.full((len(xs),), x.shape[1], dtype=torch.long), torch.tensor(ys)
