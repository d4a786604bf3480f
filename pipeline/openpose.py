"""Read OpenPose-137 skeletons (iMiGUE's pose format) and keep the main subject. Pure: no Django.

iMiGUE ships its poses as OpenPose 1.3 output: per frame, every person found with BODY_25
(25), face (70), left hand (21) and right hand (21) keypoints, 137 × (x, y, confidence) in
pixels. Two sources are read:

* a directory of per-frame ``<video>_<12-digit frame>_keypoints.json`` files, which is what
  OpenPose writes (a frame without a file, or with no people, is a frame where nobody was found);
* the reference ``.npz`` (``keypoints`` (T, P, 137, 3), ``num_people`` (T,)), the same data
  packed into one array.

Both become the same per-frame list of detections, and the main subject is chosen from that list
with the tracker of the OpenPifPaf stage (``pipeline.subject``), so imported and extracted poses
follow one rule (docs/design.md §9). The result is stored like extracted poses: ``(T, 137, 3)``
float32 with the layout name ``openpose137``, which ``baselines.skeleton`` maps to the 22-joint
layout.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# baselines.skeleton is pure numpy (the package's __init__ imports nothing heavy), so the
# layout's name and mapping are read from the one place they are written.
from baselines.skeleton import OPENPOSE137
from baselines.skeleton import to_imigue22 as _to_imigue22

from .subject import track_people

LAYOUT = OPENPOSE137.name  # "openpose137"
NUM_KEYPOINTS = OPENPOSE137.num_keypoints  # 137
# OpenPose's JSON keys, in the order the 137 keypoints are concatenated (BODY_25 first).
JSON_PARTS: tuple[tuple[str, int], ...] = (
    ("pose_keypoints_2d", 25),
    ("face_keypoints_2d", 70),
    ("hand_left_keypoints_2d", 21),
    ("hand_right_keypoints_2d", 21),
)
# iMiGUE's videos are 1280×720; OpenPose's output does not record the frame size, and the
# main-subject rule needs it only to tell which person is nearer the centre.
DEFAULT_SIZE = (1280, 720)

_JSON_NAME = re.compile(r"^(?P<video>.+)_(?P<frame>\d{12})_keypoints\.json$")

People = list[list[np.ndarray]]  # people[t] = the (137, 3) poses found in frame t


class OpenPoseError(ValueError):
    """The OpenPose output cannot be read; the message names the file and the problem."""


@dataclass
class OpenPoseSkeletons:
    """The main subject's skeletons of a whole video, and how they were chosen."""

    keypoints: np.ndarray  # (T, 137, 3) float32; zeros where the main subject is not found
    layout: str
    people_per_frame: np.ndarray  # (T,) int: detections OpenPose made in each frame
    # (T,) int: index of the chosen detection in that frame's people (-1: none), and the id of
    # the track it belongs to (-1: none). Kept so the choice can be audited and tested.
    chosen_person: np.ndarray
    chosen_track: np.ndarray

    @property
    def num_frames(self) -> int:
        return int(self.keypoints.shape[0])


# --- reading ------------------------------------------------------------------------------


def parse_json_frame(data: dict, where: str = "") -> list[np.ndarray]:
    """The (137, 3) poses of one OpenPose JSON frame (``people[]``), in OpenPose's order.

    A part that OpenPose did not compute (face or hands off, written as an empty list) is zeros:
    confidence 0 is the one "missing" marker the layouts read.
    """
    people = data.get("people")
    if not isinstance(people, list):
        raise OpenPoseError(f"{where}: no 'people' list (not an OpenPose keypoints file)")
    poses = []
    for index, person in enumerate(people):
        parts = []
        for key, count in JSON_PARTS:
            values = person.get(key) or []
            if len(values) not in (0, count * 3):
                raise OpenPoseError(
                    f"{where}: person {index} {key} has {len(values)} values, "
                    f"expected {count * 3} ({count} keypoints × x, y, c)"
                )
            part = np.zeros((count, 3), dtype=np.float32)
            if values:
                part[:] = np.asarray(values, dtype=np.float32).reshape(count, 3)
            parts.append(part)
        poses.append(np.concatenate(parts))
    return poses


