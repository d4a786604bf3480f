"""Parse one labeler's segments made in another tool: a CSV table or an ELAN ``.eaf`` file.

Pure module (no Django): it only turns text into :class:`ImportedSegment` rows, or raises
:class:`SegmentImportError` naming the line (or annotation) and the problem. Resolving video ids
and category names against a project, and writing, is ``annotator.services.segment_import``.

Frames follow docs/design.md §4: 0-based, ``end_frame`` inclusive, and seconds become frames with
the one rule ``frame = floor(t × fps)``.

ELAN stores times in integer milliseconds and an annotation's end time is **exclusive** (the
annotation covers ``[t_start, t_end)``). So:

* ``start_frame = floor(t_start × fps)``
* ``end_frame = max(start_frame, floor(t_end × fps) − 1)``: the frame that begins at ``t_end``
  is the first one *not* covered; a zero-length annotation becomes a one-frame segment.

An exporter that writes ``t_start = start/fps`` and ``t_end = (end + 1)/fps`` (milliseconds
rounded **up**) therefore round-trips exactly at any fps.
"""

from __future__ import annotations

import csv
import io
import math
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePosixPath, PureWindowsPath
from urllib.parse import unquote, urlparse

from annotator.errors import DomainError

CSV_COLUMNS = ("video_id", "start_frame", "end_frame", "category_code")

_CODE = re.compile(r"^[Cc]?\s*(\d+)$")


class SegmentImportError(DomainError, ValueError):
    """Input refused; the message names where (line, annotation, video) and what is wrong."""

    code = "bad_segment_import"


@dataclass(frozen=True)
class ImportedSegment:
    """One segment as the source gives it.

    ``category_code`` is set when the source names the category by code ("12" or "C12");
    otherwise it is None and ``category_name`` holds the raw value for the service to resolve
    against the project's categories. ``line`` is the CSV line (1 = header) or, for ELAN, the
    annotation's position in its tier; ``where`` says the same in words for messages.
    """

    video_id: str
    start_frame: int
    end_frame: int
    category_code: int | None
    line: int
    category_name: str = ""
    where: str = ""

    @property
    def place(self) -> str:
        return self.where or f"line {self.line}"

    @property
    def category_label(self) -> str:
        return f"C{self.category_code}" if self.category_code is not None else self.category_name


# ---------------------------------------------------------------------------------------- CSV


def _int(value: str | None, column: str, line: int) -> int:
    text = (value or "").strip()
    if not text:
        raise SegmentImportError(f"line {line}: {column} is empty")
    try:
        number = int(text)
    except ValueError:
        raise SegmentImportError(f"line {line}: {column} {text!r} is not an integer") from None
    return number


def parse_segments_csv(text: str) -> list[ImportedSegment]:
    """Rows of ``video_id,start_frame,end_frame,category_code`` (header required, extra columns
    ignored, blank lines skipped)."""
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text))
    header = None
    for row in reader:
        if any(cell.strip() for cell in row):
            header = [cell.strip().lower() for cell in row]
            break
    if header is None:
        raise SegmentImportError(
            "line 1: the file is empty; expected a header " + ",".join(CSV_COLUMNS)
        )
    header_line = reader.line_num
    missing = [c for c in CSV_COLUMNS if c not in header]
    if missing:
        raise SegmentImportError(
            f"line {header_line}: header lacks column(s) {', '.join(missing)} "
            f"(expected {','.join(CSV_COLUMNS)}; found {','.join(header) or 'nothing'})"
        )
    index = {c: header.index(c) for c in CSV_COLUMNS}
    segments: list[ImportedSegment] = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            row = row + [""] * (len(header) - len(row))
        video_id = row[index["video_id"]].strip()
        if not video_id:
            raise SegmentImportError(f"line {line}: video_id is empty")
        start = _int(row[index["start_frame"]], "start_frame", line)
        end = _int(row[index["end_frame"]], "end_frame", line)
        code = _int(row[index["category_code"]], "category_code", line)
        _check_frames(start, end, f"line {line}")
        segments.append(ImportedSegment(video_id, start, end, code, line))
    return segments


def _check_frames(start: int, end: int, where: str) -> None:
    if start < 0 or end < 0:
        raise SegmentImportError(
            f"{where}: frames are 0-based and cannot be negative (start {start}, end {end})"
        )
    if start > end:
        raise SegmentImportError(f"{where}: start_frame {start} is after end_frame {end}")


# ---------------------------------------------------------------------------------------- EAF


def _as_fraction(fps: Fraction | float | int | str) -> Fraction:
    # str() first so that 29.97 means 2997/100, not the nearest binary double.
    value = fps if isinstance(fps, Fraction) else Fraction(str(fps))
    if value <= 0:
        raise SegmentImportError(f"fps must be positive (got {fps})")
    return value


