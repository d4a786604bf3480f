"""Poses with OpenPifPaf, for GPU workers (docs/design.md §9). Pure: no Django.

The checkpoint always comes from a local path (POSE_CHECKPOINT): nothing is downloaded. A body
checkpoint gives COCO-17 keypoints, a whole-body one 133 (hands included); the layout name is
stored with the poses so `baselines.skeleton.to_imigue22` maps either to the 22-joint layout.
OpenPifPaf is built once from its sdist (scripts/install_openpifpaf.sh).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .poses import PoseConfigError, PoseResult
from .subject import main_subject

LAYOUT_BY_KEYPOINTS = {17: "coco17", 133: "coco_wholebody133"}


def _import_openpifpaf():
    # openpifpaf 0.13 calls matplotlib.cm.get_cmap at import time (its visualizers); matplotlib
    # 3.9 removed it. The registry method is the same lookup, so alias it rather than pinning
    # an old matplotlib for the whole project.
    import matplotlib
    import matplotlib.cm

    if not hasattr(matplotlib.cm, "get_cmap"):
        matplotlib.cm.get_cmap = matplotlib.colormaps.get_cmap
    import openpifpaf

    return openpifpaf


@contextlib.contextmanager
def _trusted_checkpoint_loading():
    # OpenPifPaf checkpoints are pickled networks; torch >= 2.6 refuses them unless weights_only
    # is off. The file is the admin's own local configuration, so it is trusted.
    previous = os.environ.get("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD")
    os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
        else:
            os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = previous


@dataclass
class PoseSettings:
    checkpoint: str
    batch_size: int = 8
    # Frames are resized so their long edge is this (OpenPifPaf's usual 641); batching needs a
    # common size, so None (full resolution) runs one frame at a time.
    long_edge: int | None = 641
    device: str | None = None  # None: cuda when available


def load_predictor(settings: PoseSettings):
    """An OpenPifPaf Predictor for a local checkpoint; a clear error when none is configured."""
    if not settings.checkpoint:
        raise PoseConfigError(
            "No pose checkpoint is configured. Download an OpenPifPaf checkpoint (for example "
            "shufflenetv2k30-wholebody for hands, or shufflenetv2k16 for the body) on a machine "
            "with internet access, copy it to the workers and set POSE_CHECKPOINT to its path."
        )
    path = Path(settings.checkpoint)
    if not path.is_file():
        raise PoseConfigError(f"POSE_CHECKPOINT points to {path}, which is not a file.")
    openpifpaf = _import_openpifpaf()
    import torch

    predictor_class = openpifpaf.Predictor
    predictor_class.batch_size = settings.batch_size if settings.long_edge else 1
    predictor_class.long_edge = settings.long_edge
    predictor_class.loader_workers = 0  # frames come from our own decoder, in this process
    if settings.device:
        predictor_class.device = torch.device(settings.device)
    openpifpaf.network.Factory.base_name = None
    # The C++ decoder's std::cout info lines crashed it (segfault on the first frame) in a CUDA
    # image whose libstdc++ differs from the build's (bench/pose_gpu.py, docs/benchmarks.md);
    # the lines only duplicate Python's logging, so they are switched off.
    quiet = getattr(getattr(torch.ops, "openpifpaf", None), "set_quiet", None)
    if quiet is not None:
        quiet(True)
    with _trusted_checkpoint_loading():
        return predictor_class(checkpoint=str(path))


def build_untrained_checkpoint(path: Path, base_name: str = "shufflenetv2k16") -> Path:
    """Write a checkpoint of an untrained network (random weights), built offline.

    For tests and benchmarks only: it exercises the real loading and inference code, but its
    poses are meaningless. Real poses need a trained checkpoint (PoseConfigError says how).
    """
    openpifpaf = _import_openpifpaf()
    import torch

    head_metas = openpifpaf.datasets.factory("cocokp").head_metas
    factory = openpifpaf.network.Factory(base_name=base_name)
    net, epoch = factory.factory(head_metas=head_metas)
    torch.save({"model": net, "epoch": epoch, "meta": {"untrained": True}}, path)
    return path


def extract_poses(
    frames: Iterator[np.ndarray],
    predictor,
    *,
    num_frames: int,
    width: int,
    height: int,
    on_progress: Callable[[float], None] | None = None,
) -> PoseResult:
    """Run the predictor over every frame (batched by the predictor) and keep the main subject."""
    per_frame: list[list[np.ndarray]] = []
    num_keypoints = 0
    # OpenPifPaf wants an indexable list; a window of a few batches keeps memory flat for long
    # clips (a 720p frame is 2.7 MB) while every batch stays full.
    window = max(1, predictor.batch_size) * 4
    for chunk in _windows(frames, window):
        for predictions, _, _ in predictor.numpy_images(chunk):
            poses = [np.asarray(ann.data, dtype=np.float32) for ann in predictions]
            if poses:
                num_keypoints = poses[0].shape[0]
            per_frame.append(poses)
            if on_progress is not None:
                on_progress(len(per_frame) / max(num_frames, 1))
    if len(per_frame) != num_frames:
        raise ValueError(f"decoded {len(per_frame)} frames, expected {num_frames}")
    if not num_keypoints:
        num_keypoints = len(predictor.model_cpu.head_metas[0].keypoints)
    layout = LAYOUT_BY_KEYPOINTS.get(num_keypoints, f"openpifpaf{num_keypoints}")
    return PoseResult(
        keypoints=main_subject(per_frame, width, height, num_keypoints),
        layout=layout,
        people_per_frame=[len(p) for p in per_frame],
    )


def _windows(frames: Iterator[np.ndarray], size: int) -> Iterator[list[np.ndarray]]:
    chunk: list[np.ndarray] = []
    for frame in frames:
        chunk.append(frame)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


VERSION = "0.13.11"


class OpenPifPafExtractor:
    """The pose stage's extractor for OpenPifPaf: a loaded predictor and its settings."""

    name = "openpifpaf"

    def __init__(self, settings: PoseSettings):
        self.options = settings
        self.predictor = load_predictor(settings)
        num_keypoints = len(self.predictor.model_cpu.head_metas[0].keypoints)
        self.layout = LAYOUT_BY_KEYPOINTS.get(num_keypoints, f"openpifpaf{num_keypoints}")

    def settings(self) -> dict:
        return {
            "backend": self.name,
            "model": Path(self.options.checkpoint).name,
            "layout": self.layout,
            "version": VERSION,
            "batch_size": self.predictor.batch_size,
            "long_edge": self.options.long_edge,
        }

    def close(self) -> None:
        """Nothing to release: the predictor is kept for the worker process's next clip."""

    def extract(
        self,
        frames: Iterator[np.ndarray],
        *,
        num_frames: int,
        width: int,
        height: int,
        on_progress: Callable[[float], None] | None = None,
    ) -> PoseResult:
        return extract_poses(
            frames,
            self.predictor,
            num_frames=num_frames,
            width=width,
            height=height,
            on_progress=on_progress,
        )
