"""Which frames the face detector runs on: every n-th of each shot, and both sides of a cut (pure).

Face tracks carry a face between key frames. Across a cut there is nothing to carry: when a shot
gets a single key frame, a face scored weakly on it has no second chance and no track (measured
on 400 LFW faces cut every 4 frames: detecting on every 3rd frame hid 0.76 of face-frames against
0.98 on every 2nd; docs/benchmarks.md, "Small faces"). The blur therefore makes both sides of a
cut key frames.

The change between two frames is the mean absolute difference of their 64 px wide grey
thumbnails (well under a millisecond a frame). Its size alone does not separate a cut from a
fast pan over a detailed picture (the group photograph panning 6 px/frame changes 10 a frame,
a cut between two of the LFW scene's textures 15), but its jump does: a cut changes the picture
at least three times as much as the frames before it did (4.3 or more on the LFW cuts, at most
2.2 within the shots of the packaged clips and carphone). A false cut (a camera flash) only
costs one more detection.
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np

WIDTH = 64  # the thumbnails' width
MIN_CHANGE = 8.0  # a cut changes the thumbnail at least this much (grey levels, 0-255)...
JUMP = 3.0  # ...and this many times the median change of the frames before it
ALWAYS = 40.0  # a change this large is a cut whatever came before
HISTORY = 3  # how many changes before it the median is taken over


def thumbnail(rgb: np.ndarray) -> np.ndarray:
    """The frame as a small grey float image, the unit the cut measure compares."""
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height = max(1, round(gray.shape[0] * WIDTH / gray.shape[1]))
    return cv2.resize(gray, (WIDTH, height), interpolation=cv2.INTER_AREA).astype(np.float32)


def frame_change(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two thumbnails (0 = the same picture)."""
    return float(np.mean(np.abs(a - b)))


def is_cut(change: float, before: list[float]) -> bool:
    """Whether ``change`` marks a cut, given the changes of the frames before it (oldest first)."""
    if change >= ALWAYS:
        return True
    if change < MIN_CHANGE or not before:
        return False
    return change >= JUMP * float(np.median(before[-HISTORY:]))


class CutDetector:
    """Feed it every frame in order; :meth:`add` says whether a cut lies just before it."""

    def __init__(self) -> None:
        self._last: np.ndarray | None = None
        self._changes: list[float] = []

    def add(self, rgb: np.ndarray) -> bool:
        small, last = thumbnail(rgb), self._last
        self._last = small
        if last is None or last.shape != small.shape:
            return False
        change = frame_change(last, small)
        cut = is_cut(change, self._changes)
        self._changes = [*self._changes[-(HISTORY - 1) :], change]
        return cut


class KeyFrameChooser:
    """Feed it every frame in order (:meth:`push`), then :meth:`finish`; it hands back the key
    frames: every ``every``-th frame of each shot counted from the shot's first, the last frame
    before each cut, and the clip's last frame. ``cuts`` None: the stride runs through cuts."""

    def __init__(self, every: int, cuts: CutDetector | None = None) -> None:
        self.every = max(1, every)
        self.cuts = cuts
        self._previous: tuple[int, np.ndarray] | None = None  # the frame before, if not a key
        self._next = 0

    def push(self, index: int, frame: np.ndarray) -> tuple[bool, list[tuple[int, np.ndarray]]]:
        """Whether a cut lies just before this frame, and the key frames to detect now, in order
        (the last frame of the shot before a cut comes first)."""
        chosen: list[tuple[int, np.ndarray]] = []
        cut = self.cuts is not None and self.cuts.add(frame)
        if cut:
            if self._previous is not None:
                chosen.append(self._previous)
            self._next = index
        if index == self._next:
            chosen.append((index, frame))
            self._next = index + self.every
            self._previous = None
        else:
            self._previous = (index, frame)
        return cut, chosen

    def finish(self) -> list[tuple[int, np.ndarray]]:
        """The clip's last frame, when it is not a key frame already."""
        last, self._previous = self._previous, None
        return [last] if last is not None else []


def key_frame_indices(frames: Iterable[np.ndarray], every: int, at_cuts: bool = True) -> list[int]:
    """The key frames of a whole clip, as :class:`KeyFrameChooser` picks them."""
    chooser = KeyFrameChooser(every, CutDetector() if at_cuts else None)
    indices = [i for n, frame in enumerate(frames) for i, _ in chooser.push(n, frame)[1]]
    return indices + [i for i, _ in chooser.finish()]