def ms_to_frame(ms: int, fps: Fraction | float) -> int:
    """Design §4's rule, ``floor(t × fps)``, on ELAN's integer milliseconds, exactly."""
    return math.floor(Fraction(ms, 1000) * _as_fraction(fps))


def _root(text: str) -> ET.Element:
    try:
        root = ET.fromstring(text.lstrip("\ufeff").encode("utf-8"))
    except ET.ParseError as exc:
        raise SegmentImportError(f"not a valid .eaf (XML) file: {exc}") from None
    if root.tag != "ANNOTATION_DOCUMENT":
        raise SegmentImportError(
            f"not an ELAN .eaf file: the root element is <{root.tag}>, not <ANNOTATION_DOCUMENT>"
        )
    return root


def eaf_tiers(text: str) -> list[str]:
    """The TIER_IDs of an .eaf file, in document order."""
    return [tier.get("TIER_ID", "") for tier in _root(text).iter("TIER")]


def eaf_video_id(text: str) -> str | None:
    """The stem of the first MEDIA_DESCRIPTOR's file name (``file:///x/371.mp4`` → ``371``)."""
    for media in _root(text).iter("MEDIA_DESCRIPTOR"):
        for attr in ("MEDIA_URL", "RELATIVE_MEDIA_URL"):
            url = media.get(attr, "").strip()
            if not url:
                continue
            path = unquote(urlparse(url).path if "://" in url else url)
            name = PureWindowsPath(path).name if "\\" in path else PurePosixPath(path).name
            stem = PurePosixPath(name).stem
            if stem:
                return stem
    return None


def parse_eaf(
    text: str,
    tier: str,
    fps: Fraction | float = 25,
    video_id: str | None = None,
) -> list[ImportedSegment]:
    """The time-aligned annotations of one tier; see the module doc for the frame rule."""
    root = _root(text)
    rate = _as_fraction(fps)
    video = (video_id or "").strip() or eaf_video_id(text)
    if not video:
        raise SegmentImportError(
            "no video id: the .eaf has no MEDIA_DESCRIPTOR with a file name; give --video-id"
        )
    slots: dict[str, int | None] = {}
    for slot in root.iter("TIME_SLOT"):
        value = slot.get("TIME_VALUE")
        slot_id = slot.get("TIME_SLOT_ID", "")
        if value is None:
            slots[slot_id] = None
            continue
        try:
            slots[slot_id] = int(value.strip())
        except ValueError:
            raise SegmentImportError(
                f"time slot {slot_id}: TIME_VALUE {value!r} is not whole milliseconds"
            ) from None
    tiers = list(root.iter("TIER"))
    chosen = [t for t in tiers if t.get("TIER_ID") == tier]
    if not chosen:
        present = ", ".join(repr(t.get("TIER_ID", "")) for t in tiers) or "none"
        raise SegmentImportError(f"no tier {tier!r} in the .eaf file (tiers present: {present})")
    tier_el = chosen[0]
    if tier_el.find("ANNOTATION/REF_ANNOTATION") is not None:
        raise SegmentImportError(
            f"tier {tier!r} holds reference (symbolic) annotations; only time-aligned "
            "annotations (ALIGNABLE_ANNOTATION) can be imported"
        )
    segments: list[ImportedSegment] = []
    for n, ann in enumerate(tier_el.iter("ALIGNABLE_ANNOTATION"), start=1):
        ann_id = ann.get("ANNOTATION_ID", "")
        where = f"tier {tier!r} annotation {n}" + (f" ({ann_id})" if ann_id else "")
        times = []
        for ref in ("TIME_SLOT_REF1", "TIME_SLOT_REF2"):
            slot_id = ann.get(ref)
            if slot_id is None:
                raise SegmentImportError(f"{where}: {ref} is missing")
            if slot_id not in slots:
                raise SegmentImportError(f"{where}: {ref} names unknown time slot {slot_id!r}")
            if slots[slot_id] is None:
                raise SegmentImportError(
                    f"{where}: time slot {slot_id!r} has no TIME_VALUE (unaligned)"
                )
            times.append(slots[slot_id])
        t_start, t_end = times
        if t_start < 0 or t_end < 0:
            raise SegmentImportError(f"{where}: negative time ({t_start} ms, {t_end} ms)")
        if t_start > t_end:
            raise SegmentImportError(f"{where}: starts at {t_start} ms, after its end {t_end} ms")
        value_el = ann.find("ANNOTATION_VALUE")
        value = (value_el.text or "").strip() if value_el is not None else ""
        if not value:
            raise SegmentImportError(f"{where}: the annotation value (the category) is empty")
        start = ms_to_frame(t_start, rate)
        end = max(start, ms_to_frame(t_end, rate) - 1)
        match = _CODE.match(value)
        if match:
            code, name = int(match.group(1)), ""
        else:
            code, name = None, value
        segments.append(ImportedSegment(video, start, end, code, n, name, where))
    return segments
