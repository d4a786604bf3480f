"""Send a project's agreed clips through the privacy and pose pipeline; report its progress.

A clip is processed by a chain of jobs, one per stage (cut → privacy → poses, docs/design.md §8).
``Clip.processing_job`` is the stage the clip is in; a stage that succeeds hands the clip on with
:func:`advance`, which enqueues the next stage only if the clip is still its own, so a stage
retried after handing on does not start a second chain.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from annotator.errors import DomainError
from annotator.job_scopes import clip_scope
from annotator.models import Clip, Project
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job

from .progress import StateCounts, clip_states


class ProcessingError(DomainError, ValueError):
    """A clip that cannot be sent through the pipeline now (it is already on its way)."""

    code = "clip_busy"


def clip_work_dir(clip: Clip) -> str:
    """Where the unblurred cut waits for the privacy stage (under MEDIA_ROOT; never served)."""
    return f"work/clips/{clip.pk}"


def _enqueue_stage(clip: Clip, kind: JobKind, user=None) -> Job:
    job = runner.enqueue(
        kind,
        scope=clip_scope(clip.project_id, clip.video_id, clip.pk),
        params={"clip": clip.pk},
        user=user,
    )
    Clip.objects.filter(pk=clip.pk).update(processing_job=job)
    return job


@transaction.atomic
def process_clip(clip: Clip, user=None) -> Job:
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.status == Clip.Status.PROCESSING:
        raise ProcessingError(f"clip {clip.pk} is already being processed")
    if clip.status == Clip.Status.PROCESSED:
        raise ProcessingError(f"clip {clip.pk} is already processed", code="clip_processed")
    clip.status = Clip.Status.PROCESSING
    clip.error = ""
    clip.save(update_fields=["status", "error"])
    return _enqueue_stage(clip, JobKind.CLIP_CUT, user)


@transaction.atomic
def advance(clip: Clip, finished: Job, next_kind: JobKind) -> Job | None:
    """Hand the clip from the stage ``finished`` to ``next_kind``, once."""
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.processing_job_id != finished.pk:
        return None
    return _enqueue_stage(clip, next_kind, finished.created_by)


def process_project(project: Project, user=None, *, include_failed: bool = True) -> list[Job]:
    """One chain per clip that is agreed (and, by default, per clip that failed before)."""
    wanted = [Clip.Status.AGREED] + ([Clip.Status.FAILED] if include_failed else [])
    return [process_clip(clip, user) for clip in project.clips.filter(status__in=wanted)]


@dataclass(frozen=True)
class ProcessingSummary:
    """A project's clips by processing status, and the failed ones (with their video)."""

    counts: StateCounts
    failed: list[Clip]

    @property
    def progress(self) -> float:
        return self.counts.fraction(Clip.Status.PROCESSED)


def processing_summary(project: Project) -> ProcessingSummary:
    clips = project.clips.all()
    failed = clips.filter(status=Clip.Status.FAILED).select_related("video")
    return ProcessingSummary(clip_states(clips), list(failed))
