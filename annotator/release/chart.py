"""The release's class-distribution chart: one bar per category in its group's colour.

Pure (no Django). Drawn with Pillow's ``ImageDraw`` and its bundled font rather than matplotlib:
the chart is a few dozen rectangles and labels, and matplotlib's figure, layout and text
machinery cost about 0.4 s per release against a few milliseconds here (``bench/
release_export.py``). The PNG carries no text chunks, so its bytes depend only on the counts,
the colours and the Pillow/FreeType/zlib versions.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from annotator.taxonomy import lane_colour

from .datasheet import ClassRow, class_distribution

__all__ = ["class_distribution_png"]

_HEIGHT = 400
_MARGIN_LEFT, _MARGIN_RIGHT, _MARGIN_TOP, _MARGIN_BOTTOM = 56, 16, 40, 44
_BAR_PITCH = 26
_AXIS, _GRID, _TEXT = (60, 60, 60), (225, 225, 225), (30, 30, 30)


def _nice_step(top: int, ticks: int = 5) -> int:
    """A 1/2/5 × 10^k step giving about ``ticks`` gridlines up to ``top``."""
    raw = max(1.0, top / ticks)
    magnitude = 10 ** (len(str(int(raw))) - 1)
    for mult in (1, 2, 5, 10):
        if raw <= mult * magnitude:
            return mult * magnitude
    return 10 * magnitude


def _hex(colour: str) -> tuple[int, int, int]:
    c = colour.lstrip("#")
    return int(c[0:2], 16), int(c[2:4], 16), int(c[4:6], 16)


def class_distribution_png(
    taxonomy: Mapping[str, Any],
    clips: Sequence[Mapping[str, Any]],
    distribution: Sequence[ClassRow] | None = None,
) -> bytes:
    """A bar chart of clips per category (label order), bars coloured by group, with a legend
    of the groups present, as deterministic PNG bytes. ``distribution`` is
    :func:`.class_distribution` of ``clips`` when the caller has it already."""
    from PIL import Image, ImageDraw, ImageFont

    if distribution is None:
        distribution = class_distribution(taxonomy, clips)
    rows = [r for r in distribution if r.label >= 0]
    groups = [str(g) for g in taxonomy.get("groups", [])]
    for r in rows:
        if r.group not in groups:
            groups.append(r.group)
    colour = {g: _hex(lane_colour(g, i)) for i, g in enumerate(groups)}

    width = _MARGIN_LEFT + _MARGIN_RIGHT + max(1, len(rows)) * _BAR_PITCH
    width = max(width, 480)
    img = Image.new("RGB", (width, _HEIGHT), "white")
    draw = ImageDraw.Draw(img)
    small, title = ImageFont.load_default(11), ImageFont.load_default(15)
    x0, x1 = _MARGIN_LEFT, width - _MARGIN_RIGHT
    y0, y1 = _MARGIN_TOP, _HEIGHT - _MARGIN_BOTTOM  # plot top, baseline

    top = max([r.clips for r in rows] + [1])
    step = _nice_step(top)
    y_max = -(-top // step) * step

    def y_of(value: int) -> float:
        return y1 - (y1 - y0) * value / y_max

    for tick in range(0, y_max + 1, step):
        y = y_of(tick)
        draw.line([(x0, y), (x1, y)], fill=_GRID)
        draw.text((x0 - 6, y), str(tick), fill=_TEXT, font=small, anchor="rm")
    for i, r in enumerate(rows):
        left = x0 + i * _BAR_PITCH + 4
        right = left + _BAR_PITCH - 8
        if r.clips:
            draw.rectangle([left, y_of(r.clips), right, y1], fill=colour[r.group])
        draw.text(
            ((left + right) / 2, y1 + 6), f"C{r.label + 1}", fill=_TEXT, font=small, anchor="mt"
        )
    draw.line([(x0, y0), (x0, y1), (x1, y1)], fill=_AXIS)
    draw.text((width / 2, 12), "Clips per category", fill=_TEXT, font=title, anchor="mt")
    # Legend: one row under the axis labels, a swatch and the name of each group with a bar.
    lx, ly = x0, _HEIGHT - 14
    for g in [g for g in groups if any(r.group == g for r in rows)]:
        draw.rectangle([lx, ly - 5, lx + 10, ly + 5], fill=colour[g])
        draw.text((lx + 15, ly), g, fill=_TEXT, font=small, anchor="lm")
        lx += 15 + draw.textlength(g, font=small) + 14

    buf = io.BytesIO()
    img.save(buf, format="PNG", compress_level=1)  # flat colours compress well anyway
    return buf.getvalue()
