"""One clip from two labelers' segments (docs/design.md §7): the consensus bounds rule. Pure."""

from __future__ import annotations

from .core import Segment

RULES = ("mean", "union", "intersection")


def _half_up(total: int) -> int:
    """total / 2 with halves rounded up (docs/design.md §7), exact for integers of any sign."""
    return -((-total) // 2)


def consensus_bounds(a: Segment, b: Segment, rule: str = "mean") -> tuple[int, int]:
    """The clip's (start, end), inclusive, from a matched pair.

    mean: each bound is the mean of the two, halves rounded up; union: the earliest start and
    latest end; intersection: the latest start and earliest end (falls back to the mean when
    the two do not overlap, which a matched pair never does).
    """
    if rule == "mean":
        return _half_up(a.start + b.start), _half_up(a.end + b.end)
    if rule == "union":
        return min(a.start, b.start), max(a.end, b.end)
    if rule == "intersection":
        start, end = max(a.start, b.start), min(a.end, b.end)
        if start <= end:
            return start, end
        return consensus_bounds(a, b, "mean")
    raise ValueError(f"unknown consensus rule {rule!r}; expected one of {', '.join(RULES)}")
