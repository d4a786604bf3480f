"""Send a project's agreed clips through the privacy and pose pipeline; report its progress.

A clip is processed by a chain of jobs, one per stage (cut → privacy → poses, docs/design.md §8).
``Clip.processing_job`` is the stage the clip is in; a stage that succeeds hands the clip on with
:func:`advance` (or ends it with :func:`finish`), which acts only if the clip is still the
stage's own, so a stage retried after handing on does not start a second chain.

Before anything is queued, a request that will need poses builds the configured pose backend
once (:func:`annotator.services.pose_backend.require_pose_backend`) and is refused if it cannot
load. A clip sent again resumes at the first stage whose input is gone: after a poses failure
only the poses run; a privacy failure deletes the unblurred cut, so the cut runs again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotator.errors import DomainError
from annotator.job_scopes import clip_scope
from annotator.models import Clip, Project
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job

from .pose_backend import require_pose_backend
from .progress import StateCounts, clip_states

# The stages a clip's row shows, in order; the privacy job does two of them.
STAGES = ("cut", "blur", "verify", "poses")
STAGE_OF_KIND = {JobKind.CLIP_CUT: "cut", JobKind.CLIP_PRIVACY: "blur", JobKind.CLIP_POSES: "poses"}
# The share of its job's progress each stage covers: blurring is most of the privacy job.
STAGE_SPAN = {"cut": (0.0, 1.0), "blur": (0.0, 0.8), "verify": (0.8, 1.0), "poses": (0.0, 1.0)}


class ProcessingError(DomainError, ValueError):
    """A clip that cannot be sent through the pipeline now (it is already on its way)."""

    code = "clip_busy"


def clip_work_dir(clip: Clip) -> str:
    """Where the unblurred cut waits for the privacy stage (under MEDIA_ROOT; never served)."""
    return f"work/clips/{clip.pk}"


def stage_progress(stage: str, fraction: float) -> float:
    """A stage's own progress (0..1) as its job's progress."""
    low, high = STAGE_SPAN[stage]
    return low + (high - low) * max(0.0, min(1.0, fraction))


def _enqueue_stage(clip: Clip, kind: JobKind, user=None) -> Job:
    job = runner.enqueue(
        kind,
        scope=clip_scope(clip.project_id, clip.video_id, clip.pk),
        params={"clip": clip.pk},
        user=user,
    )
    Clip.objects.filter(pk=clip.pk).update(processing_job=job)
    return job


def has_blurred_clip(clip: Clip) -> bool:
    """The verified, published clip exists: the privacy stage need not run again."""
    return bool(
        clip.clip_file
        and clip.clip_sha256
        and (clip.privacy or {}).get("passed") is True
        and (Path(settings.MEDIA_ROOT) / clip.clip_file).is_file()
    )


def first_stage(clip: Clip) -> JobKind:
    """Where the clip's chain (re)starts: the first stage whose input is gone."""
    return JobKind.CLIP_POSES if has_blurred_clip(clip) else JobKind.CLIP_CUT


def _needs_poses(project: Project) -> bool:
    return bool(project.extract_poses)


@transaction.atomic
def _start(clip: Clip, user=None) -> Job:
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.status == Clip.Status.PROCESSING:
        raise ProcessingError(f"clip {clip.pk} is already being processed")
    if clip.status == Clip.Status.PROCESSED:
        raise ProcessingError(f"clip {clip.pk} is already processed", code="clip_processed")
    clip.status = Clip.Status.PROCESSING
    clip.error = ""
    clip.save(update_fields=["status", "error"])
    return _enqueue_stage(clip, first_stage(clip), user)


def process_clip(clip: Clip, user=None) -> Job:
    """(Re)start one clip's chain; refused if its pose backend cannot load."""
    if clip.status in (Clip.Status.AGREED, Clip.Status.FAILED) and _needs_poses(clip.project):
        require_pose_backend()
    return _start(clip, user)


