"""Parse the metadata CSV that comes with a folder of videos (pure: no Django).

Columns (header names are case-insensitive; iMiGUE's own names are accepted too):
  video_id (required), file (optional: else the file named `<video_id>.<ext>` in the folder),
  subject_id, gender | subject_gender, nationality | subject_nationality,
  win_or_lose | result (win / lose, any case; empty = unknown).

The folder is the sandbox of its rows (docs/security.md): ids and file names are plain names,
files are found by listing the folder (never by glob), and every file is resolved, symlinks
included, and must lie inside the folder, be a regular file and have a video extension.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import DomainError

VIDEO_EXTENSIONS = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".ts")
# Video.external_id's column length; the services pass the model's own value.
VIDEO_ID_MAX_LENGTH = 50
# Path separators and glob syntax: an id or a file name holding one could name another file.
_REFUSED = frozenset("/\\*?[]")

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


def _refused_characters(text: str) -> list[str]:
    return sorted({c for c in text if c in _REFUSED or ord(c) < 32 or ord(c) == 127})


def name_problem(name: str, what: str) -> str | None:
    """Why ``name`` cannot be a plain name (of a file in one folder, or a video id), or None."""
    if name in {".", ".."}:
        return f"{what} may not be {name!r}"
    bad = _refused_characters(name)
    if bad:
        return f"{what} {name!r} may not contain {', '.join(repr(c) for c in bad)}"
    return None


def video_id_problem(video_id: str, max_length: int = VIDEO_ID_MAX_LENGTH) -> str | None:
    """Why a video id someone typed cannot be used, or None."""
    if not video_id:
        return "video_id is empty"
    if len(video_id) > max_length:
        return f"video_id is longer than {max_length} characters ({len(video_id)})"
    return name_problem(video_id, "video_id")


def video_id_from_file_name(stem: str, max_length: int = VIDEO_ID_MAX_LENGTH) -> str:
    """The video id an uploaded file's name gives, made to fit by a fixed rule: refused
    characters become ``_``; a stem longer than ``max_length`` keeps its beginning and ends
    with ``-`` and 8 hex digits of its sha256, so names that share a beginning still differ."""
    clean = "".join("_" if c in _refused_characters(stem) else c for c in stem.strip())
    if clean in {"", ".", ".."}:
        clean = "_"
    if len(clean) <= max_length:
        return clean
    digest = hashlib.sha256(stem.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{clean[: max_length - 9]}-{digest}"


def parse_metadata(
    text: str, folder: Path, max_id_length: int = VIDEO_ID_MAX_LENGTH
) -> list[MetadataRow]:
    """Read every row; problems of one row are recorded on it, not raised, so the rest import."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise MetadataError("the metadata CSV is empty (no header row)")
    columns = {name: _ALIASES.get(name.strip().lower()) for name in reader.fieldnames}
    if "video_id" not in columns.values():
        raise MetadataError(
            f"the metadata CSV has no video_id column (found: {', '.join(reader.fieldnames)})"
        )
    folder = folder.resolve()
    videos_by_stem = _videos_by_stem(folder)
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
        id_problem = video_id_problem(row.video_id, max_id_length)
        if id_problem:
            row.errors.append(id_problem)
        elif row.video_id in seen:
            raise MetadataError(
                f"video_id {row.video_id} appears on lines {seen[row.video_id]} and {line}"
            )
        else:
            seen[row.video_id] = line
        if values.get("file"):
            row.file = _named_file(folder, values["file"], row)
        elif not id_problem:
            row.file = _file_of_id(folder, videos_by_stem, row)
        rows.append(row)
    return rows


def _videos_by_stem(folder: Path) -> dict[str, list[str]]:
    """The folder's entries with a video extension, by name without that extension."""
    found: dict[str, list[str]] = {}
    if folder.is_dir():
        for name in sorted(os.listdir(folder)):
            stem, suffix = os.path.splitext(name)
            if suffix.lower() in VIDEO_EXTENSIONS:
                found.setdefault(stem, []).append(name)
    return found


def _named_file(folder: Path, name: str, row: MetadataRow) -> Path | None:
    problem = name_problem(name, "file")
    if problem:
        row.errors.append(problem)
        return None
    if Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
        row.errors.append(f"file {name!r} is not a video file (expected {_extensions()})")
        return None
    if not os.path.lexists(folder / name):
        row.errors.append(f"file not found: {name}")
        return None
    return _inside(folder, name, row)


def _file_of_id(
    folder: Path, videos_by_stem: dict[str, list[str]], row: MetadataRow
) -> Path | None:
    matches = videos_by_stem.get(row.video_id, [])
    if not matches:
        row.errors.append(f"file not found: no {row.video_id}.<ext> video in the folder")
        return None
    if len(matches) > 1:
        row.errors.append(f"several files match video_id {row.video_id}: {matches}")
        return None
    return _inside(folder, matches[0], row)


def _inside(folder: Path, name: str, row: MetadataRow) -> Path | None:
    """The real file behind ``folder/name``, if it lies inside ``folder`` (already resolved)
    and is a regular file with a video extension."""
    path = (folder / name).resolve()
    if folder not in path.parents:
        row.errors.append(f"file {name!r} is outside the import folder")
        return None
    try:
        mode = path.stat().st_mode
    except OSError:
        row.errors.append(f"file not found: {name}")
        return None
    if not stat.S_ISREG(mode):
        row.errors.append(f"file {name!r} is not a regular file")
        return None
    if path.suffix.lower() not in VIDEO_EXTENSIONS:
        row.errors.append(f"file {name!r} is not a video file (expected {_extensions()})")
        return None
    return path


def _extensions() -> str:
    return " ".join(VIDEO_EXTENSIONS)
