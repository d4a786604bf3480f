"""The numeric video ids a release uses (docs/design.md §10), kept in the database.

A release names videos by number (clip ids are ``{video:04d}_{k}``, and the baselines read
``video_id`` as an integer), and never by the project's own video ids, which may be free text
such as ``press_2019_05_03`` (docs/design.md §8, invariant 3). Each video gets its number the
first time a release holds it and keeps it (``Video.release_number``), so every version of a
release names it the same way. The mapping stays in the database; nothing in a release leads
back from the number to the project's id.

- A video whose id is a plain number keeps that number (iMiGUE's ids, so clip ids equal the
  MiGA challenge's), unless another video of the project already holds it.
- Any other video gets the next number above every number the project uses or could use (its
  numeric ids and the numbers given so far), in the order the videos were added.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from annotator.models import Project, Video

__all__ = ["assign_release_numbers", "numeric_id"]


def numeric_id(external_id: str) -> int | None:
    text = (external_id or "").strip()
    return int(text) if text.isdigit() else None


def assign_release_numbers(project: Project, videos: Iterable[Video]) -> dict[int, int]:
    """Video pk → release number for ``videos``, giving a number to those that lack one (and
    setting it on the given objects too). Idempotent: numbers once given never change."""
    wanted = {v.pk: v for v in videos}
    with transaction.atomic():
        # One writer at a time per project (PostgreSQL row lock; SQLite serialises writers), so
        # two releases started together cannot give one number twice.
        Project.objects.select_for_update().filter(pk=project.pk).first()
        rows = list(
            Video.objects.filter(project=project).values_list("pk", "external_id", "release_number")
        )
        taken = {number for _, _, number in rows if number is not None}
        numbers = {pk: number for pk, _, number in rows if pk in wanted and number is not None}
        missing = sorted(pk for pk in wanted if pk not in numbers)
        own = {pk: numeric_id(ext) for pk, ext, _ in rows}
        # Fresh numbers start above every numeric id of the project, given or not yet given,
        # so that a video named by its number keeps it whenever it can.
        fresh = max([0, *taken, *(n for n in own.values() if n is not None)]) + 1
        for pk in missing:
            number = own.get(pk)
            if number is None or number in taken:
                number, fresh = fresh, fresh + 1
            taken.add(number)
            numbers[pk] = number
            Video.objects.filter(pk=pk).update(release_number=number)
    for pk, video in wanted.items():
        video.release_number = numbers[pk]
    return numbers
