"""Read a release (docs/design.md §10) and turn it into PyTorch datasets.

Shapes: a clip's pose sequence is ``(T, V, C)`` — T frames, V = 22 iMiGUE joints, C = 3
(x, y, score) after :func:`normalise`. Batches from :func:`collate_padded` are ``(N, T_max, V, C)``
plus ``lengths`` ``(N,)`` so RNNs can pack them; :class:`UniformSample` makes every clip exactly
``T`` frames for ST-GCN.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset, WeightedRandomSampler

from baselines.skeleton import IMIGUE22_CENTER, to_imigue22

EMOTIONS = ("negative", "positive")  # label 0 / 1 of the emotion task


@dataclass(frozen=True)
class Clip:
    clip_id: str
    video_id: int
    subject_id: str
    category_code: str
    label: int
    start_frame: int
    end_frame: int
    num_frames: int


@dataclass(frozen=True)
class Video:
    video_id: int
    subject_id: str
    fps: float
    num_frames: int
    width: int
    height: int
    emotion: str


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _split_ids(split: dict, part: str, key: str) -> list:
    # Accept both {"train": {"clip_ids": [...]}} and the flat {"train_clip_ids": [...]}: the
    # exporter is written elsewhere, and a reader that fails on a nesting choice helps nobody.
    if part in split and isinstance(split[part], dict):
        return list(split[part].get(key, []))
    return list(split.get(f"{part}_{key}", []))


class Release:
    """A release folder. Only the tables are read eagerly; poses load on demand."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.clips = [
            Clip(
                r["clip_id"],
                int(r["video_id"]),
                str(r["subject_id"]),
                r["category_code"],
                int(r["label"]),
                int(r["start_frame"]),
                int(r["end_frame"]),
                int(r["num_frames"]),
            )
            for r in _read_csv(self.root / "clips.csv")
        ]
        self.videos = {
            int(r["video_id"]): Video(
                int(r["video_id"]),
                str(r["subject_id"]),
                float(r["fps"]),
                int(r["num_frames"]),
                int(r["width"]),
                int(r["height"]),
                r["emotion"],
            )
            for r in _read_csv(self.root / "videos.csv")
        }
        self.by_id = {c.clip_id: c for c in self.clips}
        taxonomy = self.root / "taxonomy.json"
        self.taxonomy = json.loads(taxonomy.read_text()) if taxonomy.exists() else {}

    @property
    def num_classes(self) -> int:
        """Categories in the taxonomy, else one more than the largest label seen."""
        cats = self.taxonomy.get("categories")
        return len(cats) if cats else max(c.label for c in self.clips) + 1

    def split_clips(self, part: str, protocol: str = "cross_subject") -> list[Clip]:
        """Clips of ``part`` ("train" or "test") in the order of clips.csv."""
        split = json.loads((self.root / "splits" / f"{protocol}.json").read_text())
        wanted = set(_split_ids(split, part, "clip_ids"))
        if not wanted:  # a split given by subjects only
            subjects = {str(s) for s in _split_ids(split, part, "subject_ids")}
            return [c for c in self.clips if c.subject_id in subjects]
        return [c for c in self.clips if c.clip_id in wanted]

    def split_videos(self, part: str) -> list[Video]:
        split = json.loads((self.root / "splits" / "emotion.json").read_text())
        ids = {int(v) for v in _split_ids(split, part, "video_ids")}
        return [v for vid, v in sorted(self.videos.items()) if vid in ids]

    def video_clips(self, video_id: int) -> list[Clip]:
        """A video's clips in time order (start, end, category), the order clip ids follow."""
        clips = [c for c in self.clips if c.video_id == video_id]
        return sorted(clips, key=lambda c: (c.start_frame, c.end_frame, c.category_code))

    def has_pose(self, clip_id: str) -> bool:
        return (self.root / "poses" / f"{clip_id}.npz").is_file()

    def load_pose(self, clip_id: str) -> np.ndarray:
        """``(T, 22, 3)`` raw pixels + score, converted from whatever layout the file holds."""
        with np.load(self.root / "poses" / f"{clip_id}.npz") as f:
            return to_imigue22(f["keypoints"], str(f["layout"]))


def frame_scale(pose: np.ndarray, width: int, height: int, min_score: float = 0.1) -> float:
    """The length coordinates are divided by: the longer frame side when the release knows the
    frame size, else the pose's own extent (the longer side of the box around every visible
    joint of the clip). Imported videos have width and height 0; dividing by that turned every
    coordinate into inf and the loss into NaN. A clip with at most one visible point gets 1."""
    if width > 0 or height > 0:
        return float(max(width, height))
    xy = pose[..., :2]
    seen = (pose[..., 2] >= min_score) & np.isfinite(xy).all(axis=-1)
    if not seen.any():
        return 1.0
    pts = xy[seen]
    extent = float((pts.max(axis=0) - pts.min(axis=0)).max())
    return extent if extent > 0 else 1.0


def normalise(pose: np.ndarray, width: int, height: int, min_score: float = 0.1) -> np.ndarray:
    """Pixels → centred, scale-free coordinates; ``(T, V, 3)`` in, ``(T, V, 3)`` out.

    Both axes are divided by :func:`frame_scale` (the longer frame side, or the pose's extent
    when the frame size is unknown) so that angles (and thus the graph's geometry) survive.
    Each frame is centred on its Neck; frames without a Neck use the clip's mean Neck, so a
    briefly missed shoulder does not teleport the whole body. Joints under ``min_score``, and
    joints with a non-finite value, become (0, 0, 0), the same marker as "not in this layout".
    """
    out = pose.astype(np.float32, copy=True)
    finite = np.isfinite(out).all(axis=-1)
    out[~finite] = 0.0
    out[..., :2] /= frame_scale(out, width, height, min_score)
    visible = finite & (out[..., 2] >= min_score)
    neck = out[:, IMIGUE22_CENTER, :2]
    has_neck = visible[:, IMIGUE22_CENTER]
    if has_neck.any():
        centre = np.where(has_neck[:, None], neck, neck[has_neck].mean(axis=0))
        out[..., :2] -= centre[:, None, :]
    out[~visible] = 0.0
    return out


