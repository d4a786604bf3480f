"""The release's class-distribution chart (pure, no database)."""

from __future__ import annotations

import io

from PIL import Image

from annotator.release import chart
from annotator.taxonomy import IMIGUE, lane_colour


def test_class_chart_draws_each_bar_in_its_groups_colour():
    """The datasheet's chart: one bar per category in label order, coloured by its body
    group (docs/design.md §10: the five group colours), taller for more clips."""
    taxonomy = IMIGUE.to_json()
    cats = sorted(IMIGUE.categories, key=lambda c: c.label_index)
    counts = {c.code: 1 + c.label_index % 7 for c in cats}  # every group has bars
    clips = [
        {"clip_id": f"0001_{i}", "category_code": code}
        for i, (code, n) in enumerate((code, n) for code, n in counts.items() for _ in range(n))
    ]
    img = Image.open(io.BytesIO(chart.class_distribution_png(taxonomy, clips))).convert("RGB")
    groups = list(taxonomy["groups"])
    baseline = chart._HEIGHT - chart._MARGIN_BOTTOM
    heights = {}
    for i, cat in enumerate(cats):
        x = chart._MARGIN_LEFT + i * chart._BAR_PITCH + chart._BAR_PITCH // 2
        colour = chart._hex(lane_colour(cat.group, groups.index(cat.group)))
        assert img.getpixel((x, baseline - 2)) == colour, cat.code
        heights[cat.code] = sum(img.getpixel((x, y)) == colour for y in range(baseline))
    by_count = sorted(counts, key=counts.get)
    assert [heights[c] for c in by_count] == sorted(heights[c] for c in by_count)
    assert len({lane_colour(g, i) for i, g in enumerate(groups)}) == len(groups) == 6
