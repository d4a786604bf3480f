"""iMiGUE's label table and its raw per-video label files: read and write. Pure (no Django).

**Seconds → frames.** Design §4's one rule, ``frame = floor(t × 25)``, computed as iMiGUE's own
tools did: on IEEE doubles, ``math.floor(float(t) * 25)``. That reproduces all 36,996 frame
numbers of ``labels_20200831.csv``; exact decimal arithmetic would not at 6 of them (67.96 s ×
25 is 1699 exactly, but 1698.9999999999998 as a double, and the table says 1698).

**Times as text.** The table writes seconds rounded to 4 decimals with trailing zeros (and a
trailing dot) removed: ``55.225``, ``120.668``, ``0``; the raw files always write 4 decimals
(``55.2250``). A row keeps the time text its source gave, so a table round-trips byte for byte;
a row without one (a clip made in MG Studio) gets the frame's canonical time: the smallest
4-decimal t whose floor(t × 25) is the frame (frame / 25, or 0.0001 s later where a double
falls short).

**label_id** is 1-based within a video. A video whose rows all carry their source's ids (1..n)
keeps them: iMiGUE orders by start time, but rows that start together stay in the order of its
raw files (6 videos of the table are not sorted by (start, end, class), 34 not by frames).
Otherwise rows are numbered in time order by (start_frame, end_frame, class): the k + 1 of
docs/design.md §10.
"""

from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from pathlib import PurePath

from annotator.csv_safety import safe_row
from annotator.errors import DomainError

FPS = 25
COLUMNS = (
    "video_id",
    "label_id",
    "start_time",
    "start_frame",
    "end_time",
    "end_frame",
    "class",
    "subject_id",
    "subject_gender",
    "subject_nationality",
    "win_or_lose",
)
_STEP = Decimal("0.0001")


class InteropError(DomainError, ValueError):
    """Input refused; the message names the line (or file) and the problem."""

    code = "bad_label_table"


@dataclass(frozen=True)
class LabelRow:
    """One labelled MG of a video, in the terms every exporter here needs.

    ``code`` is the taxonomy code (iMiGUE's ``class``: 1..31, 99 = C32). ``start_time`` and
    ``end_time`` are the seconds as the source wrote them (None: derive from the frames).
    ``result`` is ``win``, ``lose`` or empty.
    """

    video_id: str
    start_frame: int
    end_frame: int
    code: int
    label_id: int | None = None
    start_time: str | None = None
    end_time: str | None = None
    subject_id: str = ""
    gender: str = ""
    nationality: str = ""
    result: str = ""
    line: int = 0
    ref: int | None = None  # the caller's key (a Clip's pk); never written


# --- seconds and frames -------------------------------------------------------------------------


def seconds_to_frame(seconds: str | float | Decimal, fps: int = FPS) -> int:
    """``floor(t × fps)`` on doubles, as the iMiGUE table was computed (see the module doc)."""
    return math.floor(float(seconds) * fps)


def format_seconds(seconds: str | float | Decimal) -> str:
    """The table's style: 4 decimals, trailing zeros and dot removed (``55.2250`` → ``55.225``)."""
    text = f"{Decimal(str(seconds)):.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def frame_seconds(frame: int, fps: int = FPS) -> Decimal:
    """The canonical time of ``frame``: the smallest 4-decimal t with floor(t × fps) = frame."""
    t = (Decimal(frame) / Decimal(fps)).quantize(_STEP, rounding=ROUND_CEILING)
    while seconds_to_frame(t, fps) < frame:
        t += _STEP
    while t > 0 and seconds_to_frame(t - _STEP, fps) == frame:
        t -= _STEP
    if seconds_to_frame(t, fps) != frame:  # pragma: no cover - 1e-4 s is far below a frame
        raise InteropError(f"no 4-decimal time maps to frame {frame} at {fps} fps")
    return t


def _time(text: str | None, frame: int, fps: int) -> Decimal:
    """The row's time if it is valid and maps to its frame at 4 decimals, else the canonical one."""
    if text:
        try:
            value = Decimal(format_seconds(text))
        except (InvalidOperation, ValueError):
            value = None
        if value is not None and seconds_to_frame(value, fps) == frame:
            return value
    return frame_seconds(frame, fps)


def row_times(row: LabelRow, fps: int = FPS) -> tuple[Decimal, Decimal]:
    return _time(row.start_time, row.start_frame, fps), _time(row.end_time, row.end_frame, fps)


# --- numbering ----------------------------------------------------------------------------------


def id_sort_key(value: str) -> tuple:
    """Numeric ids in numeric order, then the others as text."""
    return (0, int(value), "") if value.isdigit() else (1, 0, value)


def number_labels(rows: Iterable[LabelRow]) -> list[LabelRow]:
    """Rows grouped by video (videos in order of first appearance), each with its label_id.

    See the module doc: a video's own 1..n ids are kept, otherwise time order numbers it.
    """
    videos: dict[str, list[LabelRow]] = {}
    for row in rows:
        videos.setdefault(row.video_id, []).append(row)
    out: list[LabelRow] = []
    for group in videos.values():
        ids = [r.label_id for r in group]
        if None not in ids and sorted(ids) == list(range(1, len(group) + 1)):
            out.extend(sorted(group, key=lambda r: r.label_id))
            continue
        ordered = sorted(group, key=lambda r: (r.start_frame, r.end_frame, r.code))
        out.extend(replace(r, label_id=k) for k, r in enumerate(ordered, start=1))
    return out


