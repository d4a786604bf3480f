"""MiGA-style per-video label files (``<id>_label.csv``). Pure (no Django).

The MiGA challenge (micro-gesture analysis, IJCAI 2023-2025, on iMiGUE and SMG) distributed its
data through Kaggle/CodaLab pages whose per-video label layout could not be confirmed from a
public source. Assumed here, and documented in docs/import.md: one file per video named
``<VVVV>_label.csv`` (the video id zero-padded to 4 digits, as MiGA's clip ids ``VVVV_k``), a
header and one row per MG in label order::

    clip_id,start_frame,end_frame,class
    0298_0,168,257,4

``clip_id`` = ``VVVV_k`` with k = label_id − 1 (docs/design.md §10), frames 0-based with the end
inclusive (docs/design.md §4), ``class`` the taxonomy code as in iMiGUE's table (99 = C32).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from annotator.csv_safety import safe_row

from .imigue import LabelRow, clip_id, number_labels, video_key

COLUMNS = ("clip_id", "start_frame", "end_frame", "class")


def miga_file_name(video_id: str) -> str:
    return f"{video_key(video_id)}_label.csv"


def write_miga_labels(rows: Iterable[LabelRow]) -> dict[str, str]:
    """``{file name: text}``, one file per video of ``rows``."""
    videos: dict[str, list[LabelRow]] = {}
    for row in number_labels(rows):
        videos.setdefault(row.video_id, []).append(row)
    files = {}
    for video_id, group in videos.items():
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        for row in group:
            writer.writerow(
                safe_row(
                    [clip_id(video_id, row.label_id), row.start_frame, row.end_frame, row.code]
                )
            )
        files[miga_file_name(video_id)] = out.getvalue()
    return files


def parse_miga_labels(text: str) -> list[tuple[str, int, int, int]]:
    """``(clip_id, start_frame, end_frame, class)`` rows of one file (for checks and tests)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [
        (r["clip_id"], int(r["start_frame"]), int(r["end_frame"]), int(r["class"])) for r in reader
    ]
