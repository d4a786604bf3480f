"""Import finished clips from another dataset's label table (iMiGUE's), as origin "imported".

iMiGUE's table is already the agreed result of its own annotation, so its rows become Clips
directly (status "agreed"), without labelers, segments or review. Videos are created as
labels-only rows (no source file) when missing; subjects and the match result come from the
same table. Re-importing the same table changes nothing: a clip is identified by its video,
bounds and category.

Columns (names case-insensitive; iMiGUE's own names and a plainer alias each):
  video_id, start_frame, end_frame (inclusive), class | category_code (iMiGUE: 1..31, 99 = C32),
  optional label_id, subject_id, subject_gender | gender, subject_nationality | nationality,
  win_or_lose | result.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from fractions import Fraction

from django.db import transaction

from annotator.errors import DomainError
from annotator.models import Clip, Project, Subject, Video

_ALIASES = {
    "video_id": "video_id",
    "start_frame": "start_frame",
    "end_frame": "end_frame",
    "class": "category_code",
    "category_code": "category_code",
    "label_id": "label_id",
    "subject_id": "subject_id",
    "subject_gender": "gender",
    "gender": "gender",
    "subject_nationality": "nationality",
    "nationality": "nationality",
    "win_or_lose": "result",
    "result": "result",
}
REQUIRED = ("video_id", "start_frame", "end_frame", "category_code")


class ClipImportError(DomainError, ValueError):
    """The table cannot be imported; nothing was written. The message names the lines."""

    code = "bad_clip_table"


@dataclass(frozen=True)
class ClipRow:
    line: int
    video_id: str
    start_frame: int
    end_frame: int
    category_code: int
    label_id: int | None = None
    subject_id: str = ""
    gender: str = ""
    nationality: str = ""
    result: str = ""  # "win" | "lose" | ""


@dataclass
class ClipImportReport:
    rows: int = 0
    videos_created: list[str] = field(default_factory=list)
    subjects_created: list[str] = field(default_factory=list)
    clips_created: int = 0
    clips_unchanged: int = 0
    duplicates: int = 0  # rows repeating an earlier row of the same file


def parse_clip_table(text: str, videos: set[str] | None = None) -> list[ClipRow]:
    """Rows of the table (only those of ``videos`` when given); every bad row is named."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise ClipImportError("the label table is empty (no header row)")
    columns = {name: _ALIASES.get(name.strip().lower()) for name in reader.fieldnames}
    missing = [c for c in REQUIRED if c not in columns.values()]
    if missing:
        raise ClipImportError(
            f"the header lacks {', '.join(missing)} (iMiGUE's table has video_id, start_frame, "
            f"end_frame, class; found: {', '.join(reader.fieldnames)})"
        )
    rows: list[ClipRow] = []
    errors: list[str] = []
    for line, raw in enumerate(reader, start=2):
        values = {columns[k]: (v or "").strip() for k, v in raw.items() if k and columns.get(k)}
        if not any(values.values()):
            continue
        if videos is not None and values.get("video_id") not in videos:
            continue
        try:
            rows.append(_row(line, values))
        except ValueError as exc:
            errors.append(f"line {line}: {exc}")
    if errors:
        more = f" (and {len(errors) - 10} more)" if len(errors) > 10 else ""
        raise ClipImportError("; ".join(errors[:10]) + more)
    return rows


def _int(values: dict, column: str) -> int:
    text = values.get(column, "")
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{column} {text!r} is not an integer") from None


def _row(line: int, values: dict) -> ClipRow:
    if not values.get("video_id"):
        raise ValueError("video_id is empty")
    start, end = _int(values, "start_frame"), _int(values, "end_frame")
    if start < 0 or end < start:
        raise ValueError(f"frames [{start}, {end}] are not 0 <= start <= end")
    result = values.get("result", "").lower()
    if result not in ("win", "lose", ""):
        raise ValueError(f"win_or_lose must be win or lose, not {values['result']!r}")
    return ClipRow(
        line=line,
        video_id=values["video_id"],
        start_frame=start,
        end_frame=end,
        category_code=_int(values, "category_code"),
        label_id=_int(values, "label_id") if values.get("label_id") else None,
        subject_id=values.get("subject_id", ""),
        gender=values.get("gender", ""),
        nationality=values.get("nationality", ""),
        result=result,
    )


def import_clip_table(
    project: Project, rows: list[ClipRow], *, source: str, fps: Fraction = Fraction(25)
) -> ClipImportReport:
    """Create the videos, subjects and imported clips of ``rows``; all or nothing.

    Existing videos and subjects are used as they are (their metadata is not overwritten: the
    project may have ingested the real file since). ``fps`` is the table's frame rate, stored on
    videos created here so the annotate and export code can turn frames into times.
    """
    categories = dict(project.categories.values_list("code", "pk"))
    unknown = sorted({r.category_code for r in rows if r.category_code not in categories})
    if unknown:
        lines = [r.line for r in rows if r.category_code in unknown][:10]
        raise ClipImportError(
            f"class(es) {', '.join(map(str, unknown))} are not categories of project "
            f"{project.name} (lines {', '.join(map(str, lines))})"
        )
    report = ClipImportReport(rows=len(rows))
    with transaction.atomic():
        subjects = {s.subject_id: s for s in project.subjects.all()}
        videos = {v.external_id: v for v in project.videos.all()}
        for row in rows:
            if row.subject_id and row.subject_id not in subjects:
                subjects[row.subject_id] = Subject.objects.create(
                    project=project,
                    subject_id=row.subject_id,
                    gender=row.gender,
                    nationality=row.nationality,
                )
                report.subjects_created.append(row.subject_id)
            if row.video_id not in videos:
                videos[row.video_id] = Video.objects.create(
                    project=project,
                    external_id=row.video_id,
                    status=Video.Status.NO_MEDIA,
                    fps=float(fps),
                    fps_fraction=f"{fps.numerator}/{fps.denominator}",
                    subject=subjects.get(row.subject_id),
                    match_result=row.result,
                )
                report.videos_created.append(row.video_id)
        existing = set(
            Clip.objects.filter(project=project).values_list(
                "video_id", "start_frame", "end_frame", "category_id"
            )
        )
        seen: set[tuple] = set()
        new: list[Clip] = []
        for row in rows:
            video = videos[row.video_id]
            key = (video.pk, row.start_frame, row.end_frame, categories[row.category_code])
            if key in seen:
                report.duplicates += 1
                continue
            seen.add(key)
            if key in existing:
                report.clips_unchanged += 1
                continue
            provenance = {"source": source, "line": row.line}
            if row.label_id is not None:
                provenance["label_id"] = row.label_id
            new.append(
                Clip(
                    project=project,
                    video=video,
                    start_frame=row.start_frame,
                    end_frame=row.end_frame,
                    category_id=key[3],
                    origin=Clip.Origin.IMPORTED,
                    status=Clip.Status.AGREED,
                    provenance=provenance,
                )
            )
        Clip.objects.bulk_create(new)
        report.clips_created = len(new)
    return report