def read_json_dir(
    folder: Path, *, video: str | None = None, num_frames: int | None = None
) -> People:
    """Per-frame poses from OpenPose's ``--write_json`` folder.

    Frames are numbered by the 12-digit index in each file name (0-based, as OpenPose counts),
    so a frame with no file is a frame with nobody found, not a shift of the rest. ``num_frames``
    (the video's frame count, when known) extends the result past the last file; without it the
    result ends at the last file. Files of several videos in one folder need ``video``.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise OpenPoseError(f"{folder}: not a directory")
    files: dict[int, Path] = {}
    videos: set[str] = set()
    for path in folder.iterdir():
        match = _JSON_NAME.match(path.name)
        if not match or (video is not None and match["video"] != video):
            continue
        videos.add(match["video"])
        files[int(match["frame"])] = path
    if len(videos) > 1:
        raise OpenPoseError(
            f"{folder}: files of several videos ({', '.join(sorted(videos))}); say which one"
        )
    if not files:
        raise OpenPoseError(
            f"{folder}: no <video>_<12-digit frame>_keypoints.json files"
            + (f" for video {video}" if video is not None else "")
        )
    total = max(files) + 1
    if num_frames is not None:
        if num_frames < total:
            raise OpenPoseError(
                f"{folder}: a file for frame {max(files)} but the video has {num_frames} frames"
            )
        total = num_frames
    people: People = [[] for _ in range(total)]
    for frame, path in files.items():
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OpenPoseError(f"{path.name}: cannot read ({exc})") from exc
        people[frame] = parse_json_frame(data, path.name)
    return people


def read_npz(path: Path) -> People:
    """Per-frame poses from the packed array: the first ``num_people[t]`` rows of frame t."""
    try:
        with np.load(path) as data:
            keypoints = np.asarray(data["keypoints"], dtype=np.float32)
            counts = np.asarray(data["num_people"]) if "num_people" in data.files else None
    except (OSError, ValueError, KeyError) as exc:
        raise OpenPoseError(f"{Path(path).name}: cannot read keypoints ({exc})") from exc
    if keypoints.ndim != 4 or keypoints.shape[2:] != (NUM_KEYPOINTS, 3):
        raise OpenPoseError(
            f"{Path(path).name}: keypoints should be (T, P, {NUM_KEYPOINTS}, 3), "
            f"got {keypoints.shape}"
        )
    if counts is None:  # without the count, a person is present when any keypoint is
        counts = keypoints[..., 2].any(axis=2).sum(axis=1)
    if counts.shape != keypoints.shape[:1]:
        raise OpenPoseError(f"{Path(path).name}: num_people does not have one entry per frame")
    return [list(keypoints[t, : int(counts[t])]) for t in range(keypoints.shape[0])]


def read_people(source: Path, *, video: str | None = None) -> People:
    """Per-frame poses from an ``.npz`` file or a folder of OpenPose JSON files."""
    source = Path(source)
    if source.is_dir():
        return read_json_dir(source, video=video)
    if source.suffix.lower() == ".npz" and source.is_file():
        return read_npz(source)
    raise OpenPoseError(f"{source}: expected an .npz file or a folder of OpenPose JSON files")


# --- the main subject ---------------------------------------------------------------------


def select_main_subject(
    people: People, width: int = DEFAULT_SIZE[0], height: int = DEFAULT_SIZE[1]
) -> OpenPoseSkeletons:
    """Keep one person per frame, the same person as long as they can be followed.

    Detections are linked into tracks by box IoU (``pipeline.subject.track_people``) and each
    track is scored as ``pipeline.subject`` scores a clip's people: mean box area × closeness to
    the centre × share of frames present. Within a clip the subject stage keeps only the best
    track; a whole video, though, breaks the subject's track wherever OpenPose loses them for a
    while (camera cuts, the end of the conference), so here every frame takes the best-scored
    track present in it. The choice changes only where a track starts or ends, never because
    OpenPose listed people in another order, so a brief second person (a moderator leaning in)
    does not take over. A frame with nobody confident is zeros.
    """
    num_frames = len(people)
    keypoints = np.zeros((num_frames, NUM_KEYPOINTS, 3), dtype=np.float32)
    chosen_person = np.full(num_frames, -1, dtype=np.int64)
    chosen_track = np.full(num_frames, -1, dtype=np.int64)
    for t, poses in enumerate(people):
        for pose in poses:
            if pose.shape != (NUM_KEYPOINTS, 3):
                raise OpenPoseError(f"frame {t}: a pose of shape {pose.shape}, not (137, 3)")
    tracks = track_people(people)
    scores = [track.score(width, height, num_frames) for track in tracks]
    best_score = np.full(num_frames, -np.inf)
    for track_id, (track, score) in enumerate(zip(tracks, scores, strict=True)):
        for t, pose in zip(track.frames, track.poses, strict=True):
            if score > best_score[t]:
                best_score[t] = score
                chosen_track[t] = track_id
                keypoints[t] = pose
                # The tracker keeps the very arrays it was given, so identity finds the index.
                chosen_person[t] = next(i for i, p in enumerate(people[t]) if p is pose)
    return OpenPoseSkeletons(
        keypoints=keypoints,
        layout=LAYOUT,
        people_per_frame=np.array([len(p) for p in people], dtype=np.int64),
        chosen_person=chosen_person,
        chosen_track=chosen_track,
    )


def load_openpose(
    source: Path,
    *,
    video: str | None = None,
    width: int = DEFAULT_SIZE[0],
    height: int = DEFAULT_SIZE[1],
) -> OpenPoseSkeletons:
    """The main subject's ``(T, 137, 3)`` skeletons of a whole video from either source."""
    return select_main_subject(read_people(source, video=video), width, height)


def to_imigue22(poses: np.ndarray) -> np.ndarray:
    """``(T, 137, 3)`` OpenPose poses → ``(T, 22, 3)`` in the iMiGUE layout the baselines use."""
    return _to_imigue22(poses, LAYOUT)
