"""Assign videos to labeler pairs (balancing lives in the pure annotator.assignment module)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from annotator.assignment import load_per_labeler, plan_assignments, videos_per_pair
from annotator.errors import DomainError
from annotator.models import Assignment, Disagreement, Labeler, Project, Video


class AssignmentError(DomainError, ValueError):
    """An assignment change refused; the message says why."""

    code = "assignment_refused"


def _real(qs):
    return qs.filter(is_training=False)


def existing_pairs(project: Project) -> list[tuple[int, int]]:
    pairs: dict[int, list[int]] = {}
    for video_id, labeler_id in _real(
        Assignment.objects.filter(video__project=project)
    ).values_list("video_id", "labeler_id"):
        pairs.setdefault(video_id, []).append(labeler_id)
    return [tuple(sorted(ls)) for ls in pairs.values() if len(ls) == 2]


@transaction.atomic
def assign_unassigned(project: Project) -> list[Assignment]:
    """Give every not-yet-assigned video of the project to two labelers, keeping balance."""
    labelers = list(project.labelers.filter(is_active=True).order_by("code"))
    if len(labelers) < 2:
        raise AssignmentError(
            f"project {project.name} needs at least two active labelers (has {len(labelers)})",
            code="too_few_labelers",
        )
    videos = list(
        project.videos.exclude(status=Video.Status.REJECTED)
        .exclude(training_items__isnull=False)  # sample videos of training rounds
        .annotate(n=Count("assignments", filter=Q(assignments__is_training=False)))
        .filter(n=0)
        .order_by("id")
    )
    plan = plan_assignments(
        [v.pk for v in videos], [lab.pk for lab in labelers], existing_pairs(project)
    )
    next_position = {
        row["labeler_id"]: (row["top"] or 0) + 1
        for row in Assignment.objects.filter(labeler__in=labelers)
        .values("labeler_id")
        .annotate(top=Max("position"))
    }
    created = []
    for item in plan:
        for labeler_id in item.labelers:
            position = next_position.get(labeler_id, 1)
            next_position[labeler_id] = position + 1
            created.append(
                Assignment(video_id=item.video, labeler_id=labeler_id, position=position)
            )
    Assignment.objects.bulk_create(created)
    return created


@dataclass(frozen=True)
class Balance:
    """How the project's real work is spread: videos per labeler code, and videos shared by
    each pair of codes."""

    load: dict[str, int]
    pairs: dict[tuple[str, str], int]


def balance(project: Project) -> Balance:
    codes = dict(Labeler.objects.values_list("pk", "code"))
    pairs = existing_pairs(project)
    return Balance(
        load={codes[k]: n for k, n in sorted(load_per_labeler(pairs).items())},
        pairs={(codes[a], codes[b]): n for (a, b), n in sorted(videos_per_pair(pairs).items())},
    )


@dataclass(frozen=True)
class Assigned:
    """What :func:`assign` made, and the balance it left."""

    created: list[Assignment]
    balance: Balance


def assign(project: Project) -> Assigned:
    """Assign every unassigned video (:func:`assign_unassigned`) and report the balance."""
    return Assigned(assign_unassigned(project), balance(project))


@transaction.atomic
def reassign(assignment: Assignment, new_labeler: Labeler) -> Assignment:
    """Hand an assignment to another labeler; work already done is never moved or dropped."""
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.labeler_id == new_labeler.pk:
        return assignment
    if Assignment.objects.filter(video=assignment.video, labeler=new_labeler).exists():
        raise AssignmentError(
            f"{new_labeler.code} already labels video {assignment.video.external_id}: "
            "a video needs two different labelers",
            code="same_labeler_twice",
        )
    if assignment.segments.exists() or assignment.state == Assignment.State.SUBMITTED:
        raise AssignmentError(
            f"{assignment.labeler.code} has already started video "
            f"{assignment.video.external_id}; reassigning would discard their segments",
            code="assignment_started",
        )
    top = Assignment.objects.filter(labeler=new_labeler).aggregate(top=Max("position"))["top"]
    assignment.labeler = new_labeler
    assignment.position = (top or 0) + 1
    assignment.save(update_fields=["labeler", "position"])
    return assignment


def queue_for(labeler: Labeler):
    return (
        Assignment.objects.filter(labeler=labeler)
        .select_related("video", "video__project")
        .order_by("position")
    )


@transaction.atomic
def submit(assignment: Assignment) -> Assignment:
    """Mark the video done; once two labelers have submitted it, agreement is recomputed."""
    from annotator.services.agreement import request_run, video_ready_for_agreement

    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.state != Assignment.State.SUBMITTED:
        assignment.state = Assignment.State.SUBMITTED
        assignment.submitted_at = timezone.now()
        assignment.save(update_fields=["state", "submitted_at"])
        video = assignment.video
        if not assignment.is_training and video_ready_for_agreement(video):
            request_run(video.project, trigger="submission")
    return assignment


def review_started(video) -> bool:
    """Review starts once agreement has produced disagreements or clips for the video."""
    return Disagreement.objects.filter(video=video).exists() or video.clips.exists()


@transaction.atomic
def reopen(assignment: Assignment) -> Assignment:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.state != Assignment.State.SUBMITTED:
        return assignment
    if review_started(assignment.video):
        raise AssignmentError(
            f"review of video {assignment.video.external_id} has started; it cannot be reopened",
            code="review_started",
        )
    assignment.state = Assignment.State.IN_PROGRESS
    assignment.submitted_at = None
    assignment.save(update_fields=["state", "submitted_at"])
    return assignment


def bookmark(assignment: Assignment, frame: int) -> Assignment:
    """Remember where the labeler stopped ("continue where I stopped")."""
    limit = (assignment.video.num_frames or 1) - 1
    frame = max(0, min(int(frame), limit))
    Assignment.objects.filter(pk=assignment.pk).update(last_frame=frame)
    assignment.last_frame = frame
    return assignment
