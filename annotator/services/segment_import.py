"""Import one labeler's segments made elsewhere: resolve, check, write, submit.

Everything is checked before anything is written, and the writing happens in one transaction:
an unknown video id, an unknown category or a frame outside a video refuses the whole file.

Idempotency: each imported segment gets a deterministic ``client_uuid`` — uuid5 over the
project, the labeler, the video, the bounds and the category code, keyed with the secret key.
Importing the same file again finds the same uuids already live and writes nothing. A video
where the labeler already has other live segments (an earlier, different import, or work done
in MG Studio) is refused unless ``replace=True``; then the old segments not in the file are
soft-deleted (with history), those identical to a file row are kept, and the rest are created.

Design §5: importers keep what the source says and report what they found. Overlaps are kept and
the same-category ones counted; exact duplicates (same video, bounds and category) are skipped
and reported, because the database rules refuse them.
"""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.db.models import Max

from annotator.models import Assignment, Category, Labeler, Project, Segment, SegmentHistory, Video
from annotator.segment_import import ImportedSegment, SegmentImportError
from annotator.services.assignment import AssignmentError, reopen, review_started, submit

__all__ = ["ImportReport", "SegmentImportError", "import_segments", "segment_uuid"]

IMPORT_NAMESPACE = uuid.UUID("6f1d7c52-3b8e-5a7e-9c0e-0d6b5a1e4f21")
MAX_LISTED = 10


def segment_uuid(
    project: Project, labeler: Labeler, video_id: str, start: int, end: int, code: int
) -> uuid.UUID:
    """The deterministic client uuid of an imported segment. The name is keyed with the secret
    key: from the public facts alone (ids, bounds, code) another labeler could otherwise compute
    it and, by posting a segment under it, learn whether the segment exists (docs/security.md)."""
    name = f"{project.pk}/{labeler.pk}/{video_id}/{start}/{end}/{code}"
    keyed = hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()
    return uuid.uuid5(IMPORT_NAMESPACE, keyed)


@dataclass
class ImportReport:
    source: str
    videos: list[str] = field(default_factory=list)
    assignments_created: int = 0
    imported: int = 0
    unchanged: int = 0
    replaced: int = 0
    duplicates: list[ImportedSegment] = field(default_factory=list)
    same_category_overlaps: int = 0

    @property
    def duplicates_skipped(self) -> int:
        return len(self.duplicates)


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:MAX_LISTED])
    more = len(items) - MAX_LISTED
    return shown + (f"; and {more} more" if more > 0 else "")


def _resolve_categories(project: Project, segments: list[ImportedSegment]) -> dict:
    by_code = {c.code: c for c in Category.objects.filter(project=project)}
    by_name = {c.name.strip().lower(): c for c in by_code.values()}
    resolved, unknown = {}, defaultdict(list)
    for seg in segments:
        if seg.category_code is not None:
            category = by_code.get(seg.category_code)
        else:
            category = by_name.get(seg.category_name.strip().lower())
        if category is None:
            unknown[seg.category_label].append(seg.place)
        else:
            resolved[seg] = category
    if unknown:
        parts = [
            f"{label!r} ({', '.join(places[:3])}{', …' if len(places) > 3 else ''})"
            for label, places in sorted(unknown.items())
        ]
        raise SegmentImportError(
            f"unknown categories for project {project.name}: {_listing(parts)}; "
            "use a code (12 or C12) or a name of the project's taxonomy"
        )
    return resolved


def _count_same_category_overlaps(keys) -> int:
    """Pairs of distinct segments of one video and one category whose frames intersect."""
    groups = defaultdict(list)
    for video_id, start, end, code in keys:
        groups[(video_id, code)].append((start, end))
    pairs = 0
    for spans in groups.values():
        spans.sort()
        for i, (_, end) in enumerate(spans):
            for start2, _ in spans[i + 1 :]:
                if start2 > end:
                    break
                pairs += 1
    return pairs


def _import_history(segment: Segment, action: str, before: dict | None, user, source: str):
    """The history row of one imported change; the importer saves them in bulk at the end."""
    after = segment.snapshot() | {"source": source}
    return SegmentHistory(segment=segment, action=action, before=before, after=after, user=user)


def _set_deleted(segment: Segment, deleted: bool, action: str, user, source: str):
    """Soft-delete or bring back one segment (a new version), returning its history row."""
    before = segment.snapshot()
    segment.is_deleted, segment.version, segment.updated_by = deleted, segment.version + 1, user
    segment.save(update_fields=["is_deleted", "version", "updated_by", "updated_at"])
    return _import_history(segment, action, before, user, source)


def import_segments(
    project: Project,
    labeler: Labeler,
    segments: list[ImportedSegment],
    *,
    source: str,
    replace: bool = False,
) -> ImportReport:
    """Give each video to ``labeler``, write its segments and submit the assignment."""
    if not segments:
        raise SegmentImportError(f"{source}: no segments to import")
    with transaction.atomic():
        return _import(project, labeler, segments, source=source, replace=replace)


