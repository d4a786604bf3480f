"""Test-only writers of release folders in format v1 (docs/design.md §10).

Three sources: synthetic poses with class-dependent motion, the real video-298 OpenPose
skeletons sliced by its 56 labelled clips, and the full iMiGUE label table (labels only). The
real files are read in place from ``<repo>/../shared/reference/imigue``, never copied.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import numpy as np

from baselines.skeleton import LAYOUTS, NUM_JOINTS
from tests.support.paths import REPO

IMIGUE = REPO.parent / "shared" / "reference" / "imigue"
LABELS_CSV = IMIGUE / "labels_20200831.csv"
PROTOCOL_TXT = IMIGUE / "evaluation-protocol.txt"
VIDEO298_NPZ = IMIGUE / "video298_openpose137.npz"
NUM_IMIGUE_CLASSES = 32

CLIP_FIELDS = [
    "clip_id",
    "video_id",
    "subject_id",
    "category_code",
    "label",
    "start_frame",
    "end_frame",
    "num_frames",
    "origin",
]
VIDEO_FIELDS = ["video_id", "subject_id", "fps", "num_frames", "width", "height", "emotion"]


def imigue_label(cls: int) -> int:
    """iMiGUE ``class`` 1..31 → label 0..30; 99 (C32, illustrative body language) → 31."""
    return 31 if cls == 99 else cls - 1


def _write_csv(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=fields)
        w.writeheader()
        w.writerows(rows)


def write_release(
    root: Path,
    clips: list[dict],
    videos: list[dict],
    cross_subject: dict,
    emotion: dict,
    num_classes: int,
    poses: dict[str, tuple[np.ndarray, str]] | None = None,
) -> Path:
    """Write the tables, splits, taxonomy and (optionally) ``poses/<clip_id>.npz``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "splits").mkdir(exist_ok=True)
    _write_csv(root / "clips.csv", CLIP_FIELDS, clips)
    _write_csv(root / "videos.csv", VIDEO_FIELDS, videos)
    (root / "splits" / "cross_subject.json").write_text(json.dumps(cross_subject))
    (root / "splits" / "emotion.json").write_text(json.dumps(emotion))
    cats = [{"code": f"C{i + 1}", "label": i} for i in range(num_classes)]
    (root / "taxonomy.json").write_text(json.dumps({"categories": cats}))
    if poses:
        (root / "poses").mkdir(exist_ok=True)
        for clip_id, (kp, layout) in poses.items():
            np.savez(
                root / "poses" / f"{clip_id}.npz", keypoints=kp.astype(np.float32), layout=layout
            )
    return root


def from_imigue22(pose22: np.ndarray, layout: str) -> np.ndarray:
    """Scatter ``(T, 22, 3)`` into ``layout`` (single-source joints only; others stay 0)."""
    spec = LAYOUTS[layout]
    out = np.zeros((len(pose22), spec.num_keypoints, 3), dtype=np.float32)
    for j, sources in enumerate(spec.to_imigue22):
        if len(sources) == 1:
            out[:, sources[0]] = pose22[:, j]
    return out


_BASE = np.array(
    [
        [640, 200],
        [640, 300],
        [540, 300],
        [500, 420],
        [560, 520],
        [740, 300],
        [780, 420],
        [720, 520],
        [620, 180],
        [660, 180],
        [600, 190],
        [680, 190],
    ],
    dtype=np.float32,
)
_MOVING = (4, 7, 0, 6)  # class c moves joint _MOVING[c % 4] at (1 + c // 4) cycles per clip


