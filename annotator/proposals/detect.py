"""Candidate segments from the activity signal: hysteresis, then the durations gestures have.

A segment opens where activity rises above ``high`` and closes where it falls below
``high × low_ratio`` (hysteresis: a dip inside one gesture does not split it). Segments shorter
than the shortest gestures are dropped and longer ones cut to the longest: 1st and 99th
percentiles of the 18,498 labelled durations of the iMiGUE table, 12 and 391 frames at 25 fps
(``tests/unit/test_proposals.py`` recomputes them from the table). The thresholds are the ones
that gave the best F1 at tIoU 0.3 on the first half of iMiGUE video 298 (``bench/proposals.py``);
the second half is the reported figure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .signals import activity


@dataclass(frozen=True)
class ProposalSettings:
    high: float = 6.0
    low_ratio: float = 0.25
    min_seconds: float = 12 / 25
    max_seconds: float = 391 / 25
    rest_seconds: float = 40.0
    smooth_seconds: float = 0.32
    # Smoothing widens a gesture by about two sigmas on each side; bounds are drawn back to
    # where the activity is at least this share of the segment's peak.
    trim: float = 0.3

    def as_dict(self) -> dict[str, float]:
        return {
            "high": self.high,
            "low_ratio": self.low_ratio,
            "min_seconds": self.min_seconds,
            "max_seconds": self.max_seconds,
            "rest_seconds": self.rest_seconds,
            "smooth_seconds": self.smooth_seconds,
            "trim": self.trim,
        }


DEFAULT_SETTINGS = ProposalSettings()


@dataclass(frozen=True)
class Proposal:
    """Frames ``start..end`` (0-based, end inclusive, docs/design.md §4); ``score`` is the peak
    activity inside, which ranks proposals (rank 1 = most likely)."""

    start: int
    end: int
    score: float

    @property
    def length(self) -> int:
        return self.end - self.start + 1


def segments_above(signal: np.ndarray, high: float, low: float) -> list[tuple[int, int]]:
    """Runs where the signal went above ``high`` until it fell below ``low`` (inclusive ends)."""
    runs: list[tuple[int, int]] = []
    start = None
    for frame, value in enumerate(signal):
        if start is None and value > high:
            start = frame
        elif start is not None and value < low:
            runs.append((start, frame - 1))
            start = None
    if start is not None:
        runs.append((start, len(signal) - 1))
    return runs


def propose(
    keypoints: np.ndarray, fps: float, settings: ProposalSettings = DEFAULT_SETTINGS
) -> list[Proposal]:
    """Proposals for a ``(T, 22, 3)`` skeleton, best first."""
    signal = activity(
        keypoints, fps, rest_seconds=settings.rest_seconds, smooth_seconds=settings.smooth_seconds
    )
    return proposals_from_signal(signal, fps, settings)


def proposals_from_signal(
    signal: np.ndarray, fps: float, settings: ProposalSettings = DEFAULT_SETTINGS
) -> list[Proposal]:
    """Segments where the activity ``signal`` is high, best first."""
    shortest = max(1, int(round(settings.min_seconds * fps)))
    longest = max(shortest, int(round(settings.max_seconds * fps)))
    found = []
    for start, end in segments_above(signal, settings.high, settings.high * settings.low_ratio):
        if end - start + 1 < shortest:
            continue
        peak = float(signal[start : end + 1].max())
        if settings.trim > 0:
            strong = np.flatnonzero(signal[start : end + 1] >= settings.trim * peak)
            start, end = start + int(strong[0]), start + int(strong[-1])
            if end - start + 1 < shortest:
                continue
        end = min(end, start + longest - 1)
        found.append(Proposal(start, end, peak))
    return sorted(found, key=lambda p: (-p.score, p.start))