class UniformSample:
    """Pick exactly ``num_frames`` frames spread over the whole clip (TSN-style segments).

    Short clips loop (frame ``i % T``) instead of being zero-padded; long clips are never cut to
    their last frames, because an MG's onset matters as much as its end. With ``train=True`` each
    segment contributes a random frame (drawn from ``generator``), otherwise its centre.
    """

    def __init__(self, num_frames: int, train: bool = False) -> None:
        self.num_frames, self.train = num_frames, train

    def indices(self, length: int, generator: torch.Generator | None = None) -> np.ndarray:
        n = self.num_frames
        if length <= n:
            return np.arange(n) % max(length, 1)
        edges = np.linspace(0, length, n + 1)
        if self.train:
            u = torch.rand(n, generator=generator).numpy()
        else:
            u = np.full(n, 0.5)
        return np.minimum((edges[:-1] + u * (edges[1:] - edges[:-1])).astype(int), length - 1)

    def __call__(self, seq: np.ndarray, generator: torch.Generator | None = None) -> np.ndarray:
        return seq[self.indices(len(seq), generator)]


class RandomAffine:
    """Random scale and in-plane rotation of visible joints (augmentation for training only)."""

    def __init__(self, scale: float = 0.1, degrees: float = 10.0) -> None:
        self.scale, self.degrees = scale, degrees

    def __call__(self, seq: np.ndarray, generator: torch.Generator | None = None) -> np.ndarray:
        r = torch.rand(2, generator=generator).numpy() * 2 - 1
        s = 1.0 + self.scale * r[0]
        a = np.deg2rad(self.degrees * r[1])
        rot = s * np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]], dtype=np.float32)
        out = seq.copy()
        out[..., :2] = out[..., :2] @ rot.T
        out[seq[..., 2] == 0] = 0.0  # keep the "missing" marker exact
        return out


Transform = Callable[[np.ndarray, torch.Generator | None], np.ndarray]


class ClipDataset(Dataset):
    """(pose ``(T, V, C)`` float tensor, label) per clip of a split; poses cached in memory."""

    def __init__(
        self,
        release: Release,
        clips: Sequence[Clip],
        min_score: float = 0.1,
        transforms: Sequence[Transform] = (),
        seed: int = 0,
    ) -> None:
        self.release, self.clips, self.transforms = release, list(clips), list(transforms)
        self.labels = [c.label for c in self.clips]
        self.poses = []
        for c in self.clips:
            v = release.videos[c.video_id]
            self.poses.append(normalise(release.load_pose(c.clip_id), v.width, v.height, min_score))
        # Augmentation draws from its own generator so that it is reproducible without
        # touching the global RNG the model's initialisation and dropout use.
        self.generator = torch.Generator().manual_seed(seed)

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        seq = self.poses[i]
        for t in self.transforms:
            seq = t(seq, self.generator)
        return torch.from_numpy(np.ascontiguousarray(seq, dtype=np.float32)), self.labels[i]


def collate_padded(batch: Sequence[tuple[torch.Tensor, int]]):
    """Pad to the longest clip; returns ``x (N, T_max, V, C)``, ``lengths (N,)``, ``y (N,)``.

    ``lengths`` stays on the CPU (``pack_padded_sequence`` wants it there) and lets RNN models
    pack the batch so that padding costs neither time nor hidden-state pollution.
    """
    seqs, labels = zip(*batch, strict=True)
    lengths = torch.tensor([len(s) for s in seqs], dtype=torch.long)
    x = torch.nn.utils.rnn.pad_sequence(list(seqs), batch_first=True)
    return x, lengths, torch.tensor(labels, dtype=torch.long)


def class_balanced_sampler(labels: Sequence[int], seed: int = 0) -> WeightedRandomSampler:
    """Draw each class equally often in expectation (iMiGUE's classes are long-tailed)."""
    counts = np.bincount(np.asarray(labels))
    weights = torch.tensor([1.0 / counts[y] for y in labels], dtype=torch.double)
    return WeightedRandomSampler(
        weights,
        num_samples=len(labels),
        replacement=True,
        generator=torch.Generator().manual_seed(seed),
    )


class VideoDataset(Dataset):
    """Per video of the emotion split: ``(features (L, D), emotion label)``.

    ``clip_features`` maps clip_id → a ``(D,)`` vector (e.g. a clip model's MG probabilities);
    the video's clips follow time order, L = its number of clips.
    """

    def __init__(
        self, release: Release, videos: Sequence[Video], clip_features: dict[str, np.ndarray]
    ) -> None:
        self.items, self.video_ids = [], []
        for v in videos:
            feats = [
                clip_features[c.clip_id]
                for c in release.video_clips(v.video_id)
                if c.clip_id in clip_features
            ]
            if feats:
                self.items.append(
                    (torch.tensor(np.stack(feats), dtype=torch.float32), EMOTIONS.index(v.emotion))
                )
                self.video_ids.append(v.video_id)
        self.labels = [y for _, y in self.items]
        # No augmentation here, but fit() checkpoints a data generator for exact resume.
        self.generator = torch.Generator().manual_seed(0)

    def __len__(self) -> int:
        return len(self.items)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        return self.items[i]
