"""Send a project's agreed clips through the privacy and pose pipeline; report its progress."""

from __future__ import annotations

from django.db import transaction

from annotator.models import Clip, Project
from pipeline.clip_handlers import start_chain
from pipeline.models import Job


class ProcessingError(ValueError):
    pass


@transaction.atomic
def process_clip(clip: Clip, user=None) -> Job:
    clip = Clip.objects.select_for_update().get(pk=clip.pk)
    if clip.status == Clip.Status.PROCESSING:
        raise ProcessingError(f"clip {clip.pk} is already being processed")
    if clip.status == Clip.Status.PROCESSED:
        raise ProcessingError(f"clip {clip.pk} is already processed")
    clip.status = Clip.Status.PROCESSING
    clip.error = ""
    clip.save(update_fields=["status", "error"])
    return start_chain(clip, user)


def process_project(project: Project, user=None, *, include_failed: bool = True) -> list[Job]:
    """One chain per clip that is agreed (and, by default, per clip that failed before)."""
    wanted = [Clip.Status.AGREED] + ([Clip.Status.FAILED] if include_failed else [])
    return [process_clip(clip, user) for clip in project.clips.filter(status__in=wanted)]


def processing_summary(project: Project) -> dict:
    clips = project.clips.all()
    by_status = {status: clips.filter(status=status).count() for status in Clip.Status.values}
    total = sum(by_status.values())
    return {
        "clips": total,
        "by_status": by_status,
        "progress": (by_status["processed"] / total) if total else 0.0,
        "failed": [
            {"clip": c.pk, "video": c.video.external_id, "error": c.error}
            for c in clips.filter(status=Clip.Status.FAILED).select_related("video")
        ],
    }
