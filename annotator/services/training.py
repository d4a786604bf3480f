"""Labeler training: guidelines, rounds, the comparison and reference answers.

Training work lives in assignments marked `is_training` with their round; agreement runs,
review, clips and releases only ever read non-training assignments, and sample videos are
never handed out as real work.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotator import agreement
from annotator.agreement.multirater import (
    ReferenceScore,
    RoundReport,
    reference_score,
    round_report,
)
from annotator.errors import DomainError
from annotator.models import (
    Assignment,
    Category,
    Guideline,
    Labeler,
    Project,
    ReferenceSegment,
    TrainingItem,
    TrainingRound,
    Video,
)

from .progress import count_by


class TrainingError(DomainError, ValueError):
    """A training action refused for a stated reason."""

    code = "training_refused"


# ---- guidelines ----


def save_guideline(project: Project, category_code: int | None, user=None, **fields) -> Guideline:
    """A new version of one category's guideline (None: the general boundary rules)."""
    category = None
    if category_code is not None:
        category = Category.objects.filter(project=project, code=category_code).first()
        if category is None:
            raise TrainingError(
                f"category {category_code} is not in this project", code="unknown_category"
            )
    with transaction.atomic():
        Project.objects.select_for_update().get(pk=project.pk)  # serialise version numbers
        top = Guideline.objects.filter(project=project, category=category).aggregate(
            top=Max("version")
        )["top"]
        return Guideline.objects.create(
            project=project,
            category=category,
            version=(top or 0) + 1,
            created_by=user,
            definition=fields.get("definition", ""),
            inclusion=fields.get("inclusion", ""),
            exclusion=fields.get("exclusion", ""),
            example_clips=fields.get("example_clips", []),
        )


def current_guidelines(project: Project) -> dict[int | None, Guideline]:
    """The latest version per category (key None: the general rules)."""
    latest: dict[int | None, Guideline] = {}
    for g in Guideline.objects.filter(project=project).select_related("category", "created_by"):
        key = g.category.code if g.category_id else None
        if key not in latest or g.version > latest[key].version:
            latest[key] = g
    return latest


# ---- rounds ----


@dataclass(frozen=True)
class SampleCandidate:
    """A video of the project and whether it can be a new round's sample: ``reason`` (with its
    ``code``) says why not; empty when it can."""

    video: Video
    code: str = ""
    reason: str = ""


def sample_candidates(project: Project) -> list[SampleCandidate]:
    """Every video of the project, in id order, each eligible as a training sample or with the
    reason it is not: not ready, assigned as real work, or a sample of an earlier round."""
    real = set(
        Assignment.objects.filter(video__project=project, is_training=False).values_list(
            "video_id", flat=True
        )
    )
    rounds = dict(
        TrainingItem.objects.filter(round__project=project)
        .order_by("round__number")
        .values_list("video_id", "round__number")
    )
    out = []
    for video in project.videos.order_by("id"):
        if video.status != Video.Status.READY:
            why = ("not_ready", f"not ready ({video.get_status_display().lower()})")
        elif video.pk in real:
            why = ("assigned", "assigned as real work")
        elif video.pk in rounds:
            why = ("in_round", f"a sample of round {rounds[video.pk]}")
        else:
            why = ("", "")
        out.append(SampleCandidate(video, *why))
    return out


