"""The statements behind saving a segment, written as SQL for PostgreSQL and SQLite alike.

Why not the ORM here: a save is latency-bound (docs/design.md §12: p95 < 30 ms with 20 labelers
saving at once), and building and running each of its queries through the ORM cost about two
milliseconds of Python where the database needs a tenth of that (``bench/save_segments.py``).
Everything else reads and writes segments through the models; these statements write the same
rows with the same values (``tests/db/test_segments_api.py`` compares them), and the service keeps
every rule and its messages.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection

from annotator.models import (
    Assignment,
    Category,
    Labeler,
    Proposal,
    Segment,
    SegmentHistory,
    Video,
)

__all__ = [
    "LockedAssignment",
    "category_pk",
    "insert_history",
    "insert_segment",
    "lock_assignment",
    "locked_segment",
    "mark_in_progress",
    "proposal_origin",
    "rule_counts",
    "segment_with_uuid",
    "update_segment_row",
]


def _t(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


@dataclass(frozen=True)
class LockedAssignment:
    pk: int
    state: str
    user_id: int | None  # the labeler's user
    num_frames: int | None
    project_id: int
    category_pk: int | None  # the category with the requested code in its project, if any


def lock_assignment(assignment_id: int, category_code: int) -> LockedAssignment:
    """Lock the assignment row (PostgreSQL; SQLite serialises writers itself) and read what
    the rules need, with the category's pk, in one statement. Raises Assignment.DoesNotExist."""
    lock = " FOR UPDATE OF a" if connection.features.has_select_for_update_of else ""
    sql = (
        f"SELECT a.state, l.user_id, v.num_frames, v.project_id, "
        f"(SELECT c.id FROM {_t(Category)} c WHERE c.project_id = v.project_id AND c.code = %s) "
        f"FROM {_t(Assignment)} a JOIN {_t(Labeler)} l ON l.id = a.labeler_id "
        f"JOIN {_t(Video)} v ON v.id = a.video_id WHERE a.id = %s{lock}"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [category_code, assignment_id])
        row = cur.fetchone()
    if row is None:
        raise Assignment.DoesNotExist(f"no assignment {assignment_id}")
    return LockedAssignment(assignment_id, *row)


def locked_segment(*, pk: int | None = None, client_uuid=None) -> Segment:
    """The segment (by pk or client uuid), row-locked on PostgreSQL, with what the save rules
    read of its assignment: ``owner_user_id``, ``assignment_state``, ``video_num_frames``, and its
    category (pk, code, project) as ``segment.category``. Raises Segment.DoesNotExist (and
    ValidationError for a client uuid that is not one)."""
    lock = " FOR UPDATE OF s" if connection.features.has_select_for_update_of else ""
    where, param = ("s.id", pk) if pk is not None else ("s.client_uuid", _uuid_value(client_uuid))
    columns = ", ".join(
        f"s.{connection.ops.quote_name(f.column)}" for f in Segment._meta.concrete_fields
    )
    rows = Segment.objects.raw(
        f"SELECT {columns}, c.code AS category_code, c.project_id AS project_id, "
        f"a.state AS assignment_state, l.user_id AS owner_user_id, "
        f"v.num_frames AS video_num_frames "
        f"FROM {_t(Segment)} s JOIN {_t(Category)} c ON c.id = s.category_id "
        f"JOIN {_t(Assignment)} a ON a.id = s.assignment_id "
        f"JOIN {_t(Labeler)} l ON l.id = a.labeler_id JOIN {_t(Video)} v ON v.id = a.video_id "
        f"WHERE {where} = %s{lock}",
        [param],
    )
    found = list(rows)
    if not found:
        raise Segment.DoesNotExist("No Segment matches the given query.")
    segment = found[0]
    segment.category = Category(
        pk=segment.category_id, code=segment.category_code, project_id=segment.project_id
    )
    return segment


def category_pk(project_id: int, code: int) -> int | None:
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id FROM {_t(Category)} WHERE project_id = %s AND code = %s", [project_id, code]
        )
        row = cur.fetchone()
    return row[0] if row else None


def _uuid_value(value: uuid.UUID):
    return Segment._meta.get_field("client_uuid").get_db_prep_value(value, connection)


def segment_with_uuid(client_uuid: uuid.UUID) -> tuple[int, int] | None:
    """(pk, assignment_id) of the segment saved under ``client_uuid``, if any."""
    with connection.cursor() as cur:
        cur.execute(
            f"SELECT id, assignment_id FROM {_t(Segment)} WHERE client_uuid = %s",
            [_uuid_value(client_uuid)],
        )
        row = cur.fetchone()
    return (row[0], row[1]) if row else None