def synthetic_pose(label: int, length: int, rng: np.random.Generator) -> np.ndarray:
    """A ``(T, 22, 3)`` pixel sequence whose motion depends on ``label`` only."""
    pose = np.zeros((length, NUM_JOINTS, 3), dtype=np.float32)
    pose[:, :12, :2] = _BASE + rng.normal(0, 10, 2)
    pose[:, 12:17, :2] = _BASE[7] + np.array([0, 30])
    pose[:, 17:22, :2] = _BASE[4] + np.array([0, 30])
    phase = 2 * np.pi * (1 + label // 4) * np.arange(length) / length
    joint = _MOVING[label % 4]
    pose[:, joint, 0] += 60 * np.sin(phase)
    pose[:, joint, 1] += 60 * np.cos(phase)
    pose[..., :2] += rng.normal(0, 2, pose[..., :2].shape)
    pose[..., 2] = 0.9
    return pose


def synthetic_release(
    root: Path,
    num_classes: int = 4,
    clips_per_video: int = 6,
    num_subjects: int = 4,
    videos_per_subject: int = 2,
    seed: int = 0,
    min_len: int = 10,
    max_len: int = 60,
) -> Path:
    """Half the subjects train, half test; emotions alternate by video; layouts alternate
    between OpenPose-137 and COCO-WholeBody-133 so both mappings are exercised."""
    rng = np.random.default_rng(seed)
    clips, videos, poses = [], [], {}
    for s in range(num_subjects):
        for v in range(videos_per_subject):
            vid = 100 * (s + 1) + v
            videos.append(
                {
                    "video_id": vid,
                    "subject_id": f"S{s:02d}",
                    "fps": 25,
                    "num_frames": 10_000,
                    "width": 1280,
                    "height": 720,
                    "emotion": ("negative", "positive")[(s + v) % 2],
                }
            )
            layout = ("openpose137", "coco_wholebody133")[v % 2]
            for k in range(clips_per_video):
                label = (k + s + v) % num_classes
                length = int(rng.integers(min_len, max_len + 1))
                clip_id = f"{vid:04d}_{k}"
                clips.append(
                    {
                        "clip_id": clip_id,
                        "video_id": vid,
                        "subject_id": f"S{s:02d}",
                        "category_code": f"C{label + 1}",
                        "label": label,
                        "start_frame": 100 * k,
                        "end_frame": 100 * k + length - 1,
                        "num_frames": length,
                        "origin": "matched",
                    }
                )
                poses[clip_id] = (from_imigue22(synthetic_pose(label, length, rng), layout), layout)
    train_subj = [f"S{s:02d}" for s in range(0, num_subjects, 2)]
    test_subj = [f"S{s:02d}" for s in range(1, num_subjects, 2)]
    split = {
        part: {
            "subject_ids": subj,
            "clip_ids": [c["clip_id"] for c in clips if c["subject_id"] in subj],
        }
        for part, subj in (("train", train_subj), ("test", test_subj))
    }
    # Emotion: every other video of each subject to train, the rest to test.
    emo = {
        "train": {"video_ids": [v["video_id"] for v in videos if v["video_id"] % 2 == 0]},
        "test": {"video_ids": [v["video_id"] for v in videos if v["video_id"] % 2 == 1]},
    }
    return write_release(root, clips, videos, split, emo, num_classes, poses)


def read_labels(video_id: int | None = None) -> list[dict]:
    with LABELS_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return [r for r in rows if video_id is None or int(r["video_id"]) == video_id]


def official_split() -> dict[str, list[int]]:
    """Subject and video id sets of the official protocol, parsed from its text."""
    sets = re.findall(r"(Training|Testing) set:\s*\{([^}]*)\}", PROTOCOL_TXT.read_text())
    ids = [[int(x) for x in re.findall(r"\d+", body)] for _, body in sets]
    return {
        "train_subjects": ids[0],
        "test_subjects": ids[1],
        "train_videos": ids[2],
        "test_videos": ids[3],
    }


def _label_rows(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    clips, videos = [], {}
    for r in rows:
        vid, start, end = int(r["video_id"]), int(r["start_frame"]), int(r["end_frame"])
        label = imigue_label(int(r["class"]))
        clips.append(
            {
                "clip_id": f"{vid:04d}_{int(r['label_id']) - 1}",
                "video_id": vid,
                "subject_id": r["subject_id"],
                "category_code": f"C{label + 1}",
                "label": label,
                "start_frame": start,
                "end_frame": end,
                "num_frames": end - start + 1,
                "origin": "matched",
            }
        )
        emotion = "positive" if r["win_or_lose"].strip().lower() == "win" else "negative"
        v = videos.setdefault(
            vid,
            {
                "video_id": vid,
                "subject_id": r["subject_id"],
                "fps": 25,
                "num_frames": 0,
                "width": 1280,
                "height": 720,
                "emotion": emotion,
            },
        )
        v["num_frames"] = max(v["num_frames"], end + 1)
    return clips, sorted(videos.values(), key=lambda v: v["video_id"])


def label_table_release(root: Path) -> Path:
    """All 18,498 labelled clips, no poses, with the official cross-subject and emotion splits."""
    clips, videos = _label_rows(read_labels())
    off = official_split()
    split = {}
    for part in ("train", "test"):
        subj = {str(s) for s in off[f"{part}_subjects"]}
        split[part] = {
            "subject_ids": sorted(subj),
            "clip_ids": [c["clip_id"] for c in clips if c["subject_id"] in subj],
        }
    emo = {p: {"video_ids": off[f"{p}_videos"]} for p in ("train", "test")}
    return write_release(root, clips, videos, split, emo, NUM_IMIGUE_CLASSES)


def video298_release(root: Path, test_every: int = 4) -> Path:
    """Video 298's 56 labelled clips with its real OpenPose-137 skeletons (person 0).

    Only one subject's skeletons are public, so a true cross-subject split is impossible here:
    every ``test_every``-th clip in time order goes to test (recorded as such in the split).
    """
    clips, videos = _label_rows(read_labels(298))
    with np.load(VIDEO298_NPZ) as f:
        person0 = f["keypoints"][:, 0]
    poses = {
        c["clip_id"]: (person0[c["start_frame"] : c["end_frame"] + 1], "openpose137") for c in clips
    }
    test = {c["clip_id"] for k, c in enumerate(clips) if k % test_every == test_every - 1}
    split = {
        "note": "single subject: time-interleaved stand-in for a cross-subject split",
        "train": {
            "subject_ids": ["22"],
            "clip_ids": [c["clip_id"] for c in clips if c["clip_id"] not in test],
        },
        "test": {"subject_ids": ["22"], "clip_ids": sorted(test)},
    }
    emo = {"train": {"video_ids": [298]}, "test": {"video_ids": []}}
    return write_release(root, clips, videos, split, emo, NUM_IMIGUE_CLASSES, poses)


def write_rgb_clips(root: Path, size: int = 32, fps: int = 25) -> None:
    """``clips/<clip_id>.mp4`` for every clip: the class sets the colour of a moving square, so
    TSM has something learnable. Encoded with the ffmpeg binary from raw frames."""
    import subprocess

    (root / "clips").mkdir(exist_ok=True)
    with (root / "clips.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    palette = np.array(
        [[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [0, 255, 255], [255, 0, 255]],
        dtype=np.uint8,
    )
    for r in rows:
        n, label = int(r["num_frames"]), int(r["label"])
        frames = np.zeros((n, size, size, 3), dtype=np.uint8)
        for t in range(n):
            x = (t * 2) % (size - 8)
            frames[t, 8:16, x : x + 8] = palette[label % len(palette)]
        cmd = [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            "-f",
            "rawvideo",
            "-pix_fmt",
            "rgb24",
            "-s",
            f"{size}x{size}",
            "-r",
            str(fps),
            "-i",
            "-",
            "-an",
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-qp",
            "0",
            str(root / "clips" / f"{r['clip_id']}.mp4"),
        ]
        subprocess.run(cmd, input=frames.tobytes(), check=True)
