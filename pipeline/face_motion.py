"""The camera's motion between key frames, so face tracks can be linked across a pan (pure).

When the detector runs on every n-th frame, a face seen once has no velocity of its own yet; at
a 6 px/frame pan its next detection, 3-4 key frames later, can lie nearer a neighbour's last
position than its own (measured on the group scene: at every 3rd frame 173 tracks for 120 faces,
0.97 of face-frames covered; docs/benchmarks.md, "Small faces"). Predicting such a face with the
camera's motion links it to itself. The motion is the peak of the phase correlation of the two
key frames, grey and shrunk to 320 px wide (about 1.5 ms a pair), searched only within
``max_per_frame`` of the frame's width per frame: a periodic scene (a tiled photograph, a
fence) has equal peaks one period apart, and the camera does not move a period between two key
frames.
"""

from __future__ import annotations

import cv2
import numpy as np

WIDTH = 320  # the correlated images' width


def _small(rgb: np.ndarray) -> tuple[np.ndarray, float]:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    factor = min(1.0, WIDTH / gray.shape[1])
    small = cv2.resize(gray, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA)
    small = small.astype(np.float32)
    return small - small.mean(), factor


def _parabola(left: float, centre: float, right: float) -> float:
    curve = left - 2 * centre + right
    return 0.0 if curve == 0 else 0.5 * (left - right) / curve


def phase_shift(a: np.ndarray, b: np.ndarray, max_shift: float) -> tuple[float, float]:
    """How far ``b``'s content moved from ``a``'s (x, y in pixels, sub-pixel), looking no
    further than ``max_shift``; both are same-sized float images."""
    height, width = a.shape
    window = cv2.createHanningWindow((width, height), cv2.CV_32F)
    spectrum = np.fft.rfft2(b * window) * np.conj(np.fft.rfft2(a * window))
    spectrum /= np.abs(spectrum) + 1e-9
    corr = np.fft.irfft2(spectrum, s=a.shape)
    m = max(1, min(int(np.ceil(max_shift)), height // 2 - 1, width // 2 - 1))
    ys = np.r_[0 : m + 1, height - m : height]
    xs = np.r_[0 : m + 1, width - m : width]
    iy, ix = np.unravel_index(np.argmax(corr[np.ix_(ys, xs)]), (len(ys), len(xs)))
    py, px = int(ys[iy]), int(xs[ix])
    dx = px + _parabola(corr[py, px - 1], corr[py, px], corr[py, (px + 1) % width])
    dy = py + _parabola(corr[py - 1, px], corr[py, px], corr[(py + 1) % height, px])
    return (dx - width if dx > width / 2 else dx), (dy - height if dy > height / 2 else dy)


class CameraMotion:
    """Feed it each key frame in order; :meth:`add` returns the camera's motion per frame (x, y
    in frame pixels) since the previous key frame, (0, 0) for the first."""

    def __init__(self, max_per_frame: float = 0.02) -> None:
        self.max_per_frame = max_per_frame
        self._last: tuple[int, np.ndarray, float] | None = None

    def add(self, index: int, rgb: np.ndarray) -> tuple[float, float]:
        small, factor = _small(rgb)
        last, self._last = self._last, (index, small, factor)
        if last is None or last[1].shape != small.shape or index <= last[0]:
            return (0.0, 0.0)
        frames = index - last[0]
        reach = self.max_per_frame * small.shape[1] * frames
        dx, dy = phase_shift(last[1], small, reach)
        return (dx / factor / frames, dy / factor / frames)