def rule_counts(
    assignment_id: int, category_id: int, start: int, end: int, exclude_pk: int | None = None
) -> tuple[int, int]:
    """Live segments of the category overlapping [start, end], and how many of them are
    exactly [start, end]."""
    sql = (
        f"SELECT COUNT(*), COALESCE(SUM(CASE WHEN start_frame = %s AND end_frame = %s "
        f"THEN 1 ELSE 0 END), 0) FROM {_t(Segment)} WHERE assignment_id = %s "
        f"AND is_deleted = %s AND category_id = %s AND start_frame <= %s AND end_frame >= %s"
    )
    params = [start, end, assignment_id, False, category_id, end, start]
    if exclude_pk is not None:
        sql += " AND id <> %s"
        params.append(exclude_pk)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        overlaps, same = cur.fetchone()
    return int(overlaps), int(same)


def proposal_origin(proposal_id: int, assignment_id: int) -> dict:
    """What a segment accepted from proposal ``proposal_id`` records of it (docs/design.md §17):
    its bounds, suggested category code, confidence, score and rank when it is a proposal of the
    assignment's video; ``gone`` when it no longer is (regenerated since the page loaded: the
    segment still began as a proposal)."""
    sql = (
        f"SELECT p.start_frame, p.end_frame, c.code, p.confidence, p.score, p.rank "
        f"FROM {_t(Proposal)} p LEFT JOIN {_t(Category)} c ON c.id = p.category_id "
        f"WHERE p.id = %s AND p.video_id = (SELECT video_id FROM {_t(Assignment)} WHERE id = %s)"
    )
    with connection.cursor() as cur:
        cur.execute(sql, [proposal_id, assignment_id])
        row = cur.fetchone()
    if row is None:
        return {"proposal": proposal_id, "gone": True}
    keys = ("start_frame", "end_frame", "category_code", "confidence", "score", "rank")
    return {"proposal": proposal_id, **dict(zip(keys, row, strict=True))}


def _insert(model, values: dict) -> int:
    columns = ", ".join(connection.ops.quote_name(c) for c in values)
    sql = f"INSERT INTO {_t(model)} ({columns}) VALUES ({', '.join(['%s'] * len(values))})"
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += " RETURNING id"
    with connection.cursor() as cur:
        cur.execute(sql, list(values.values()))
        return cur.fetchone()[0] if returning else cur.lastrowid


def _prep(model, field: str, value):
    return model._meta.get_field(field).get_db_prep_save(value, connection)


def insert_segment(
    *,
    assignment_id: int,
    client_uuid: uuid.UUID,
    start_frame: int,
    end_frame: int,
    category_id: int,
    user_id: int | None,
    now: datetime,
    comment: str = "",
    unsure: bool = False,
    overlap_confirmed: bool = False,
    proposal_origin: dict | None = None,
) -> int:
    """Insert a new segment at version 1, as ``Segment.objects.create`` would; returns its pk."""
    stamp = _prep(Segment, "created_at", now)
    return _insert(
        Segment,
        {
            "assignment_id": assignment_id,
            "client_uuid": _uuid_value(client_uuid),
            "start_frame": start_frame,
            "end_frame": end_frame,
            "category_id": category_id,
            "version": 1,
            "is_deleted": False,
            "comment": comment,
            "unsure": unsure,
            "overlap_confirmed": overlap_confirmed,
            "proposal_origin": _prep(Segment, "proposal_origin", proposal_origin),
            "created_by_id": user_id,
            "created_at": stamp,
            "updated_by_id": user_id,
            "updated_at": stamp,
        },
    )


def insert_history(
    *,
    segment_id: int,
    action: str,
    before: dict | None,
    after: dict | None,
    user_id: int | None,
    now: datetime,
) -> int:
    return _insert(
        SegmentHistory,
        {
            "segment_id": segment_id,
            "action": action,
            "before": _prep(SegmentHistory, "before", before),
            "after": _prep(SegmentHistory, "after", after),
            "user_id": user_id,
            "at": _prep(SegmentHistory, "at", now),
        },
    )


def update_segment_row(segment: Segment, now: datetime) -> None:
    """Write ``segment``'s editable columns (frames, category, version, deleted flag, notes, who
    and when); the caller has the row locked."""
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_t(Segment)} SET start_frame = %s, end_frame = %s, category_id = %s, "
            f"version = %s, is_deleted = %s, comment = %s, unsure = %s, overlap_confirmed = %s, "
            f"updated_by_id = %s, updated_at = %s WHERE id = %s",
            [
                segment.start_frame,
                segment.end_frame,
                segment.category_id,
                segment.version,
                segment.is_deleted,
                segment.comment,
                segment.unsure,
                segment.overlap_confirmed,
                segment.updated_by_id,
                _prep(Segment, "updated_at", now),
                segment.pk,
            ],
        )


def mark_in_progress(assignment_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(
            f"UPDATE {_t(Assignment)} SET state = %s WHERE id = %s AND state = %s",
            [Assignment.State.IN_PROGRESS, assignment_id, Assignment.State.ASSIGNED],
        )