def clip_id(video_id: str, label_id: int) -> str:
    """Design §10's ``{video_id:04d}_{k}`` with k = label_id − 1 (MiGA's ``VVVV_k``)."""
    return f"{video_key(video_id)}_{label_id - 1}"


def video_key(video_id: str) -> str:
    return f"{int(video_id):04d}" if video_id.isdigit() else video_id


# --- the label table ----------------------------------------------------------------------------


def _int(value: str, column: str, line: int) -> int:
    try:
        return int(value.strip())
    except (ValueError, AttributeError):
        raise InteropError(f"line {line}: {column} {value!r} is not an integer") from None


def parse_imigue_csv(text: str) -> list[LabelRow]:
    """Every row of an iMiGUE label table (header required; all of its columns)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in reader.fieldnames or []]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise InteropError(f"line 1: the header lacks {', '.join(missing)}")
    reader.fieldnames = header
    rows: list[LabelRow] = []
    for line, raw in enumerate(reader, start=2):
        if not any((v or "").strip() for v in raw.values()):
            continue
        # Text kept verbatim (the table has "Czech " beside "Czech"), so it writes back as read.
        values = {k: v or "" for k, v in raw.items() if k}
        for key in ("video_id", "start_time", "end_time", "subject_id", "win_or_lose"):
            values[key] = values[key].strip()
        start = _int(values["start_frame"], "start_frame", line)
        end = _int(values["end_frame"], "end_frame", line)
        if not values["video_id"] or start < 0 or end < start:
            raise InteropError(f"line {line}: no video_id, or frames [{start}, {end}] reversed")
        rows.append(
            LabelRow(
                video_id=values["video_id"],
                start_frame=start,
                end_frame=end,
                code=_int(values["class"], "class", line),
                label_id=_int(values["label_id"], "label_id", line),
                start_time=values["start_time"] or None,
                end_time=values["end_time"] or None,
                subject_id=values["subject_id"],
                gender=values["subject_gender"],
                nationality=values["subject_nationality"],
                result=values["win_or_lose"].lower(),
                line=line,
            )
        )
    return rows


def time_mismatches(rows: Iterable[LabelRow], fps: int = FPS) -> list[int]:
    """Lines whose written seconds do not give their frames by floor(t × fps)."""
    bad = []
    for row in rows:
        for text, frame in ((row.start_time, row.start_frame), (row.end_time, row.end_frame)):
            if text is not None and seconds_to_frame(text, fps) != frame:
                bad.append(row.line)
                break
    return bad


def write_imigue_csv(rows: Iterable[LabelRow], fps: int = FPS) -> str:
    """The table with iMiGUE's columns and text style (LF line ends, minimal quoting)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in number_labels(rows):
        start, end = row_times(row, fps)
        writer.writerow(
            safe_row(
                [
                    row.video_id,
                    row.label_id,
                    format_seconds(start),
                    row.start_frame,
                    format_seconds(end),
                    row.end_frame,
                    row.code,
                    row.subject_id,
                    row.gender,
                    row.nationality,
                    row.result.capitalize(),
                ]
            )
        )
    return out.getvalue()


# --- raw per-video label files ------------------------------------------------------------------


def raw_label_video_id(name: str | PurePath) -> str:
    """``raw-label-video298.txt`` (or ``298.txt``) → ``298``: the stem's trailing digits."""
    stem = PurePath(name).stem
    match = re.search(r"(\d+)$", stem)
    if not match:
        raise InteropError(f"{PurePath(name).name}: no video id (trailing digits) in the name")
    return str(int(match.group(1)))


def parse_raw_labels(text: str, video_id: str, fps: int = FPS) -> list[LabelRow]:
    """``start_sec<TAB>end_sec<TAB>class`` per line; label_id = the line's rank (1-based)."""
    rows: list[LabelRow] = []
    for line, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split("\t") if "\t" in raw else raw.split()
        if len(parts) != 3:
            raise InteropError(f"line {line}: expected start_sec<TAB>end_sec<TAB>class")
        start_text, end_text, code_text = (p.strip() for p in parts)
        try:
            start, end = seconds_to_frame(start_text, fps), seconds_to_frame(end_text, fps)
        except ValueError:
            raise InteropError(f"line {line}: times {start_text!r}, {end_text!r}") from None
        if start < 0 or end < start:
            raise InteropError(f"line {line}: frames [{start}, {end}] are not 0 <= start <= end")
        rows.append(
            LabelRow(
                video_id=video_id,
                start_frame=start,
                end_frame=end,
                code=_int(code_text, "class", line),
                label_id=len(rows) + 1,
                start_time=start_text,
                end_time=end_text,
                line=line,
            )
        )
    return rows


def write_raw_labels(rows: Iterable[LabelRow], fps: int = FPS) -> str:
    """One video's rows in label order, seconds with 4 decimals as iMiGUE's raw files."""
    lines = []
    for row in number_labels(rows):
        start, end = row_times(row, fps)
        lines.append(f"{start:.4f}\t{end:.4f}\t{row.code}\n")
    return "".join(lines)
