"""The pose stage's backends and its stored file (docs/design.md §9). Pure: no Django.

Two backends extract poses from a blurred clip:

- ``mediapipe`` (the default): MediaPipe Holistic, whose models ship in the installed wheel, so
  it runs offline on a CPU; one person, 543 points per frame (`pipeline.pose_mediapipe`);
- ``openpifpaf``: OpenPifPaf with a checkpoint from a local path, for GPU workers
  (`pipeline.pose_openpifpaf`).

Each is an extractor with ``settings()`` (backend, model, layout and its own options, stored
with every clip it poses) and ``extract(frames, …)``. :func:`check_backend` builds one and
drops it, so a request can refuse to start processing when the stage could not run.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from pipeline.hashing import sha256_file

BACKENDS = ("mediapipe", "openpifpaf")


class PoseConfigError(Exception):
    """The pose stage cannot run as configured; the message says how to fix it."""


@dataclass
class PoseResult:
    keypoints: np.ndarray  # (T, K, 3) float32: x, y in pixels, score; zeros where not found
    layout: str
    people_per_frame: list[int]


@dataclass(frozen=True)
class PoseConfig:
    """What the environment chooses (POSE_BACKEND, POSE_CHECKPOINT, …)."""

    backend: str = "mediapipe"
    # OpenPifPaf only: the local checkpoint, batching and resize (docs/design.md §9).
    checkpoint: str = ""
    batch_size: int = 8
    long_edge: int | None = 641


class PoseExtractor(Protocol):
    name: str
    layout: str

    def settings(self) -> dict: ...

    def close(self) -> None: ...

    def extract(
        self,
        frames: Iterator[np.ndarray],
        *,
        num_frames: int,
        width: int,
        height: int,
        on_progress: Callable[[float], None] | None = None,
    ) -> PoseResult: ...


def load_extractor(config: PoseConfig) -> PoseExtractor:
    """The configured backend, ready to run; PoseConfigError says what is wrong if it is not."""
    if config.backend == "mediapipe":
        from .pose_mediapipe import MediaPipeExtractor

        return MediaPipeExtractor()
    if config.backend == "openpifpaf":
        from .pose_openpifpaf import OpenPifPafExtractor, PoseSettings

        return OpenPifPafExtractor(
            PoseSettings(
                checkpoint=config.checkpoint,
                batch_size=config.batch_size,
                long_edge=config.long_edge,
            )
        )
    raise PoseConfigError(
        f"POSE_BACKEND is {config.backend!r}; it must be one of {', '.join(BACKENDS)}."
    )


def check_backend(config: PoseConfig) -> dict:
    """Build the configured backend once and drop it: its import, model files and settings.

    Returns the settings the pose stage would store; raises PoseConfigError otherwise. Costs an
    import and a model load (about 1.5 s for MediaPipe, the first time in a process).
    """
    extractor = load_extractor(config)
    try:
        return extractor.settings()
    finally:
        extractor.close()


def save_poses(result: PoseResult, path: Path) -> None:
    """The release's pose file (docs/design.md §10): keypoints (T, K, 3) float32 and the layout
    name."""
    with open(path, "wb") as fh:
        np.savez_compressed(fh, keypoints=result.keypoints.astype(np.float32), layout=result.layout)


def publish_poses(
    keypoints: np.ndarray, layout: str, path: Path, *, temp: Path | None = None
) -> tuple[str, list[int]]:
    """Write a pose file where readers may be looking: into ``temp`` (by default a hidden file
    beside ``path``), synced, then renamed, so a crash leaves the old file or the new one, never
    half of one. Returns the file's sha256 and, per frame, whether anyone was found."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temp = temp or path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
    people = [int(row[:, 2].any()) for row in keypoints]
    try:
        save_poses(PoseResult(keypoints=keypoints, layout=layout, people_per_frame=people), temp)
        with open(temp, "rb") as fh:
            os.fsync(fh.fileno())
        digest = sha256_file(temp)
        os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)
    return digest, people
