"""Pick the main subject of a clip from per-frame pose detections (docs/design.md §9). Pure numpy.

Press-conference clips often show more than one person (an interpreter, a moderator). The main
subject is the person tracked across the clip with the largest mean box nearest the centre.
Tracking is greedy frame-to-frame association by box IoU: poses of one person move little
between consecutive frames at 25 fps, so IoU is a robust, parameter-light cue.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MIN_SCORE = 0.05  # keypoints below this are treated as absent when computing a box


def pose_box(pose: np.ndarray) -> tuple[float, float, float, float] | None:
    """The box (x0, y0, x1, y1) around a (K, 3) pose's confident keypoints, or None."""
    visible = pose[pose[:, 2] > MIN_SCORE]
    if len(visible) < 2:
        return None
    x0, y0 = visible[:, 0].min(), visible[:, 1].min()
    x1, y1 = visible[:, 0].max(), visible[:, 1].max()
    return float(x0), float(y0), float(x1), float(y1)


def box_iou(a, b) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


@dataclass
class Track:
    frames: list[int] = field(default_factory=list)
    poses: list[np.ndarray] = field(default_factory=list)
    boxes: list[tuple[float, float, float, float]] = field(default_factory=list)
    missed: int = 0

    def score(self, width: int, height: int, num_frames: int) -> float:
        """Mean box area × centrality × presence: big, central and present most of the clip."""
        areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in self.boxes]
        cx = np.mean([(b[0] + b[2]) / 2 for b in self.boxes]) / width - 0.5
        cy = np.mean([(b[1] + b[3]) / 2 for b in self.boxes]) / height - 0.5
        centrality = 1.0 - min(1.0, float(np.hypot(cx, cy)) / np.hypot(0.5, 0.5))
        presence = len(self.frames) / max(num_frames, 1)
        return float(np.mean(areas)) * centrality * presence


def track_people(
    frames: list[list[np.ndarray]], *, min_iou: float = 0.2, max_missed: int = 12
) -> list[Track]:
    """Link per-frame poses into tracks. `frames[t]` is a list of (K, 3) poses for frame t."""
    open_tracks: list[Track] = []
    done: list[Track] = []
    for t, poses in enumerate(frames):
        candidates = [(p, pose_box(p)) for p in poses]
        candidates = [(p, b) for p, b in candidates if b is not None]
        pairs = sorted(
            (
                (box_iou(track.boxes[-1], box), ti, ci)
                for ti, track in enumerate(open_tracks)
                for ci, (_, box) in enumerate(candidates)
            ),
            reverse=True,
        )
        used_tracks, used_candidates = set(), set()
        for iou, ti, ci in pairs:
            if iou < min_iou or ti in used_tracks or ci in used_candidates:
                continue
            used_tracks.add(ti)
            used_candidates.add(ci)
            track = open_tracks[ti]
            track.frames.append(t)
            track.poses.append(candidates[ci][0])
            track.boxes.append(candidates[ci][1])
            track.missed = 0
        still_open = []
        for ti, track in enumerate(open_tracks):
            if ti not in used_tracks:
                track.missed += 1
            (done if track.missed > max_missed else still_open).append(track)
        open_tracks = still_open
        for ci, (pose, box) in enumerate(candidates):
            if ci not in used_candidates:
                open_tracks.append(Track(frames=[t], poses=[pose], boxes=[box]))
    return done + open_tracks


def main_subject(
    frames: list[list[np.ndarray]], width: int, height: int, num_keypoints: int
) -> np.ndarray:
    """(T, K, 3) poses of the main subject; frames where they were not found are zeros."""
    out = np.zeros((len(frames), num_keypoints, 3), dtype=np.float32)
    tracks = track_people(frames)
    if not tracks:
        return out
    best = max(tracks, key=lambda tr: tr.score(width, height, len(frames)))
    for t, pose in zip(best.frames, best.poses, strict=True):
        out[t] = pose
    return out