def _import(project, labeler, segments, *, source, replace) -> ImportReport:
    report = ImportReport(source=source)
    ids = sorted({s.video_id for s in segments})
    videos = {v.external_id: v for v in Video.objects.filter(project=project, external_id__in=ids)}
    unknown = [vid for vid in ids if vid not in videos]
    if unknown:
        raise SegmentImportError(
            f"project {project.name} has no video(s) {_listing(unknown)}: create them first "
            "(import_videos, or a metadata-only import); nothing was imported"
        )
    rejected = [vid for vid, v in videos.items() if v.status == Video.Status.REJECTED]
    if rejected:
        raise SegmentImportError(
            f"video(s) {_listing(rejected)} of project {project.name} were rejected at ingest; "
            "nothing was imported"
        )
    categories = _resolve_categories(project, segments)
    outside = []
    for seg in segments:
        num_frames = videos[seg.video_id].num_frames
        if num_frames is not None and seg.end_frame >= num_frames:
            outside.append(
                f"{seg.place}: video {seg.video_id} end_frame {seg.end_frame} is past its last "
                f"frame {num_frames - 1}"
            )
    if outside:
        raise SegmentImportError(f"frames outside the video: {_listing(outside)}")

    # One row per (video, bounds, category): exact duplicates are skipped and reported.
    rows: dict[str, dict[uuid.UUID, tuple[ImportedSegment, Category]]] = defaultdict(dict)
    keys = []
    for seg in segments:
        category = categories[seg]
        key = segment_uuid(
            project, labeler, seg.video_id, seg.start_frame, seg.end_frame, category.code
        )
        if key in rows[seg.video_id]:
            report.duplicates.append(seg)
            continue
        rows[seg.video_id][key] = (seg, category)
        keys.append((seg.video_id, seg.start_frame, seg.end_frame, category.code))
    report.same_category_overlaps = _count_same_category_overlaps(keys)
    report.videos = ids

    assignments = {
        a.video.external_id: a
        for a in Assignment.objects.select_for_update()
        .filter(labeler=labeler, video__in=videos.values())
        .select_related("video")
    }
    live = defaultdict(dict)
    for seg in Segment.objects.filter(
        assignment__in=assignments.values(), is_deleted=False
    ).select_related("category", "assignment__video"):
        live[seg.assignment.video.external_id][seg.client_uuid] = seg
    conflicts = []
    for vid in ids:
        old = live.get(vid, {})
        if not old or set(old) == set(rows[vid]):
            continue
        if not replace:
            state = assignments[vid].get_state_display().lower()
            conflicts.append(f"video {vid} ({len(old)} segments, {state})")
        elif assignments[vid].state == Assignment.State.SUBMITTED and review_started(videos[vid]):
            raise SegmentImportError(
                f"review of video {vid} has started; its segments cannot be replaced"
            )
    if conflicts:
        raise SegmentImportError(
            f"{labeler.code} already has other segments for {_listing(conflicts)}; "
            "use --replace to replace them with the file's; nothing was imported"
        )

    user = labeler.user
    top = Assignment.objects.filter(labeler=labeler).aggregate(top=Max("position"))["top"] or 0
    existing_uuids = Segment.objects.filter(
        client_uuid__in=[key for vid in ids for key in rows[vid]]
    ).in_bulk(field_name="client_uuid")
    new_segments, history = [], []
    touched = []
    for vid in ids:
        assignment = assignments.get(vid)
        if assignment is None:
            top += 1
            assignment = Assignment.objects.create(video=videos[vid], labeler=labeler, position=top)
            report.assignments_created += 1
        elif assignment.state == Assignment.State.SUBMITTED and set(live.get(vid, {})) != set(
            rows[vid]
        ):
            try:  # --replace on a submitted video: reopen so the new submit counts as fresh
                assignment = reopen(assignment)
            except AssignmentError as exc:
                raise SegmentImportError(str(exc)) from exc
        touched.append(assignment)
        for key, old in live.get(vid, {}).items():
            if key in rows[vid]:
                continue
            history.append(_set_deleted(old, True, "delete", user, source))
            report.replaced += 1
        for key, (seg, category) in rows[vid].items():
            found = existing_uuids.get(key)
            if found is not None and not found.is_deleted:
                report.unchanged += 1
                continue
            if found is not None:  # imported before, then replaced: bring it back
                history.append(_set_deleted(found, False, "import", user, source))
            else:
                new_segments.append(
                    Segment(
                        assignment=assignment,
                        client_uuid=key,
                        start_frame=seg.start_frame,
                        end_frame=seg.end_frame,
                        category=category,
                        created_by=user,
                        updated_by=user,
                    )
                )
            report.imported += 1
    created = Segment.objects.bulk_create(new_segments)
    history += [_import_history(s, "import", None, user, source) for s in created]
    SegmentHistory.objects.bulk_create(history)
    project.labelers.add(labeler)
    for assignment in touched:
        submit(assignment)
    return report
