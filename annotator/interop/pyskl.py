"""A PYSKL-style pickle of clips' poses. Pure (no Django).

The format of PYSKL's annotation files (kennymckormick/pyskl, ``tools/data/README.md``): a dict
with ``split`` (split name → list of sample ids) and ``annotations``, one dict per sample with
``frame_dir`` (the sample id; here the clip id), ``total_frames`` T, ``img_shape`` and
``original_shape`` (height, width), ``label`` (int), ``keypoint`` float32 (M, T, V, 2) and
``keypoint_score`` float32 (M, T, V). Here M = 1 (the main subject) and V is the stored pose
layout's keypoint count (137 for imported OpenPose, see ``baselines.skeleton``).
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

SPLITS = ("xsub_train", "xsub_val")


@dataclass(frozen=True)
class PoseSample:
    clip_id: str
    label: int  # 0..N-1 (the category's label_index)
    keypoints: np.ndarray  # (T, K, 3): x, y, score
    img_shape: tuple[int, int]  # (height, width)


def annotation(sample: PoseSample) -> dict:
    keypoints = np.asarray(sample.keypoints, dtype=np.float32)
    if keypoints.ndim != 3 or keypoints.shape[2] < 3:
        raise ValueError(f"{sample.clip_id}: keypoints {keypoints.shape} are not (T, K, 3)")
    shape = (int(sample.img_shape[0]), int(sample.img_shape[1]))
    return {
        "frame_dir": sample.clip_id,
        "label": int(sample.label),
        "img_shape": shape,
        "original_shape": shape,
        "total_frames": int(keypoints.shape[0]),
        "keypoint": np.ascontiguousarray(keypoints[None, :, :, :2]),
        "keypoint_score": np.ascontiguousarray(keypoints[None, :, :, 2]),
    }


def build_pyskl(samples: Iterable[PoseSample], split: Mapping[str, Sequence[str]]) -> dict:
    """The pickle's content; ``split`` lists clip ids (every one must be a sample)."""
    annotations = [annotation(s) for s in samples]
    ids = {a["frame_dir"] for a in annotations}
    unknown = sorted({c for names in split.values() for c in names} - ids)
    if unknown:
        raise ValueError(f"split names clips without poses: {', '.join(unknown[:10])}")
    return {"split": {k: list(v) for k, v in split.items()}, "annotations": annotations}


def dump_pyskl(data: dict) -> bytes:
    return pickle.dumps(data, protocol=4)
