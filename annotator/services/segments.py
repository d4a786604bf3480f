"""Saving a labeler's segments: the rules of design §5, idempotency and optimistic concurrency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from annotator.models import Assignment, Category, Segment, SegmentHistory


class SegmentRuleError(ValueError):
    """An edit refused by a named rule (reported as HTTP 400)."""

    def __init__(self, rule: str, message: str):
        super().__init__(message)
        self.rule = rule


class NotYourAssignment(PermissionError):
    """Raw segments belong to their labeler; nobody else writes them (admins review instead)."""


class VersionConflict(Exception):
    """A stale write: the segment changed since the client read it (HTTP 409)."""

    def __init__(self, current: Segment):
        super().__init__(
            f"segment {current.client_uuid} is at version {current.version}; reload and retry"
        )
        self.current = current


@dataclass
class SaveResult:
    segment: Segment
    created: bool
    warnings: list[str]


def _check_rules(
    assignment: Assignment, start: int, end: int, category: Category, exclude_pk=None
) -> list[str]:
    if start < 0 or end < 0:
        raise SegmentRuleError("out_of_range", "frames are 0-based and cannot be negative")
    if start > end:
        raise SegmentRuleError("start_after_end", f"start frame {start} is after end frame {end}")
    num_frames = assignment.video.num_frames
    if num_frames is not None and end >= num_frames:
        raise SegmentRuleError(
            "out_of_range",
            f"end frame {end} is outside the video (frames 0..{num_frames - 1})",
        )
    # One query for both rules (a save's latency is mostly its round trips): an identical
    # segment is also an overlapping one.
    counts = (
        Segment.objects.filter(
            assignment=assignment, is_deleted=False, category=category,
            start_frame__lte=end, end_frame__gte=start,
        )
        .exclude(pk=exclude_pk)
        .aggregate(
            overlaps=Count("pk"), same=Count("pk", filter=Q(start_frame=start, end_frame=end))
        )
    )  # fmt: skip
    if counts["same"]:
        raise SegmentRuleError(
            "duplicate", f"an identical segment [{start}, {end}] of C{category.code} exists"
        )
    warnings = []
    if counts["overlaps"]:
        warnings.append(
            "same_category_overlap: overlaps another segment of the same category; confirm or merge"
        )
    return warnings


def _category(assignment: Assignment, code: int) -> Category:
    try:
        return Category.objects.get(project=assignment.video.project_id, code=code)
    except Category.DoesNotExist:
        raise SegmentRuleError(
            "unknown_category", f"category {code} is not in this project's taxonomy"
        ) from None


def _check_open(assignment: Assignment) -> None:
    if assignment.state == Assignment.State.SUBMITTED:
        raise SegmentRuleError("submitted", "the video is submitted; reopen it to edit")


@transaction.atomic
def create_segment(
    assignment: Assignment | int,
    user,
    *,
    start_frame: int,
    end_frame: int,
    category_code: int,
    client_uuid: uuid.UUID | None = None,
    owner=None,
) -> SaveResult:
    """Create once per client uuid: a retried POST returns the segment it already made.

    The assignment is locked before the uuid is looked up, so the same POST sent twice at once
    (a retry racing the original) finds the first one's segment instead of failing as a
    duplicate of it. With ``owner``, only that user's own assignment may be written
    (NotYourAssignment otherwise); the check rides on the locking query.
    """
    client_uuid = client_uuid or uuid.uuid4()
    assignment_id = assignment if isinstance(assignment, int) else assignment.pk
    assignment = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("video", "labeler")
        .get(pk=assignment_id)
    )
    if owner is not None and assignment.labeler.user_id != owner.pk:
        raise NotYourAssignment("Only the assigned labeler edits these segments.")
    existing = Segment.objects.filter(client_uuid=client_uuid).first()
    if existing is not None:
        if existing.assignment_id != assignment.pk:
            raise SegmentRuleError("uuid_taken", "this client uuid belongs to another segment")
        return SaveResult(existing, False, [])
    _check_open(assignment)
    category = _category(assignment, category_code)
    warnings = _check_rules(assignment, start_frame, end_frame, category)
    segment = Segment.objects.create(
        assignment=assignment,
        client_uuid=client_uuid,
        start_frame=start_frame,
        end_frame=end_frame,
        category=category,
        created_by=user,
        updated_by=user,
    )
    SegmentHistory.objects.create(
        segment=segment, action="create", before=None, after=segment.snapshot(), user=user
    )
    if assignment.state == Assignment.State.ASSIGNED:
        Assignment.objects.filter(pk=assignment.pk).update(state=Assignment.State.IN_PROGRESS)
    return SaveResult(segment, True, warnings)


def _locked(segment: Segment | uuid.UUID | str, owner) -> Segment:
    """The segment, row-locked, with what the rules read, in one query; by object or client
    uuid. With ``owner``, only that user's own segment (NotYourAssignment otherwise)."""
    rows = Segment.objects.select_for_update(of=("self",)).select_related(
        "assignment__video", "assignment__labeler", "category"
    )
    if isinstance(segment, Segment):
        segment = rows.get(pk=segment.pk)
    else:
        segment = rows.get(client_uuid=segment)
    if owner is not None and segment.assignment.labeler.user_id != owner.pk:
        raise NotYourAssignment("Only the assigned labeler edits these segments.")
    return segment


@transaction.atomic
def update_segment(
    segment: Segment | uuid.UUID | str,
    user,
    *,
    version: int,
    start_frame: int | None = None,
    end_frame: int | None = None,
    category_code: int | None = None,
    owner=None,
) -> SaveResult:
    segment = _locked(segment, owner)
    _check_open(segment.assignment)
    if segment.is_deleted:
        raise SegmentRuleError("deleted", "the segment was deleted")
    if version != segment.version:
        raise VersionConflict(segment)
    before = segment.snapshot()
    category = (
        _category(segment.assignment, category_code)
        if category_code is not None and category_code != segment.category.code
        else segment.category
    )
    start = segment.start_frame if start_frame is None else start_frame
    end = segment.end_frame if end_frame is None else end_frame
    warnings = _check_rules(segment.assignment, start, end, category, exclude_pk=segment.pk)
    segment.start_frame, segment.end_frame, segment.category = start, end, category
    segment.version += 1
    segment.updated_by = user
    segment.save()
    SegmentHistory.objects.create(
        segment=segment, action="update", before=before, after=segment.snapshot(), user=user
    )
    return SaveResult(segment, False, warnings)


@transaction.atomic
def delete_segment(
    segment: Segment | uuid.UUID | str, user, *, version: int, owner=None
) -> Segment:
    """Deletion is a flag plus a history row, so the segment and its past stay on record."""
    segment = _locked(segment, owner)
    _check_open(segment.assignment)
    if segment.is_deleted:
        return segment
    if version != segment.version:
        raise VersionConflict(segment)
    before = segment.snapshot()
    segment.is_deleted = True
    segment.version += 1
    segment.updated_by = user
    segment.save()
    SegmentHistory.objects.create(
        segment=segment, action="delete", before=before, after=segment.snapshot(), user=user
    )
    return segment
