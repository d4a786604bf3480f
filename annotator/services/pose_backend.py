"""The configured pose backend (docs/design.md §9), read from the settings once per use.

Processing asks :func:`require_pose_backend` before it queues anything: a backend that cannot
load (not installed, no checkpoint, an unknown name) refuses the request with the reason, rather
than failing every clip at its last stage after cut and blur have run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings

from annotator.errors import CONFLICT, DomainError
from pipeline import media
from pipeline.frames import iter_frames
from pipeline.poses import (
    PoseConfig,
    PoseConfigError,
    PoseExtractor,
    PoseResult,
    check_backend,
    load_extractor,
)


class PoseBackendUnavailable(DomainError):
    """The pose stage could not run as configured; nothing was started."""

    code = "pose_backend_unavailable"
    kind = CONFLICT

    def __init__(self, message: str, backend: str):
        super().__init__(message)
        self.backend = backend

    def fields(self) -> dict[str, Any]:
        return {"backend": self.backend}


def pose_config() -> PoseConfig:
    return PoseConfig(
        backend=settings.POSE_BACKEND,
        checkpoint=settings.POSE_CHECKPOINT,
        batch_size=settings.POSE_BATCH_SIZE,
        long_edge=settings.POSE_LONG_EDGE or None,
    )


def require_pose_backend() -> dict | None:
    """The settings the pose stage would store, after building the backend once.

    None when the check is switched off (POSE_PREFLIGHT=0: a web process without the ML stack).
    """
    if not settings.POSE_PREFLIGHT:
        return None
    config = pose_config()
    try:
        return check_backend(config)
    except PoseConfigError as exc:
        raise PoseBackendUnavailable(
            f"Processing was not started: the pose backend {config.backend!r} cannot load. {exc}",
            backend=config.backend,
        ) from exc


_EXTRACTORS: dict[PoseConfig, PoseExtractor] = {}


def cached_extractor(config: PoseConfig) -> PoseExtractor:
    """The backend for ``config``, built once per worker process: loading a model takes
    seconds, and the clip and whole-video pose jobs share it. PoseConfigError if it cannot."""
    if config not in _EXTRACTORS:
        _EXTRACTORS[config] = load_extractor(config)
    return _EXTRACTORS[config]


def discard_extractor(config: PoseConfig) -> None:
    """Drop (and close) the cached backend: after a failure it may hold a broken state."""
    extractor = _EXTRACTORS.pop(config, None)
    if extractor is not None:
        extractor.close()


def extract_from_file(
    video_file: Path, on_progress: Callable[[float], None]
) -> tuple[PoseResult, dict[str, Any], media.VideoInfo]:
    """The configured backend over every frame of a video file (a clip or a whole proxy):
    the poses, the backend's settings and the file's probe. PoseConfigError if the backend
    cannot load; a backend that fails mid-file is dropped from the cache."""
    config = pose_config()
    extractor = cached_extractor(config)
    info = media.probe_video(video_file)
    try:
        result = extractor.extract(
            iter_frames(video_file),
            num_frames=info.num_frames,
            width=info.width,
            height=info.height,
            on_progress=on_progress,
        )
    except Exception:
        discard_extractor(config)  # a failed model may hold a broken state
        raise
    return result, extractor.settings(), info