@transaction.atomic
def create_round(
    project: Project, name: str, video_ids: list[int], user=None, spans: dict | None = None
) -> TrainingRound:
    """Assign every sample video to every active labeler of the project, as training."""
    videos = list(Video.objects.filter(project=project, pk__in=video_ids))
    if not videos or len(videos) != len(set(video_ids)):
        raise TrainingError("choose one or more videos of this project", code="no_videos")
    real = Assignment.objects.filter(video__in=videos, is_training=False)
    if real.exists():
        taken = sorted({a.video.external_id for a in real.select_related("video")})
        raise TrainingError(
            f"videos {', '.join(taken)} are already assigned as real work", code="videos_taken"
        )
    # Each labeler has one assignment per video: a sample of an earlier round cannot be
    # labelled again as a new round's.
    used = TrainingItem.objects.filter(video__in=videos).select_related("video", "round")
    if used.exists():
        named = sorted({f"{i.video.external_id} (round {i.round.number})" for i in used})
        raise TrainingError(
            f"videos {', '.join(named)} are already samples of a round", code="videos_in_round"
        )
    labelers = list(project.labelers.filter(is_active=True).order_by("code"))
    if len(labelers) < 2:
        raise TrainingError("a round needs at least two active labelers", code="too_few_labelers")
    number = (project.training_rounds.aggregate(top=Max("number"))["top"] or 0) + 1
    round_ = TrainingRound.objects.create(
        project=project,
        number=number,
        name=name or f"Round {number}",
        created_by=user,
        theta=project.theta,
    )
    spans = spans or {}
    for video in videos:
        start, end = spans.get(video.pk, (None, None))
        TrainingItem.objects.create(round=round_, video=video, start_frame=start, end_frame=end)
    top = {
        row["labeler"]: row["top"] or 0
        for row in Assignment.objects.filter(labeler__in=labelers)
        .values("labeler")
        .annotate(top=Max("position"))
    }
    for labeler in labelers:
        for offset, video in enumerate(videos, start=1):
            Assignment.objects.get_or_create(
                video=video,
                labeler=labeler,
                defaults={
                    "position": top.get(labeler.pk, 0) + offset,
                    "is_training": True,
                    "training_round": round_,
                },
            )
    return round_


@dataclass(frozen=True)
class LabelerProgress:
    items: int
    submitted: int


@dataclass(frozen=True)
class RoundStatus:
    """A round, its sample videos, and each labeler's items submitted so far."""

    round: TrainingRound
    items: list[TrainingItem]
    labelers: dict[str, LabelerProgress]
    has_reference: bool

    @property
    def complete(self) -> bool:
        """Every labeler has submitted every item (then the comparison opens)."""
        return bool(self.labelers) and all(p.items == p.submitted for p in self.labelers.values())


def round_status(round_: TrainingRound) -> RoundStatus:
    counts = count_by(round_.assignments.all(), "labeler__code", "state")
    labelers: dict[str, LabelerProgress] = {}
    for code in sorted({code for code, _ in counts}):
        items = sum(n for (c, _), n in counts.items() if c == code)
        submitted = counts.get((code, Assignment.State.SUBMITTED), 0)
        labelers[code] = LabelerProgress(items, submitted)
    return RoundStatus(
        round=round_,
        items=list(round_.items.select_related("video")),
        labelers=labelers,
        has_reference=round_.reference.exists(),
    )


def _round_annotations(round_: TrainingRound, submitted_only: bool = True):
    annotations: dict[int, dict[str, list[agreement.Segment]]] = {}
    assignments = round_.assignments.select_related("labeler")
    if submitted_only:
        assignments = assignments.filter(state=Assignment.State.SUBMITTED)
    for a in assignments:
        annotations.setdefault(a.video_id, {})[a.labeler.code] = [
            agreement.Segment(s.pk, s.start_frame, s.end_frame, s.category.code)
            for s in a.segments.filter(is_deleted=False).select_related("category")
        ]
    return annotations


@dataclass(frozen=True)
class RoundComparison(RoundStatus):
    """The comparison page's data: the round's status, the multi-rater report, every
    labeler's segments per video, and the videos' external ids."""

    report: RoundReport
    annotations: dict[int, dict[str, list[agreement.Segment]]]
    video_names: dict[int, str]

    @property
    def places(self) -> list:
        """The places where the labelers differ: someone missed it, the bounds spread, or
        the categories differ."""
        return [
            p
            for p in self.report.places
            if p.missing
            or p.onset_spread
            or p.offset_spread
            or len({s.category for _, s in p.members}) > 1
        ]


