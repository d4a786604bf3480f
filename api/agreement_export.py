"""Tables of an agreement run for papers: CSV and JSON downloads of the dashboard's figures.

`GET /api/projects/{id}/agreement/export/?table=…&fmt=csv|json` (docs/agreement.md, "Dashboard").
The data are the latest run's report (`run_payload`), unchanged: JSON gives the report's value
for the table as it is; CSV flattens it to one row per entry (per-video disagreement counts become
one column per kind; the boundary deltas become one row per matched pair's onset or offset).
"""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

from annotator.csv_safety import safe_cell
from annotator.errors import DomainError

TABLES = ("per_pair", "per_video", "per_category", "r_curve", "deltas", "by_origin")
FORMATS = ("csv", "json")
KINDS = ("label_conflict", "low_overlap", "only_in_i", "only_in_j")

COLUMNS = {
    "per_pair": ["labeler_i", "labeler_j", "videos", "m", "n_i", "n_j", "r"],
    "per_video": ["video", "video_key", "labeler_i", "labeler_j", "n_i", "n_j", "m", "r", *KINDS],
    "per_category": ["category", "name", "m", "n_i", "n_j", "r"],
    "r_curve": ["theta", "m", "r"],
    "deltas": ["boundary", "delta"],
    # R apart by where segments began (docs/design.md §17): one row per part and labeler pair,
    # the pair empty on the part's own row (its R_avg).
    "by_origin": ["origin", "labeler_i", "labeler_j", "videos", "segments", "m", "r"],
}
ORIGINS = ("proposal", "manual")


class ExportError(DomainError, ValueError):
    code = "bad_export"


def check(table: str | None, fmt: str | None) -> tuple[str, str]:
    table, fmt = table or "", (fmt or "csv").lower()
    if table not in TABLES:
        raise ExportError(f"table must be one of {', '.join(TABLES)}", code="unknown_table")
    if fmt not in FORMATS:
        raise ExportError(f"fmt must be one of {', '.join(FORMATS)}", code="unknown_format")
    return table, fmt


def table_data(payload: dict, table: str) -> Any:
    """The report's value for a table (JSON download)."""
    if table == "deltas":
        return payload.get("boundary_deltas") or {}
    if table == "by_origin":
        return payload.get("by_origin") or {}
    return payload.get(table) or []


def _origin_rows(payload: dict) -> list[list[Any]]:
    split = payload.get("by_origin") or {}
    rows = []
    for origin in ORIGINS:
        part = split.get(origin)
        if not part:
            continue
        rows.append([origin, None, None, None, part["segments"], part["matches"], part["r_avg"]])
        for p in part["per_pair"]:
            n = p["n_i"] + p["n_j"]
            rows.append([origin, p["labeler_i"], p["labeler_j"], p["videos"], n, p["m"], p["r"]])
    return rows


def table_rows(payload: dict, table: str) -> list[list[Any]]:
    """The CSV rows (without the header) of a table."""
    if table == "by_origin":
        return _origin_rows(payload)
    if table == "deltas":
        deltas = payload.get("boundary_deltas") or {}
        return [
            [boundary, value]
            for boundary, key in (("onset", "onsets"), ("offset", "offsets"))
            for value in deltas.get(key) or []
        ]
    rows = []
    for entry in payload.get(table) or []:
        if table == "per_video":
            counts = entry.get("disagreements") or {}
            entry = {**entry, **{k: counts.get(k, 0) for k in KINDS}}
        rows.append([entry.get(column) for column in COLUMNS[table]])
    return rows


def _cell(value: Any) -> Any:
    """Empty for None; text a spreadsheet would evaluate gets an apostrophe (a category named
    ``=HYPERLINK(...)``, a video id ``=1+1``)."""
    return "" if value is None else safe_cell(value)


def render(payload: dict, table: str, fmt: str) -> tuple[str, str]:
    """(body, content type) of one download."""
    if fmt == "json":
        return json.dumps(table_data(payload, table), indent=2) + "\n", "application/json"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS[table])
    writer.writerows([_cell(v) for v in row] for row in table_rows(payload, table))
    return out.getvalue(), "text/csv; charset=utf-8"


def filename(project_name: str, run_id: int, table: str, fmt: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", project_name).strip("-") or "project"
    return f"{slug}-agreement-run{run_id}-{table}.{fmt}"
