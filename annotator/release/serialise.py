"""Stable text formats of a release: CSV and JSON bytes that depend only on the data.

Pure (no Django).

- CSV: exactly the given columns in their order (extra keys in a row are dropped, never
  written: that is how names and file names stay out), ``csv.QUOTE_MINIMAL``, ``\\n`` line
  endings, UTF-8; ints as ``str(int)``, floats as ``repr(float)``, ``None`` as empty, booleans
  as ``true``/``false``; a text cell starting with ``= + - @``, a tab or a carriage return
  (and not a plain number) gets a leading apostrophe, so that no spreadsheet runs it as a
  formula (:mod:`annotator.csv_safety`).
- JSON: keys sorted, two-space indentation for objects, a list of scalars on one line and a
  list of objects or lists one element per line (compact within the line), UTF-8 without
  escapes, no NaN, trailing newline. One element per line keeps a 10,000-file manifest
  readable and diffable, and lets the standard library's C encoder write each line: its pure
  Python indenting encoder took tens of milliseconds per release (``bench/release_export.py``).
"""

from __future__ import annotations

import csv
import io
import json
import operator
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from annotator.csv_safety import FORMULA_STARTS, safe_cell, safe_row

__all__ = ["cell", "csv_bytes", "json_bytes"]

_NATIVE = {str, int, float, type(None)}
_ONE_LINE = json.JSONEncoder(sort_keys=True, ensure_ascii=False, allow_nan=False).encode


def cell(value: Any) -> str:
    """One CSV cell in the release's conventions."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _cells(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]):
    # The csv module already writes None as "", ints with str() and floats with repr(); only
    # rows holding a bool (or a subclass of the plain types) go through cell(). Text that a
    # spreadsheet would evaluate gets its apostrophe (annotator.csv_safety).
    get = operator.itemgetter(*columns)
    for row in rows:
        values = get(row) if len(columns) > 1 else (get(row),)
        if set(map(type, values)) <= _NATIVE:
            if any(type(v) is str and v[:1] in FORMULA_STARTS for v in values):
                yield safe_row(values)
            else:
                yield values
        else:
            yield [safe_cell(cell(v)) for v in values]


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A CSV with exactly ``columns`` (a row missing one raises ``KeyError``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    w.writerows(_cells(columns, rows))
    return buf.getvalue().encode("utf-8")


def _pretty(obj: Any, level: int) -> str:
    pad = "  " * (level + 1)
    if isinstance(obj, Mapping) and obj:
        keys = sorted(obj, key=str)
        body = ",\n".join(f"{pad}{_ONE_LINE(str(k))}: {_pretty(obj[k], level + 1)}" for k in keys)
        return "{\n" + body + "\n" + "  " * level + "}"
    if isinstance(obj, list | tuple) and any(isinstance(v, Mapping | list | tuple) for v in obj):
        return "[\n" + ",\n".join(pad + _ONE_LINE(v) for v in obj) + "\n" + "  " * level + "]"
    return _ONE_LINE(obj)


def json_bytes(obj: Any) -> bytes:
    """``obj`` as stable, readable JSON (see the module's notes)."""
    return (_pretty(obj, 0) + "\n").encode("utf-8")