def comparison(round_: TrainingRound) -> RoundComparison:
    """Only once every labeler has submitted every item."""
    status = round_status(round_)
    if not status.complete:
        raise TrainingError(
            "the comparison opens once every labeler has submitted every item",
            code="round_incomplete",
        )
    annotations = _round_annotations(round_)
    videos = Video.objects.filter(pk__in=list(annotations)).values_list(
        "pk", "num_frames", "external_id"
    )
    frames = {pk: n for pk, n, _ in videos if n}
    report = round_report(annotations, frames, round_.theta)
    return RoundComparison(
        **vars(status),
        report=report,
        annotations=annotations,
        video_names={pk: ext for pk, _, ext in videos},
    )


class BadReference(TrainingError):
    """A reference answer that cannot be stored; the message names what is wrong."""

    code = "bad_reference"

    def __init__(self, problem: str):
        super().__init__(f"bad reference: {problem}")


@transaction.atomic
def set_reference(round_: TrainingRound, video_id: int, segments: list[dict], user=None) -> int:
    """Replace the reference answer of one item (editable like a review). Each segment is a
    mapping with ``start_frame``, ``end_frame`` and ``category_code``; anything wrong with one
    refuses the whole answer as a :class:`BadReference`."""
    if not round_.items.filter(video_id=video_id).exists():
        raise BadReference("that video is not an item of this round")
    video = Video.objects.get(pk=video_id)
    rows = []
    for s in segments:
        try:
            start, end, code = int(s["start_frame"]), int(s["end_frame"]), int(s["category_code"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadReference(str(exc)) from exc
        if not 0 <= start <= end or (video.num_frames and end >= video.num_frames):
            raise BadReference(f"[{start}, {end}] is not a segment of video {video.external_id}")
        category = Category.objects.filter(project=round_.project_id, code=code).first()
        if category is None:
            raise BadReference(f"category {code} is not in this project")
        rows.append(
            ReferenceSegment(
                round=round_,
                video=video,
                start_frame=start,
                end_frame=end,
                category=category,
                updated_by=user,
            )
        )
    ReferenceSegment.objects.filter(round=round_, video=video).delete()
    ReferenceSegment.objects.bulk_create(rows)
    return len(rows)


def close_round(round_: TrainingRound) -> TrainingRound:
    if not round_status(round_).complete:
        raise TrainingError(
            "close the round once every labeler has submitted every item",
            code="round_incomplete",
        )
    TrainingRound.objects.filter(pk=round_.pk).update(
        state=TrainingRound.State.CLOSED, closed_at=timezone.now()
    )
    round_.refresh_from_db()
    return round_


def _reference(round_: TrainingRound) -> dict[int, list[agreement.Segment]]:
    reference: dict[int, list[agreement.Segment]] = {i.video_id: [] for i in round_.items.all()}
    for r in round_.reference.select_related("category"):
        reference[r.video_id].append(
            agreement.Segment(f"ref{r.pk}", r.start_frame, r.end_frame, r.category.code)
        )
    return reference


@dataclass(frozen=True)
class RoundResult:
    """One closed round as its labeler sees it: how many segments they drew and, when the
    round has a reference answer, their score against it."""

    round: TrainingRound
    segments: int
    score: ReferenceScore | None


def labeler_results(labeler: Labeler, project: Project) -> list[RoundResult]:
    """A labeler's scores against the reference, round by round (closed rounds only), so
    progress across rounds shows. Never another labeler's work."""
    out = []
    for round_ in project.training_rounds.filter(state=TrainingRound.State.CLOSED):
        mine = _round_annotations(round_).get
        work = {
            v: (mine(v) or {}).get(labeler.code, [])
            for v in round_.items.values_list("video_id", flat=True)
        }
        has_reference = round_.reference.exists()
        score = reference_score(_reference(round_), work, round_.theta) if has_reference else None
        out.append(RoundResult(round_, sum(len(v) for v in work.values()), score))
    return out
