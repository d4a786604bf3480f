"""Review and consensus (docs/design.md §7): decide each disagreement, close the video, make its
clips.

The review of a video follows the project's latest agreement run. Matched pairs are not stored as
rows: they are recomputed from the submitted segments with the run's θ (the pure matching is
deterministic, and submitted work cannot change once review has started). Raw segments and R are
never changed here. Decisions keep an append-only history; undoing one sets it back to
"undecided" rather than deleting it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from annotator import agreement
from annotator.errors import CONFLICT, NOT_FOUND, DomainError, RuleError
from annotator.models import (
    AgreementRun,
    Assignment,
    Category,
    Clip,
    Disagreement,
    ReviewDecision,
    ReviewDecisionHistory,
    Segment,
    Video,
)


class ReviewError(RuleError, ValueError):
    """A review action refused by a named rule (code ``review_<rule>``)."""

    prefix = "review"


class ReviewNotFound(ReviewError):
    """There is no review of this video to show: agreement has not compared it yet."""

    kind = NOT_FOUND


class DecisionConflict(DomainError):
    """Another admin changed this decision since it was read; ``current`` is the decision as
    it is now."""

    code = "review_decision_conflict"
    kind = CONFLICT

    def __init__(self, current: ReviewDecision):
        super().__init__(f"the decision changed (now version {current.version}); reload")
        self.current = current


@dataclass(frozen=True)
class MatchedPair:
    labeler_i: str
    labeler_j: str
    segment_i: Segment
    segment_j: Segment
    tiou: float


def latest_run(video: Video) -> AgreementRun | None:
    """The project's newest run, if it compared this video."""
    run = video.project.agreement_runs.order_by("-created_at", "-id").first()
    if run is None or not any(v.get("video_key") == video.pk for v in run.per_video):
        return None
    return run


def submitted_segments(video: Video) -> dict[str, list[Segment]]:
    by_labeler: dict[str, list[Segment]] = {}
    assignments = video.assignments.filter(
        state=Assignment.State.SUBMITTED, is_training=False
    ).select_related("labeler")
    for a in assignments:
        by_labeler[a.labeler.code] = list(
            a.segments.filter(is_deleted=False).select_related("category")
        )
    return by_labeler


def matched_pairs(video: Video, run: AgreementRun) -> list[MatchedPair]:
    rows = submitted_segments(video)
    by_pk = {s.pk: s for segments in rows.values() for s in segments}
    pairs = []
    for entry in run.per_video:
        if entry.get("video_key") != video.pk:
            continue
        li, lj = entry["labeler_i"], entry["labeler_j"]
        as_pure = [
            [
                agreement.Segment(s.pk, s.start_frame, s.end_frame, s.category.code)
                for s in rows.get(code, [])
            ]
            for code in (li, lj)
        ]
        result = agreement.compare_video(as_pure[0], as_pure[1], run.theta)
        pairs += [MatchedPair(li, lj, by_pk[m.a.id], by_pk[m.b.id], m.tiou) for m in result.matches]
    return pairs


def _pure(segment: Segment | None) -> agreement.Segment | None:
    if segment is None:
        return None
    return agreement.Segment(
        segment.pk, segment.start_frame, segment.end_frame, segment.category.code
    )


@dataclass(frozen=True)
class Keep:
    """What "keep" makes of a disagreement: bounds and a category (None: still in dispute)."""

    start_frame: int
    end_frame: int
    category_code: int | None


def suggested_keep(disagreement: Disagreement, rule: str) -> Keep:
    """Design §7's defaults for "keep": bounds by the project's rule when there are two
    segments, else the one segment's; the category when it is not in dispute."""
    a, b = _pure(disagreement.segment_i), _pure(disagreement.segment_j)
    if a is not None and b is not None:
        start, end = agreement.consensus_bounds(a, b, rule)
        category = a.category if a.category == b.category else None
    else:
        only = a or b
        start, end, category = only.start, only.end, only.category
    return Keep(start, end, category)


