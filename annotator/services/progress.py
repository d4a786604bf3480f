"""How far work has got: the one way progress counts are computed.

Every count of rows by state (a project's videos by ingest status, its assignments by state, its
clips by processing status, a review queue's items per video, a training round's assignments per
labeler) is one grouped query through :func:`count_by`; :class:`StateCounts` adds the total and
the fraction done. The project page, the agreement dashboard, the processing page, the clips page,
the review queue and training rounds all read their numbers from here.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet

from annotator.models import Assignment, Clip, Project, Video


def count_by(rows: QuerySet, *fields: str) -> dict[Hashable, int]:
    """Rows per value of ``fields`` (a tuple key when several), in one grouped query; values
    with no rows are absent."""
    grouped = rows.order_by().values(*fields).annotate(n=Count("pk"))
    if len(fields) == 1:
        return {row[fields[0]]: row["n"] for row in grouped}
    return {tuple(row[f] for f in fields): row["n"] for row in grouped}


@dataclass(frozen=True)
class StateCounts:
    """Rows per state, every state listed (0 when none), in the states' declared order."""

    by_state: dict[str, int]

    @classmethod
    def of(cls, rows: QuerySet, field: str, states: Iterable[str]) -> StateCounts:
        found = count_by(rows, field)
        return cls({state: found.get(state, 0) for state in states})

    @property
    def total(self) -> int:
        return sum(self.by_state.values())

    def fraction(self, state: str) -> float:
        """The share of rows in ``state`` (0.0 when there are none)."""
        return self.by_state.get(state, 0) / self.total if self.total else 0.0


def clip_states(clips: QuerySet) -> StateCounts:
    return StateCounts.of(clips, "status", Clip.Status.values)


@dataclass(frozen=True)
class ClipSummary:
    """Clips by origin and by status, only the values present (the clips page's filters may
    leave out most)."""

    count: int
    by_origin: dict[str, int]
    by_status: dict[str, int]


def clip_summary(clips: QuerySet) -> ClipSummary:
    return ClipSummary(clips.count(), count_by(clips, "origin"), count_by(clips, "status"))


@dataclass(frozen=True)
class ProjectProgress:
    """A project's videos by ingest status, its real (non-training) assignments, and its
    videos along the way to a release: labelled (every real assignment submitted, two or
    more), agreed (review closed), processed (has clips, all processed), released (a clip of
    it is in a release)."""

    videos: StateCounts
    assigned: int
    assignments: StateCounts
    clips: int
    releases: int
    labelled: int
    agreed: int
    processed: int
    released: int


def project_progress(project: Project) -> ProjectProgress:
    videos = project.videos.all()
    real = Assignment.objects.filter(video__project=project, is_training=False)
    submitted = Q(assignments__is_training=False, assignments__state=Assignment.State.SUBMITTED)
    labelled = (
        videos.annotate(
            n=Count("assignments", filter=Q(assignments__is_training=False), distinct=True),
            done=Count("assignments", filter=submitted, distinct=True),
        )
        .filter(done__gte=2, done=F("n"))
        .count()
    )
    processed = (
        videos.annotate(
            n=Count("clips", distinct=True),
            done=Count("clips", filter=Q(clips__status=Clip.Status.PROCESSED), distinct=True),
        )
        .filter(n__gt=0, done=F("n"))
        .count()
    )
    return ProjectProgress(
        videos=StateCounts.of(videos, "status", Video.Status.values),
        assigned=videos.filter(assignments__is_training=False).distinct().count(),
        assignments=StateCounts.of(real, "state", Assignment.State.values),
        clips=project.clips.count(),
        releases=project.releases.count(),
        labelled=labelled,
        agreed=videos.filter(review_closed_at__isnull=False).count(),
        processed=processed,
        released=videos.filter(clips__releases__isnull=False).distinct().count(),
    )
