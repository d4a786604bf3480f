"""iMiGUE video 298: the one real video with full skeletons and labels (../shared/reference)."""

from __future__ import annotations

import csv
from functools import cache

import numpy as np

from pipeline.openpose import load_openpose, to_imigue22
from tests.support.paths import IMIGUE_REFERENCE

SKELETONS = IMIGUE_REFERENCE / "video298_openpose137.npz"
LABELS = IMIGUE_REFERENCE / "labels_20200831.csv"
FPS = 25.0


def available() -> bool:
    return SKELETONS.is_file() and LABELS.is_file()


@cache
def skeleton22() -> np.ndarray:
    """The main subject's ``(21068, 22, 3)`` skeleton, as the app imports OpenPose poses."""
    return to_imigue22(load_openpose(SKELETONS).keypoints)


def labels(video_id: str = "298") -> list[tuple[int, int, int]]:
    """(start_frame, end_frame, class) of one video's rows in the table, in time order."""
    with open(LABELS, newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["video_id"] == video_id]
    return sorted((int(r["start_frame"]), int(r["end_frame"]), int(r["class"])) for r in rows)


def all_durations() -> np.ndarray:
    """Frames of every labelled gesture in the table (end inclusive)."""
    with open(LABELS, newline="") as fh:
        return np.array(
            [int(r["end_frame"]) - int(r["start_frame"]) + 1 for r in csv.DictReader(fh)]
        )