def _snapshot(d: ReviewDecision) -> dict:
    return {
        "action": d.action,
        "category_code": d.category.code if d.category_id else None,
        "start_frame": d.start_frame,
        "end_frame": d.end_frame,
        "reason": d.reason,
        "version": d.version,
    }


def _check_open(video: Video) -> None:
    if video.review_closed_at is not None:
        raise ReviewError("closed", f"the review of video {video.external_id} is closed")


@transaction.atomic
def decide(
    disagreement: Disagreement,
    user,
    *,
    action: str,
    category_code: int | None = None,
    start_frame: int | None = None,
    end_frame: int | None = None,
    reason: str = "",
    version: int | None = None,
) -> ReviewDecision:
    """Keep (with one category and bounds) or drop a disagreement; "" undoes a decision."""
    video = Video.objects.select_for_update().get(pk=disagreement.video_id)
    _check_open(video)
    if action not in ReviewDecision.Action.values:
        raise ReviewError("action", f"unknown action {action!r}: keep, drop or '' (undo)")
    decision = ReviewDecision.objects.select_for_update().filter(disagreement=disagreement).first()
    if decision is not None and version is not None and version != decision.version:
        raise DecisionConflict(decision)
    category = None
    if action == ReviewDecision.Action.KEEP:
        defaults = suggested_keep(disagreement, video.project.clip_bounds_rule)
        code = category_code if category_code is not None else defaults.category_code
        if code is None:
            raise ReviewError("category", "choose the category to keep (the labelers disagree)")
        category = Category.objects.filter(project=video.project_id, code=code).first()
        if category is None:
            raise ReviewError("unknown_category", f"category {code} is not in this project")
        start_frame = defaults.start_frame if start_frame is None else start_frame
        end_frame = defaults.end_frame if end_frame is None else end_frame
        if not 0 <= start_frame <= end_frame:
            raise ReviewError("bounds", f"bounds [{start_frame}, {end_frame}] are not a segment")
        if video.num_frames is not None and end_frame >= video.num_frames:
            raise ReviewError(
                "out_of_range",
                f"end frame {end_frame} is outside the video (0..{video.num_frames - 1})",
            )
    else:
        start_frame = end_frame = None
    before = _snapshot(decision) if decision is not None else None
    if decision is None:
        decision = ReviewDecision(disagreement=disagreement, reviewer=user, version=0)
    decision.action = action
    decision.category = category
    decision.start_frame, decision.end_frame = start_frame, end_frame
    decision.reason = reason or ""
    decision.reviewer = user
    decision.version += 1
    decision.save()
    ReviewDecisionHistory.objects.create(
        decision=decision, before=before, after=_snapshot(decision), user=user
    )
    return decision


def open_items(video: Video, run: AgreementRun) -> int:
    """Disagreements of this video in `run` without a keep/drop decision."""
    decided = ReviewDecision.objects.exclude(action=ReviewDecision.Action.UNDECIDED)
    return (
        Disagreement.objects.filter(run=run, video=video)
        .exclude(pk__in=decided.values("disagreement"))
        .count()
    )


