"""Face tracks: detections linked over time, so every frame gets a box that follows the motion.

The blurring detector runs on key frames (every ``detect_every``-th frame, and the last one).
:func:`link_tracks` links each key frame's boxes to the tracks of the previous ones (nearest
predicted centre, within a fraction of the face's size), and :func:`track_boxes` gives every
frame its boxes: between two detections of a track the box is interpolated linearly (position
and size), so a moving head stays covered; before a track's first detection and after its last
the box is carried on with the track's velocity for ``extend`` frames, so a face entering or
leaving the frame, or the first and last frames of a clip, are covered too.

Detections between ``low_threshold`` and the detector's threshold only extend tracks that are
confirmed (a detection at or above the threshold somewhere in the track): a small face the
detector scores weakly in some frames stays covered, while a weak one-off on a hand or a
texture does not start a track of its own (hysteresis, as in edge detection).

A track seen once has no velocity of its own: it is predicted and carried with the camera's
motion (pipeline.face_motion) when the key frames come with it, so faces in a pan link to
themselves rather than to a neighbour, also when the detector runs on every 4th frame only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from pipeline.faces import Box


@dataclass
class Track:
    """One face over time: its detections as (frame, box), in frame order."""

    ident: int
    hits: list[tuple[int, Box]] = field(default_factory=list)
    # The camera's motion per frame (x, y) at the first and at the last detection.
    camera: tuple[tuple[float, float], tuple[float, float]] = ((0.0, 0.0), (0.0, 0.0))

    @property
    def first(self) -> int:
        return self.hits[0][0]

    @property
    def last(self) -> int:
        return self.hits[-1][0]

    @property
    def best_score(self) -> float:
        return max(box.score for _, box in self.hits)

    def velocity(self, at_end: bool) -> tuple[float, float, float, float]:
        """Per-frame change of (x0, y0, x1, y1) over the two detections at one end (the
        camera's motion while there is only one)."""
        if len(self.hits) < 2:
            cx, cy = self.camera[1] if at_end else self.camera[0]
            return (cx, cy, cx, cy)
        (fa, a), (fb, b) = self.hits[-2:] if at_end else self.hits[:2]
        dt = max(1, fb - fa)
        return ((b.x0 - a.x0) / dt, (b.y0 - a.y0) / dt, (b.x1 - a.x1) / dt, (b.y1 - a.y1) / dt)

    def predict(self, frame: int, camera: tuple[float, float] | None = None) -> Box:
        """The box expected at ``frame`` after the last detection (constant velocity; for a
        track seen once, ``camera``'s motion per frame when given)."""
        f, box = self.hits[-1]
        if camera is not None and len(self.hits) < 2:
            return _moved(box, (camera[0], camera[1], camera[0], camera[1]), frame - f)
        return _moved(box, self.velocity(at_end=True), frame - f)


def _moved(box: Box, v: tuple[float, float, float, float], dt: int) -> Box:
    return Box(box.x0 + v[0] * dt, box.y0 + v[1] * dt, box.x1 + v[2] * dt, box.y1 + v[3] * dt, 0)


def link_tracks(
    keyframes: Sequence[tuple[int, list[Box]]],
    *,
    threshold: float,
    low_threshold: float | None = None,
    max_gap: int = 12,
    reach: float = 0.6,
    speed: float = 0.35,
    motion: Sequence[tuple[float, float]] | None = None,
) -> list[Track]:
    """Link key-frame detections into confirmed tracks.

    ``keyframes`` holds (frame index, boxes) in frame order. A detection joins the track whose
    predicted centre is nearest, if that is within ``reach`` times the larger of the two boxes'
    sides (plus ``speed`` face sides per frame since the track was last seen, a quarter of that
    once the track has a velocity) and the track was last seen at most ``max_gap`` frames
    before. Tracks with no
    detection at or above ``threshold`` are dropped; boxes under ``low_threshold`` are ignored.
    ``motion`` holds the camera's motion per frame at each key frame (pipeline.face_motion).
    """
    low = threshold if low_threshold is None else min(low_threshold, threshold)
    tracks: list[Track] = []
    live: list[Track] = []
    for k, (frame, boxes) in enumerate(keyframes):
        camera = motion[k] if motion is not None else (0.0, 0.0)
        live = [t for t in live if frame - t.last <= max_gap]
        candidates = sorted((b for b in boxes if b.score >= low), key=lambda b: -b.score)
        pairs = _close_pairs(candidates, live, frame, camera, reach=reach, speed=speed)
        used_boxes: set[int] = set()
        used_tracks: set[int] = set()
        for i, j in pairs:
            if i in used_boxes or j in used_tracks:
                continue
            used_boxes.add(i)
            used_tracks.add(j)
            live[j].hits.append((frame, candidates[i]))
            live[j].camera = (live[j].camera[0], camera)
        for i, box in enumerate(candidates):
            if i not in used_boxes:
                track = Track(len(tracks), [(frame, box)], (camera, camera))
                tracks.append(track)
                live.append(track)
    confirmed = [t for t in tracks if t.best_score >= threshold]
    for k, track in enumerate(confirmed):
        track.ident = k
    return confirmed


def _close_pairs(
    candidates: Sequence[Box],
    live: Sequence[Track],
    frame: int,
    camera: tuple[float, float],
    *,
    reach: float,
    speed: float,
) -> list[tuple[int, int]]:
    """(candidate, track) index pairs near enough to link, nearest (relative to the limit)
    first. Computed as arrays: a crowd of 100 faces makes 10,000 pairs a key frame."""
    if not candidates or not live:
        return []
    box = np.array([(b.x0, b.y0, b.x1, b.y1) for b in candidates])
    guesses = [track.predict(frame, camera) for track in live]
    guess = np.array([(g.x0, g.y0, g.x1, g.y1) for g in guesses])
    side = np.maximum(box[:, 2] - box[:, 0], box[:, 3] - box[:, 1])
    guess_side = np.maximum(guess[:, 2] - guess[:, 0], guess[:, 3] - guess[:, 1])
    size = np.maximum(side[:, None], guess_side[None, :])
    # A track seen once has no velocity yet: allow for motion since then.
    drift = np.array([speed if len(t.hits) == 1 else speed / 4 for t in live])
    since = np.array([frame - t.last for t in live], dtype=float)
    limit = size * (reach + drift * since)[None, :]
    dx = (box[:, 0] + box[:, 2])[:, None] / 2 - (guess[:, 0] + guess[:, 2])[None, :] / 2
    dy = (box[:, 1] + box[:, 3])[:, None] / 2 - (guess[:, 1] + guess[:, 3])[None, :] / 2
    dist = np.sqrt(dx**2 + dy**2)
    i, j = np.nonzero(dist <= limit)
    ratio = dist[i, j] / np.maximum(limit[i, j], 1e-6)
    order = np.lexsort((j, i, ratio))
    return [(int(i[k]), int(j[k])) for k in order]


def track_boxes(
    tracks: Sequence[Track], frames: int, *, extend: int, width: int, height: int
) -> list[list[tuple[int, Box]]]:
    """Each frame's (track ident, box): interpolated between a track's detections and carried
    ``extend`` frames beyond its ends with its velocity (boxes wholly outside the frame are
    dropped). A box's score is the nearest detection's."""
    out: list[list[tuple[int, Box]]] = [[] for _ in range(frames)]
    for track in tracks:
        hits = track.hits
        start, stop = max(0, track.first - extend), min(frames - 1, track.last + extend)
        k = 0
        for f in range(start, stop + 1):
            while k + 1 < len(hits) and hits[k + 1][0] <= f:
                k += 1
            fa, a = hits[k]
            if f < track.first:
                box = _moved(a, track.velocity(at_end=False), f - fa)
                score = a.score
            elif k + 1 < len(hits):
                fb, b = hits[k + 1]
                t = (f - fa) / (fb - fa)
                box = Box(
                    a.x0 + (b.x0 - a.x0) * t,
                    a.y0 + (b.y0 - a.y0) * t,
                    a.x1 + (b.x1 - a.x1) * t,
                    a.y1 + (b.y1 - a.y1) * t,
                    0,
                )
                score = a.score if t < 0.5 else b.score
            else:
                box = _moved(a, track.velocity(at_end=True), f - fa)
                score = a.score
            # Not clipped: a face half out of the frame keeps its whole ellipse (drawn clipped).
            if box.x1 > 0 and box.y1 > 0 and box.x0 < width and box.y0 < height:
                out[f].append((track.ident, Box(box.x0, box.y0, box.x1, box.y1, score)))
    return out
