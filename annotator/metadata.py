"""Parse the metadata CSV that comes with a folder of videos (pure: no Django).

Columns (header names are case-insensitive; iMiGUE's own names are accepted too):
  video_id (required), file (optional: else the file named `<video_id>.<ext>` in the folder),
  subject_id, gender | subject_gender, nationality | subject_nationality,
  win_or_lose | result (win / lose, any case; empty = unknown).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import DomainError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts")

_ALIASES = {
    "video_id": "video_id",
    "file": "file",
    "filename": "file",
    "subject_id": "subject_id",
    "gender": "gender",
    "subject_gender": "gender",
    "nationality": "nationality",
    "subject_nationality": "nationality",
    "win_or_lose": "result",
    "result": "result",
}


class MetadataError(DomainError, ValueError):
    """The CSV as a whole cannot be used (no header, no video_id column, duplicate ids)."""

    code = "bad_metadata"


@dataclass
class MetadataRow:
    line: int
    video_id: str
    file: Path | None
    subject_id: str = ""
    gender: str = ""
    nationality: str = ""
    result: str = ""  # "win" | "lose" | ""
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_metadata(text: str, folder: Path) -> list[MetadataRow]:
    """Read every row; problems of one row are recorded on it, not raised, so the rest import."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise MetadataError("the metadata CSV is empty (no header row)")
    columns = {name: _ALIASES.get(name.strip().lower()) for name in reader.fieldnames}
    if "video_id" not in columns.values():
        raise MetadataError(
            f"the metadata CSV has no video_id column (found: {', '.join(reader.fieldnames)})"
        )
    rows: list[MetadataRow] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        values = {columns[k]: (v or "").strip() for k, v in raw.items() if columns.get(k)}
        row = MetadataRow(line=line, video_id=values.get("video_id", ""), file=None)
        row.subject_id = values.get("subject_id", "")
        row.gender = values.get("gender", "")
        row.nationality = values.get("nationality", "")
        result = values.get("result", "").lower()
        if result in {"win", "lose", ""}:
            row.result = result
        else:
            row.errors.append(f"win_or_lose must be win or lose, not {values.get('result')!r}")
        if not row.video_id:
            row.errors.append("video_id is empty")
        elif row.video_id in seen:
            raise MetadataError(
                f"video_id {row.video_id} appears on lines {seen[row.video_id]} and {line}"
            )
        else:
            seen[row.video_id] = line
        row.file = _resolve_file(folder, values.get("file", ""), row)
        rows.append(row)
    return rows


def _resolve_file(folder: Path, name: str, row: MetadataRow) -> Path | None:
    if name:
        path = (folder / name).resolve()
        if folder.resolve() not in path.parents:
            row.errors.append(f"file {name!r} is outside the import folder")
            return None
        if not path.is_file():
            row.errors.append(f"file not found: {name}")
            return None
        return path
    if not row.video_id:
        return None
    matches = sorted(
        p for p in folder.glob(f"{row.video_id}.*") if p.suffix.lower() in VIDEO_EXTENSIONS
    )
    if not matches:
        row.errors.append(f"file not found: no {row.video_id}.<ext> video in the folder")
        return None
    if len(matches) > 1:
        row.errors.append(
            f"several files match video_id {row.video_id}: {[p.name for p in matches]}"
        )
        return None
    return matches[0]
