"""What a review looks like now (docs/design.md §7): one video's review with its items and
suggestions, and the project's review queue. Read-only; :mod:`.review` changes decisions."""

from __future__ import annotations

from dataclasses import dataclass

from annotator.models import AgreementRun, Clip, Disagreement, ReviewDecision, Segment, Video

from .progress import count_by
from .review import (
    Keep,
    MatchedPair,
    ReviewNotFound,
    latest_run,
    matched_pairs,
    open_items,
    submitted_segments,
    suggested_keep,
)


@dataclass(frozen=True)
class ReviewItem:
    """One disagreement as the reviewer sees it: its span over both segments, the suggested
    "keep" and the decision so far (None: undecided)."""

    disagreement: Disagreement
    suggested: Keep
    decision: ReviewDecision | None

    @property
    def segments(self) -> list[Segment]:
        d = self.disagreement
        return [s for s in (d.segment_i, d.segment_j) if s is not None]

    @property
    def start_frame(self) -> int:
        return min(s.start_frame for s in self.segments)

    @property
    def end_frame(self) -> int:
        return max(s.end_frame for s in self.segments)


@dataclass(frozen=True)
class VideoReview:
    """Everything the review page shows for one video (admins only: it names both labelers).
    ``comparisons`` are the run's per-video entries for it (docs/agreement.md)."""

    video: Video
    run: AgreementRun
    comparisons: list[dict]
    segments: dict[str, list[Segment]]
    matches: list[MatchedPair]
    items: list[ReviewItem]
    open: int
    clips: list[Clip]

    @property
    def labelers(self) -> list[str]:
        return sorted(self.segments)


def video_review(video: Video) -> VideoReview:
    run = latest_run(video)
    if run is None:
        raise ReviewNotFound("no_agreement", "agreement has not compared this video yet")
    rule = video.project.clip_bounds_rule
    items = (
        Disagreement.objects.filter(run=run, video=video)
        .select_related(
            "segment_i__category", "segment_j__category", "decision__category", "decision__reviewer"
        )
        .order_by("id")
    )
    return VideoReview(
        video=video,
        run=run,
        comparisons=[v for v in run.per_video if v.get("video_key") == video.pk],
        segments=submitted_segments(video),
        matches=matched_pairs(video, run),
        items=[ReviewItem(d, suggested_keep(d, rule), getattr(d, "decision", None)) for d in items],
        open=open_items(video, run),
        clips=list(video.clips.select_related("category")),
    )


@dataclass(frozen=True)
class ReviewQueueRow:
    """One video the latest run compared: its R, its items and how many are still open."""

    video_id: int
    video: str
    r: float | None
    labelers: list[str]
    items: int
    open: int
    closed: bool


def project_review_summary(project) -> list[ReviewQueueRow]:
    """The review queue: one row per video the latest run compared."""
    run = project.agreement_runs.order_by("-created_at", "-id").first()
    if run is None:
        return []
    counts = count_by(Disagreement.objects.filter(run=run), "video_id")
    decided = count_by(
        ReviewDecision.objects.filter(disagreement__run=run).exclude(
            action=ReviewDecision.Action.UNDECIDED
        ),
        "disagreement__video_id",
    )
    closed = dict(Video.objects.filter(project=project).values_list("pk", "review_closed_at"))
    return [
        ReviewQueueRow(
            video_id=entry["video_key"],
            video=entry["video"],
            r=entry["r"],
            labelers=[entry["labeler_i"], entry["labeler_j"]],
            items=counts.get(entry["video_key"], 0),
            open=counts.get(entry["video_key"], 0) - decided.get(entry["video_key"], 0),
            closed=closed.get(entry["video_key"]) is not None,
        )
        for entry in run.per_video
    ]
