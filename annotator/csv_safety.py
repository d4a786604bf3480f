"""CSV cells that a spreadsheet will not run as formulas (docs/release.md, "Text cells").

Pure (no Django): the release writer, the label exports and the agreement downloads all use it.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written
with a leading apostrophe, which spreadsheets show as text and never evaluate: a category
named ``=HYPERLINK(...)`` or a video id ``=1+1`` arrives as written, not as a live formula
(OWASP "CSV injection"). Numbers are never changed: ints and floats are not text, and a text
cell that is a plain decimal number (``-3``, ``+0.5``, ``-1e-3``) cannot run anything, so it
keeps its sign. The rule depends only on the cell, so the release's bytes stay deterministic.

defusedcsv does the same as a drop-in ``csv`` module, but it also rewrites every ``|`` inside
such a cell and leaves tabs and carriage returns alone; this one function covers the writers
we have without changing other characters of the data.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

__all__ = ["FORMULA_STARTS", "plain_cell", "safe_cell", "safe_row"]

FORMULA_STARTS = frozenset("=+-@\t\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value``, with an apostrophe in front when it is text a spreadsheet would evaluate."""
    if (
        isinstance(value, str)
        and value
        and value[0] in FORMULA_STARTS
        and not _NUMBER.fullmatch(value)
    ):
        return "'" + value
    return value


def safe_row(values: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in values]


def plain_cell(text: str) -> str:
    """The text :func:`safe_cell` was given, for readers of our own CSVs (the release
    validator joins CSV ids with the JSON splits, which hold them as they are)."""
    if len(text) > 1 and text[0] == "'" and safe_cell(text[1:]) == text:
        return text[1:]
    return text
