"""Labeler training: guidelines, rounds, the comparison and reference answers.

Training work lives in assignments marked `is_training` with their round; agreement runs,
review, clips and releases only ever read non-training assignments, and sample videos are
never handed out as real work.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from annotator import agreement
from annotator.agreement.multirater import reference_score, round_report
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


class TrainingError(ValueError):
    """A training action refused for a stated reason (HTTP 400)."""


# ---- guidelines ----


def save_guideline(project: Project, category_code: int | None, user=None, **fields) -> Guideline:
    """A new version of one category's guideline (None: the general boundary rules)."""
    category = None
    if category_code is not None:
        category = Category.objects.filter(project=project, code=category_code).first()
        if category is None:
            raise TrainingError(f"category {category_code} is not in this project")
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


def guideline_json(g: Guideline) -> dict:
    return {
        "category_code": g.category.code if g.category_id else None,
        "version": g.version,
        "definition": g.definition,
        "inclusion": g.inclusion,
        "exclusion": g.exclusion,
        "example_clips": g.example_clips,
        "created_at": g.created_at.isoformat(),
        "created_by": g.created_by.get_username() if g.created_by_id else None,
    }


def current_guidelines(project: Project) -> dict[int | None, Guideline]:
    """The latest version per category (key None: the general rules)."""
    latest: dict[int | None, Guideline] = {}
    for g in Guideline.objects.filter(project=project).select_related("category", "created_by"):
        key = g.category.code if g.category_id else None
        if key not in latest or g.version > latest[key].version:
            latest[key] = g
    return latest


# ---- rounds ----


@transaction.atomic
def create_round(
    project: Project, name: str, video_ids: list[int], user=None, spans: dict | None = None
) -> TrainingRound:
    """Assign every sample video to every active labeler of the project, as training."""
    videos = list(Video.objects.filter(project=project, pk__in=video_ids))
    if not videos or len(videos) != len(set(video_ids)):
        raise TrainingError("choose one or more videos of this project")
    real = Assignment.objects.filter(video__in=videos, is_training=False)
    if real.exists():
        taken = sorted({a.video.external_id for a in real.select_related("video")})
        raise TrainingError(f"videos {', '.join(taken)} are already assigned as real work")
    labelers = list(project.labelers.filter(is_active=True).order_by("code"))
    if len(labelers) < 2:
        raise TrainingError("a round needs at least two active labelers")
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


def round_status(round_: TrainingRound) -> dict:
    per_labeler: dict[str, dict[str, int]] = {}
    for a in round_.assignments.select_related("labeler"):
        entry = per_labeler.setdefault(a.labeler.code, {"items": 0, "submitted": 0})
        entry["items"] += 1
        entry["submitted"] += a.state == Assignment.State.SUBMITTED
    return {
        "id": round_.pk,
        "number": round_.number,
        "name": round_.name,
        "state": round_.state,
        "theta": round_.theta,
        "videos": [
            {
                "id": i.video_id,
                "external_id": i.video.external_id,
                "start_frame": i.start_frame,
                "end_frame": i.end_frame,
            }
            for i in round_.items.select_related("video")
        ],
        "labelers": per_labeler,
        "complete": bool(per_labeler)
        and all(e["items"] == e["submitted"] for e in per_labeler.values()),
        "has_reference": round_.reference.exists(),
        "created_at": round_.created_at.isoformat(),
        "closed_at": round_.closed_at.isoformat() if round_.closed_at else None,
    }


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


def comparison(round_: TrainingRound) -> dict:
    """The comparison page's data; only once every labeler has submitted every item."""
    status = round_status(round_)
    if not status["complete"]:
        raise TrainingError("the comparison opens once every labeler has submitted every item")
    annotations = _round_annotations(round_)
    frames = dict(Video.objects.filter(pk__in=list(annotations)).values_list("pk", "num_frames"))
    report = round_report(annotations, {k: v for k, v in frames.items() if v}, round_.theta)
    names = dict(Video.objects.filter(pk__in=list(annotations)).values_list("pk", "external_id"))
    return {
        **status,
        "pair_r": [{"labeler_i": a, "labeler_j": b, "r": r} for (a, b), r in report.pair_r.items()],
        "mean_r": report.mean_r,
        "fleiss_kappa": report.fleiss_kappa,
        "confusions": [
            {"categories": list(pair), "count": n}
            for pair, n in sorted(report.confusions.items(), key=lambda kv: -kv[1])
        ],
        "places": [
            {
                "video": names[p.video],
                "video_id": p.video,
                "missing": list(p.missing),
                "onset_spread": p.onset_spread,
                "offset_spread": p.offset_spread,
                "members": [
                    {
                        "labeler": li,
                        "start_frame": s.start,
                        "end_frame": s.end,
                        "category_code": s.category,
                    }
                    for li, s in p.members
                ],
            }
            for p in report.places
            if p.missing
            or p.onset_spread
            or p.offset_spread
            or len({s.category for _, s in p.members}) > 1
        ],
        "segments": {
            names[v]: {li: [[s.start, s.end, s.category] for s in segs] for li, segs in by.items()}
            for v, by in annotations.items()
        },
    }


@transaction.atomic
def set_reference(round_: TrainingRound, video_id: int, segments: list[dict], user=None) -> int:
    """Replace the reference answer of one item (editable like a review)."""
    if not round_.items.filter(video_id=video_id).exists():
        raise TrainingError("that video is not an item of this round")
    video = Video.objects.get(pk=video_id)
    rows = []
    for s in segments:
        start, end, code = int(s["start_frame"]), int(s["end_frame"]), int(s["category_code"])
        if not 0 <= start <= end or (video.num_frames and end >= video.num_frames):
            raise TrainingError(f"[{start}, {end}] is not a segment of video {video.external_id}")
        category = Category.objects.filter(project=round_.project_id, code=code).first()
        if category is None:
            raise TrainingError(f"category {code} is not in this project")
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
    if not round_status(round_)["complete"]:
        raise TrainingError("close the round once every labeler has submitted every item")
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


def labeler_results(labeler: Labeler, project: Project) -> list[dict]:
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
        out.append(
            {
                "round": round_.number,
                "name": round_.name,
                "closed_at": round_.closed_at.isoformat(),
                "segments": sum(len(v) for v in work.values()),
                "score": None
                if score is None
                else {
                    "r": score.r,
                    "matches": score.matches,
                    "n_reference": score.n_reference,
                    "n_labeler": score.n_labeler,
                    "onset_error": score.onset_error,
                    "offset_error": score.offset_error,
                    "confusions": [
                        {"reference": a, "labeler": b, "count": n}
                        for (a, b), n in score.confusions.items()
                    ],
                },
            }
        )
    return out
