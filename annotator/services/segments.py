"""Saving a labeler's segments: the rules of docs/design.md §5, idempotency and optimistic
concurrency."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from annotator.errors import CONFLICT, FORBIDDEN, NOT_FOUND, DomainError, RuleError
from annotator.models import Assignment, Category, Segment

from . import segment_sql as sql


class SegmentRuleError(RuleError, ValueError):
    """An edit refused by a named rule of docs/design.md §5 (code ``segment_<rule>``)."""

    prefix = "segment"


class NotYourAssignment(DomainError, PermissionError):
    """Raw segments belong to their labeler; nobody else writes them (admins review instead)."""

    code = "not_your_assignment"
    kind = FORBIDDEN


class AssignmentNotFound(DomainError, Assignment.DoesNotExist):
    code = "assignment_not_found"
    kind = NOT_FOUND


class SegmentNotFound(DomainError, Segment.DoesNotExist):
    """No such segment, or (with ``blind``) another labeler's: blind annotation means a
    labeler cannot even learn that it exists (docs/design.md §15)."""

    code = "segment_not_found"
    kind = NOT_FOUND

    def __init__(self) -> None:
        super().__init__("No Segment matches the given query.")


class VersionConflict(DomainError):
    """A stale write: the segment changed since the client read it; ``current`` is the segment
    as it is now."""

    code = "segment_version_conflict"
    kind = CONFLICT

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


@dataclass(frozen=True)
class Notes:
    """What a labeler notes on a segment for the reviewer; None leaves a note as it is."""

    comment: str | None = None
    unsure: bool | None = None
    overlap_confirmed: bool | None = None

    def apply(self, segment: Segment) -> None:
        for name in ("comment", "unsure", "overlap_confirmed"):
            value = getattr(self, name)
            if value is not None:
                setattr(segment, name, value)


NO_NOTES = Notes()


def _check_rules(
    assignment_id: int,
    num_frames: int | None,
    start: int,
    end: int,
    category: Category,
    exclude_pk: int | None = None,
) -> list[str]:
    if start < 0 or end < 0:
        raise SegmentRuleError("out_of_range", "frames are 0-based and cannot be negative")
    if start > end:
        raise SegmentRuleError("start_after_end", f"start frame {start} is after end frame {end}")
    if num_frames is not None and end >= num_frames:
        raise SegmentRuleError(
            "out_of_range",
            f"end frame {end} is outside the video (frames 0..{num_frames - 1})",
        )
    # One query for both rules (an identical segment is also an overlapping one).
    overlaps, same = sql.rule_counts(assignment_id, category.pk, start, end, exclude_pk)
    if same:
        raise SegmentRuleError(
            "duplicate", f"an identical segment [{start}, {end}] of C{category.code} exists"
        )
    warnings = []
    if overlaps:
        warnings.append(
            "same_category_overlap: overlaps another segment of the same category; confirm or merge"
        )
    return warnings


def _unknown_category(code: int) -> SegmentRuleError:
    return SegmentRuleError(
        "unknown_category", f"category {code} is not in this project's taxonomy"
    )


def _category(project_id: int, code: int) -> Category:
    pk = sql.category_pk(project_id, code)
    if pk is None:
        raise _unknown_category(code)
    # The category as far as a segment and its snapshot read it.
    return Category(pk=pk, project_id=project_id, code=code)


def _check_open(assignment_state: str) -> None:
    if assignment_state == Assignment.State.SUBMITTED:
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
    notes: Notes = NO_NOTES,
    proposal: int | None = None,
) -> SaveResult:
    """Create once per client uuid: a retried POST returns the segment it already made.

    ``proposal``: the machine proposal the labeler accepted; the segment records it as it is now
    (``proposal_origin``, docs/design.md §17). The segment itself follows every rule as usual.

    The assignment is locked before the uuid is looked up, so the same POST sent twice at once
    (a retry racing the original) finds the first one's segment instead of failing as a
    duplicate of it. With ``owner``, only that user's own assignment may be written
    (NotYourAssignment otherwise); the check rides on the locking query.
    """
    client_uuid = client_uuid or uuid.uuid4()
    assignment_id = assignment if isinstance(assignment, int) else assignment.pk
    # One statement locks the assignment and reads its owner, video length and the category.
    try:
        locked = sql.lock_assignment(assignment_id, category_code)
    except Assignment.DoesNotExist:
        raise AssignmentNotFound("no such assignment") from None
    if owner is not None and locked.user_id != owner.pk:
        raise NotYourAssignment("Only the assigned labeler edits these segments.")
    # Looked up after the lock: a retry racing its original then sees the original's row.
    existing = sql.segment_with_uuid(client_uuid)
    if existing is not None:
        if existing[1] != assignment_id:
            raise SegmentRuleError("uuid_taken", "this client uuid belongs to another segment")
        return SaveResult(Segment.objects.select_related("category").get(pk=existing[0]), False, [])
    _check_open(locked.state)
    if locked.category_pk is None:
        raise _unknown_category(category_code)
    # The category as far as a segment and its snapshot read it.
    category = Category(pk=locked.category_pk, project_id=locked.project_id, code=category_code)
    warnings = _check_rules(assignment_id, locked.num_frames, start_frame, end_frame, category)
    now = timezone.now()
    user_id = user.pk if user is not None else None
    segment = Segment(
        assignment_id=assignment_id,
        client_uuid=client_uuid,
        start_frame=start_frame,
        end_frame=end_frame,
        category=category,
        version=1,
        is_deleted=False,
        created_by_id=user_id,
        created_at=now,
        updated_by_id=user_id,
        updated_at=now,
        proposal_origin=sql.proposal_origin(proposal, assignment_id) if proposal else None,
    )
    notes.apply(segment)
    segment.pk = sql.insert_segment(
        assignment_id=assignment_id,
        client_uuid=client_uuid,
        start_frame=start_frame,
        end_frame=end_frame,
        category_id=category.pk,
        user_id=user_id,
        now=now,
        comment=segment.comment,
        unsure=segment.unsure,
        overlap_confirmed=segment.overlap_confirmed,
        proposal_origin=segment.proposal_origin,
    )
    segment._state.adding, segment._state.db = False, connection.alias
    sql.insert_history(
        segment_id=segment.pk,
        action="create",
        before=None,
        after=segment.snapshot(),
        user_id=user_id,
        now=now,
    )
    if locked.state == Assignment.State.ASSIGNED:
        sql.mark_in_progress(assignment_id)
    return SaveResult(segment, True, warnings)


def _locked(segment: Segment | uuid.UUID | str, owner, blind: bool = False) -> Segment:
    """The segment, row-locked, with what the rules read (:func:`.segment_sql.locked_segment`),
    by object or client uuid. With ``owner``, only that user's own segment: another's is
    NotYourAssignment, or SegmentNotFound when ``blind``."""
    try:
        if isinstance(segment, Segment):
            segment = sql.locked_segment(pk=segment.pk)
        else:
            segment = sql.locked_segment(client_uuid=segment)
    except (Segment.DoesNotExist, ValidationError):  # unknown, or not a uuid at all
        raise SegmentNotFound() from None
    if owner is not None and segment.owner_user_id != owner.pk:
        if blind:
            raise SegmentNotFound()
        raise NotYourAssignment("Only the assigned labeler edits these segments.")
    return segment


def _write_edit(segment: Segment, action: str, before: dict, user) -> None:
    """Bump the version, stamp who and when, write the row and its history entry."""
    now = timezone.now()
    segment.version += 1
    segment.updated_by_id = user.pk if user is not None else None
    segment.updated_at = now
    sql.update_segment_row(segment, now)
    sql.insert_history(
        segment_id=segment.pk,
        action=action,
        before=before,
        after=segment.snapshot(),
        user_id=segment.updated_by_id,
        now=now,
    )


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
    blind: bool = False,
    notes: Notes = NO_NOTES,
) -> SaveResult:
    segment = _locked(segment, owner, blind)
    _check_open(segment.assignment_state)
    if segment.is_deleted:
        raise SegmentRuleError("deleted", "the segment was deleted")
    if version != segment.version:
        raise VersionConflict(segment)
    before = segment.snapshot()
    category = (
        _category(segment.project_id, category_code)
        if category_code is not None and category_code != segment.category.code
        else segment.category
    )
    start = segment.start_frame if start_frame is None else start_frame
    end = segment.end_frame if end_frame is None else end_frame
    warnings = _check_rules(
        segment.assignment_id, segment.video_num_frames, start, end, category, exclude_pk=segment.pk
    )
    segment.start_frame, segment.end_frame, segment.category = start, end, category
    notes.apply(segment)
    _write_edit(segment, "update", before, user)
    return SaveResult(segment, False, warnings)


@transaction.atomic
def delete_segment(
    segment: Segment | uuid.UUID | str, user, *, version: int, owner=None, blind: bool = False
) -> Segment:
    """Deletion is a flag plus a history row, so the segment and its past stay on record."""
    segment = _locked(segment, owner, blind)
    _check_open(segment.assignment_state)
    if segment.is_deleted:
        return segment
    if version != segment.version:
        raise VersionConflict(segment)
    before = segment.snapshot()
    segment.is_deleted = True
    _write_edit(segment, "delete", before, user)
    return segment
