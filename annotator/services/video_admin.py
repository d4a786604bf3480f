"""An admin's edits to one video after upload: its subject and win/lose, and deleting a video that
nothing depends on (a rejected upload, say) together with its files."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import transaction

from annotator.errors import CONFLICT, DomainError
from annotator.metadata import name_problem
from annotator.models import Subject, Video

MATCH_RESULTS = {"win", "lose", ""}


class VideoEditError(DomainError, ValueError):
    """A video edit refused for a stated reason."""

    code = "video_edit_refused"


class VideoInUse(DomainError):
    """The video is labelled, reviewed, clipped or a training sample: deleting it would take
    that work with it."""

    code = "video_in_use"
    kind = CONFLICT


@transaction.atomic
def set_metadata(
    video: Video, *, subject_id: str | None = None, match_result: str | None = None
) -> Video:
    """Set what the upload could not say: the subject (pseudonymous id; "" clears it) and the
    match result ("win", "lose" or "" for unknown). None leaves a field as it is."""
    if match_result is not None:
        if match_result not in MATCH_RESULTS:
            raise VideoEditError(
                f"win/lose must be win, lose or empty, not {match_result!r}",
                code="invalid_match_result",
            )
        video.match_result = match_result
    if subject_id is not None:
        subject_id = subject_id.strip()
        problem = name_problem(subject_id, "subject id") if subject_id else None
        if problem or len(subject_id) > Subject._meta.get_field("subject_id").max_length:
            raise VideoEditError(problem or "the subject id is too long", code="invalid_subject_id")
        video.subject = (
            Subject.objects.get_or_create(project_id=video.project_id, subject_id=subject_id)[0]
            if subject_id
            else None
        )
    video.save(update_fields=["match_result", "subject"])
    return video


def in_use(video: Video) -> str:
    """Why deleting the video would lose work ("" when nothing depends on it)."""
    if video.status in (Video.Status.PENDING, Video.Status.INGESTING):
        return "it is being ingested; wait until it is ready or rejected"
    if video.assignments.exists():
        return "it is assigned to labelers"
    if video.clips.exists():
        return "it has clips"
    if video.training_items.exists():
        return "it is a training sample"
    return ""


@transaction.atomic
def delete_video(video: Video) -> None:
    """Delete a video nothing depends on, and its source and proxy files."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    why = in_use(video)
    if why:
        raise VideoInUse(f"video {video.external_id} cannot be deleted: {why}")
    files = [video.source_file, video.proxy_file]
    video.delete()
    root = Path(settings.MEDIA_ROOT)

    def remove_files() -> None:
        for relative in files:
            if relative:
                (root / relative).unlink(missing_ok=True)

    transaction.on_commit(remove_files)
