"""Every kind of job and the queue it runs on, declared once.

Queues are the unit of deployment (docs/design.md §2): ``media`` for CPU work (probe, proxy,
cut, imports, agreement), ``gpu`` for faces, poses and training, ``export`` for releases. The
embedded default runs one worker that consumes all three.
"""

from __future__ import annotations

from enum import StrEnum


class Queue(StrEnum):
    MEDIA = "media"
    GPU = "gpu"
    EXPORT = "export"


class JobKind(StrEnum):
    INGEST = "ingest"
    IMPORT_FOLDER = "import_folder"
    AGREEMENT = "agreement"
    CLIP_CUT = "clip_cut"
    CLIP_PRIVACY = "clip_privacy"
    CLIP_POSES = "clip_poses"
    RELEASE = "release"
    LABEL_EXPORT = "label_export"
    BASELINE_RUN = "baseline_run"
    VIDEO_POSES = "video_poses"
    PROPOSALS = "proposals"

    @property
    def queue(self) -> Queue:
        return QUEUE_OF_KIND[self]


QUEUE_OF_KIND: dict[JobKind, Queue] = {
    JobKind.INGEST: Queue.MEDIA,
    JobKind.IMPORT_FOLDER: Queue.MEDIA,
    JobKind.AGREEMENT: Queue.MEDIA,
    JobKind.CLIP_CUT: Queue.MEDIA,
    JobKind.CLIP_PRIVACY: Queue.GPU,
    JobKind.CLIP_POSES: Queue.GPU,
    JobKind.RELEASE: Queue.EXPORT,
    JobKind.LABEL_EXPORT: Queue.EXPORT,
    JobKind.BASELINE_RUN: Queue.GPU,
    JobKind.VIDEO_POSES: Queue.GPU,
    # The suggester runs a baseline's model: the workers that train models also run them.
    JobKind.PROPOSALS: Queue.GPU,
}