def _desired_clips(video: Video, run: AgreementRun) -> dict[str, dict]:
    rule = video.project.clip_bounds_rule
    desired: dict[str, dict] = {}
    for pair in matched_pairs(video, run):
        start, end = agreement.consensus_bounds(_pure(pair.segment_i), _pure(pair.segment_j), rule)
        key = f"match:{pair.segment_i.pk}:{pair.segment_j.pk}"
        uuids = [str(pair.segment_i.client_uuid), str(pair.segment_j.client_uuid)]
        desired[key] = {
            "start_frame": start,
            "end_frame": end,
            "category": pair.segment_i.category,
            "origin": Clip.Origin.MATCHED,
            "provenance": {
                "key": key,
                "run": run.pk,
                "rule": rule,
                "tiou": round(pair.tiou, 4),
                "segments": uuids,
                "labelers": [pair.labeler_i, pair.labeler_j],
            },
        }
    kept = ReviewDecision.objects.filter(
        disagreement__run=run, disagreement__video=video, action=ReviewDecision.Action.KEEP
    ).select_related("category", "disagreement")
    for d in kept:
        key = f"decision:{d.pk}"
        desired[key] = {
            "start_frame": d.start_frame,
            "end_frame": d.end_frame,
            "category": d.category,
            "origin": Clip.Origin.ADJUDICATED,
            "provenance": {
                "key": key,
                "run": run.pk,
                "decision": d.pk,
                "disagreement": d.disagreement_id,
                "kind": d.disagreement.kind,
                "reason": d.reason,
            },
        }
    return desired


def sync_clips(video: Video, run: AgreementRun) -> list[Clip]:
    """Make the video's clips match its review: idempotent, and never touches a clip that has
    entered processing (those stay as they are)."""
    desired = _desired_clips(video, run)
    existing = {c.provenance.get("key"): c for c in video.clips.all()}
    for key, clip in existing.items():
        if key not in desired and clip.status == Clip.Status.AGREED:
            clip.delete()
    for key, fields in desired.items():
        if key not in existing:
            Clip.objects.create(project_id=video.project_id, video=video, **fields)
    return list(video.clips.all())


@transaction.atomic
def close_review(video: Video, user=None) -> list[Clip]:
    """Every disagreement decided: fix the decisions and make the clips (docs/design.md §7)."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    run = latest_run(video)
    if run is None:
        raise ReviewError("no_agreement", "agreement has not compared this video yet")
    _check_open(video)
    remaining = open_items(video, run)
    if remaining:
        raise ReviewError("undecided", f"{remaining} disagreement(s) are not decided yet")
    clips = sync_clips(video, run)
    Video.objects.filter(pk=video.pk).update(
        review_closed_at=timezone.now(),
        review_closed_by=user if user is not None and user.is_authenticated else None,
    )
    return clips


def close_unanimous(run: AgreementRun) -> int:
    """Videos of a run with nothing to review are agreed at once: their clips are made."""
    closed = 0
    with_items = set(Disagreement.objects.filter(run=run).values_list("video_id", flat=True))
    for entry in run.per_video:
        video_id = entry["video_key"]
        if video_id in with_items:
            continue
        video = Video.objects.get(pk=video_id)
        if video.review_closed_at is None:
            close_review(video)
            closed += 1
    return closed


def carry_decisions(run: AgreementRun) -> int:
    """A new run (say, after a θ change) re-creates the disagreements; where one is the same item
    as before (same video, kind and segments), its decision carries over, with a history row."""
    previous = (
        AgreementRun.objects.filter(project=run.project_id, created_at__lte=run.created_at)
        .exclude(pk=run.pk)
        .order_by("-created_at", "-id")
        .first()
    )
    if previous is None:
        return 0
    old = {
        (
            d.disagreement.video_id,
            d.disagreement.kind,
            d.disagreement.segment_i_id,
            d.disagreement.segment_j_id,
        ): d
        for d in ReviewDecision.objects.filter(disagreement__run=previous).select_related(
            "disagreement", "category"
        )
    }
    carried = 0
    for item in Disagreement.objects.filter(run=run):
        source = old.get((item.video_id, item.kind, item.segment_i_id, item.segment_j_id))
        if source is None:
            continue
        decision = ReviewDecision.objects.create(
            disagreement=item,
            action=source.action,
            category=source.category,
            start_frame=source.start_frame,
            end_frame=source.end_frame,
            reviewer=source.reviewer,
            reason=source.reason,
            version=1,
        )
        after = {**_snapshot(decision), "carried_from": source.pk}
        ReviewDecisionHistory.objects.create(decision=decision, before=None, after=after, user=None)
        carried += 1
    return carried