def process_project(project: Project, user=None, *, include_failed: bool = True) -> list[Job]:
    """One chain per clip that is agreed (and, by default, per clip that failed before)."""
    wanted = [Clip.Status.AGREED] + ([Clip.Status.FAILED] if include_failed else [])
    clips = list(project.clips.filter(status__in=wanted))
    if clips and _needs_poses(project):
        require_pose_backend()  # once per request, before any clip is queued
    return [_start(clip, user) for clip in clips]


@transaction.atomic
def advance(clip: Clip, finished: Job, next_kind: JobKind) -> Job | None:
    """Hand the clip from the stage ``finished`` to ``next_kind``, once."""
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.processing_job_id != finished.pk:
        return None
    return _enqueue_stage(clip, next_kind, finished.created_by)


@transaction.atomic
def finish(clip: Clip, finished: Job, **outputs) -> bool:
    """End the chain at ``finished``: the clip is processed, with ``outputs`` recorded."""
    updated = Clip.objects.filter(pk=clip.pk, processing_job_id=finished.pk).update(
        status=Clip.Status.PROCESSED, processed_at=timezone.now(), error="", **outputs
    )
    return bool(updated)


def after_privacy(clip: Clip, finished: Job) -> None:
    """The blurred clip is verified and published: on to the poses, or done without them."""
    if _needs_poses(clip.project):
        advance(clip, finished, JobKind.CLIP_POSES)
    else:
        finish(clip, finished)


@dataclass(frozen=True)
class ClipStage:
    """Where a clip's chain is: the stage, its job's state, and frames done of the clip's."""

    stage: str
    job: int
    state: str
    frames_done: int
    frames_total: int
    attempts: int


def clip_stage(clip: Clip) -> ClipStage | None:
    """The clip's current (or last) stage, from its processing job; None before processing."""
    job = clip.processing_job
    if job is None or job.kind not in STAGE_OF_KIND:
        return None
    # The privacy job names its stage ("blur" or "verify") in its progress message.
    stage = job.message if job.message in STAGES else STAGE_OF_KIND[JobKind(job.kind)]
    total = clip.end_frame - clip.start_frame + 1
    low, high = STAGE_SPAN[stage]
    if job.state == Job.State.SUCCEEDED:
        done = total
    else:
        done = round(total * max(0.0, min(1.0, (job.progress - low) / (high - low))))
    return ClipStage(stage, job.pk, job.state, done, total, job.attempts)


@dataclass(frozen=True)
class ErrorGroup:
    """One distinct failure and the clips it affects (a processing page row per error)."""

    stage: str
    message: str
    clips: list[int]


def _error_groups(failed: list[Clip]) -> list[ErrorGroup]:
    groups: dict[str, ErrorGroup] = {}
    for clip in failed:
        text = clip.error or "failed without a message"
        kind, sep, message = text.partition(": ")
        stage = STAGE_OF_KIND.get(kind, "") if sep else ""
        if stage == "blur" and message.startswith("privacy check failed"):
            stage = "verify"
        group = groups.setdefault(text, ErrorGroup(stage, message if sep else text, []))
        group.clips.append(clip.pk)
    return sorted(groups.values(), key=lambda g: (-len(g.clips), g.clips[0]))


@dataclass(frozen=True)
class ProcessingSummary:
    """A project's clips by processing status, the failed ones (with their video) and their
    distinct errors."""

    counts: StateCounts
    failed: list[Clip]
    errors: list[ErrorGroup]
    extract_poses: bool
    pose_backend: str | None

    @property
    def progress(self) -> float:
        return self.counts.fraction(Clip.Status.PROCESSED)


def processing_summary(project: Project) -> ProcessingSummary:
    clips = project.clips.all()
    failed = list(clips.filter(status=Clip.Status.FAILED).select_related("video"))
    return ProcessingSummary(
        clip_states(clips),
        failed,
        _error_groups(failed),
        bool(project.extract_poses),
        settings.POSE_BACKEND if project.extract_poses else None,
    )
