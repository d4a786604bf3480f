"""Re-check a written release (docs/design.md §10) with no Django: :func:`validate_release`.

Checks: every manifest entry's size and sha256; files the manifest does not list; the CSV
schemas (exact columns, integer/number fields, frames ``end ≥ start ≥ 0`` and
``num_frames = end − start + 1``); clip ids unique, of the form ``{video:04d}_{k}`` with k a
0..n−1 numbering per video, and matching ``clips/``/``poses/`` file names; known ids in
``clips.csv`` and the splits; subject-disjoint cross-subject split; video-disjoint, balanced
emotion split; no audio stream in any ``clips/*.mp4`` (ffprobe, only when there are clips); no
name columns and no file names other than clip ids. Each :class:`Problem` names its file.

It does *not* require k to follow time order: iMiGUE's imported clips keep k = label_id − 1,
which differs from (start, end, class) order in 34 of its 359 videos.
"""

from __future__ import annotations

import csv
import json
import tarfile
import tempfile
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.csv_safety import plain_cell
from pipeline.hashing import sha256_file
from pipeline.process import MediaError, audio_codecs

from .clip_ids import CLIP_ID_RE
from .writer import CLIP_COLUMNS, SUBJECT_COLUMNS, VIDEO_COLUMNS

__all__ = ["FORBIDDEN_COLUMNS", "Problem", "validate_release"]

#: Columns that would carry a name or a source file name (docs/design.md §8, invariant 3).
FORBIDDEN_COLUMNS = frozenset(
    {
        "name",
        "original_name",
        "file",
        "filename",
        "file_name",
        "path",
        "source",
        "source_file",
        "url",
        "subject_name",
    }
)
_TOP_FILES = frozenset(
    {
        "README.md",
        "manifest.json",
        "taxonomy.json",
        "subjects.csv",
        "videos.csv",
        "clips.csv",
        "skeleton.json",
        "splits/cross_subject.json",
        "splits/emotion.json",
    }
)
_INT_CLIP = ("video_id", "label", "start_frame", "end_frame", "num_frames")
_INT_VIDEO = ("video_id", "num_frames", "width", "height")
_ORIGINS = frozenset({"matched", "adjudicated", "imported"})


@dataclass(frozen=True)
class Problem:
    file: str  # path relative to the release folder ("" for the release as a whole)
    message: str

    def __str__(self) -> str:
        return f"{self.file or '<release>'}: {self.message}"


def _read_csv(
    root: Path, rel: str, columns: Sequence[str], problems: list[Problem]
) -> list[dict[str, str]]:
    path = root / rel
    if not path.is_file():
        problems.append(Problem(rel, "missing"))
        return []
    try:
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            header = list(reader.fieldnames or [])
            # Cells the writer guarded against spreadsheet formulas are compared as written.
            rows = [
                {k: plain_cell(v) if isinstance(v, str) else v for k, v in row.items()}
                for row in reader
            ]
    except (UnicodeDecodeError, csv.Error) as exc:
        problems.append(Problem(rel, f"unreadable CSV: {exc}"))
        return []
    bad = sorted(FORBIDDEN_COLUMNS & {h.strip().lower() for h in header})
    if bad:
        problems.append(Problem(rel, f"forbidden column(s) that could hold names: {bad}"))
    if header != list(columns):
        problems.append(Problem(rel, f"columns {header} != expected {list(columns)}"))
    return rows


def _int(value: str) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _load_json(root: Path, rel: str, problems: list[Problem]) -> Any:
    path = root / rel
    if not path.is_file():
        problems.append(Problem(rel, "missing"))
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        problems.append(Problem(rel, f"invalid JSON: {exc}"))
        return None


def _side(split: dict, side: str, key: str) -> list[str]:
    part = split.get(side)
    values = part.get(key, []) if isinstance(part, dict) else split.get(f"{side}_{key}", [])
    return [str(v) for v in values]


def validate_release(path: str | Path, check_audio: bool = True) -> list[Problem]:
    """All problems found in the release folder ``path`` (or ``<folder>.tar``: its ``.sha256``
    is checked and the tar is unpacked into a temporary folder first). Empty = valid."""
    path = Path(path)
    if path.is_file() and path.suffix == ".tar":
        return _validate_tar(path, check_audio)
    problems: list[Problem] = []
    root = path
    if not root.is_dir():
        return [Problem("", f"{root} is not a release folder")]

    # 1. manifest: sizes, hashes, unlisted files
    manifest = _load_json(root, "manifest.json", problems) or {}
    listed: dict[str, dict] = {}
    for entry in manifest.get("files", []) if isinstance(manifest, dict) else []:
        listed[str(entry.get("path"))] = entry
    present = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}
    for rel in sorted(listed):
        entry = listed[rel]
        file = root / rel
        if rel not in present:
            problems.append(Problem(rel, "listed in manifest.json but missing"))
            continue
        size = file.stat().st_size
        if size != entry.get("size"):
            problems.append(Problem(rel, f"size {size} != manifest {entry.get('size')}"))
        if sha256_file(file) != entry.get("sha256"):
            problems.append(Problem(rel, "sha256 does not match manifest.json"))
    for rel in sorted(present - set(listed) - {"manifest.json"}):
        problems.append(Problem(rel, "not listed in manifest.json"))
    for rel in sorted(_TOP_FILES - present):
        if rel != "manifest.json":
            problems.append(Problem(rel, "missing"))
    labels_only = bool(manifest.get("labels_only")) if isinstance(manifest, dict) else False

    # 2. tables
    subjects = _read_csv(root, "subjects.csv", SUBJECT_COLUMNS, problems)
    videos = _read_csv(root, "videos.csv", VIDEO_COLUMNS, problems)
    clips = _read_csv(root, "clips.csv", CLIP_COLUMNS, problems)
    subject_ids = [r.get("subject_id", "") for r in subjects]
    for sid, n in Counter(subject_ids).items():
        if n > 1:
            problems.append(Problem("subjects.csv", f"subject_id {sid!r} appears {n} times"))
    known_subjects = set(subject_ids)
    video_emotion: dict[str, str] = {}
    for i, r in enumerate(videos, start=2):
        vid = r.get("video_id", "")
        for col in _INT_VIDEO:
            if _int(r.get(col, "")) is None:
                problems.append(
                    Problem("videos.csv", f"line {i}: {col} {r.get(col)!r} is not an integer")
                )
        try:
            float(r.get("fps", ""))
        except ValueError:
            problems.append(
                Problem("videos.csv", f"line {i}: fps {r.get('fps')!r} is not a number")
            )
        if r.get("emotion") not in ("positive", "negative"):
            problems.append(
                Problem(
                    "videos.csv", f"line {i}: emotion {r.get('emotion')!r} is not positive/negative"
                )
            )
        if r.get("subject_id") not in known_subjects:
            problems.append(
                Problem("videos.csv", f"line {i}: unknown subject_id {r.get('subject_id')!r}")
            )
        if _norm(vid) in video_emotion:
            problems.append(Problem("videos.csv", f"line {i}: duplicate video_id {vid!r}"))
        video_emotion[_norm(vid)] = r.get("emotion", "")
    video_subject = {_norm(r.get("video_id", "")): r.get("subject_id") for r in videos}

    clip_ids: list[str] = []
    clip_subject: dict[str, str] = {}
    ks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(clips, start=2):
        cid = r.get("clip_id", "")
        clip_ids.append(cid)
        clip_subject[cid] = r.get("subject_id", "")
        where = f"line {i} ({cid})"
        values = {col: _int(r.get(col, "")) for col in _INT_CLIP}
        for col, v in values.items():
            if v is None:
                problems.append(
                    Problem("clips.csv", f"{where}: {col} {r.get(col)!r} is not an integer")
                )
        start, end, num = values["start_frame"], values["end_frame"], values["num_frames"]
        if start is not None and end is not None:
            if start < 0 or end < start:
                problems.append(
                    Problem("clips.csv", f"{where}: frames {start}..{end} (need 0 ≤ start ≤ end)")
                )
            elif num is not None and num != end - start + 1:
                problems.append(
                    Problem(
                        "clips.csv",
                        f"{where}: num_frames {num} != end − start + 1 = {end - start + 1}",
                    )
                )
        if values["label"] is not None and values["label"] < 0:
            problems.append(Problem("clips.csv", f"{where}: negative label"))
        if r.get("origin") not in _ORIGINS:
            problems.append(
                Problem(
                    "clips.csv", f"{where}: origin {r.get('origin')!r} not in {sorted(_ORIGINS)}"
                )
            )
        vid = _norm(r.get("video_id", ""))
        if vid not in video_subject:
            problems.append(Problem("clips.csv", f"{where}: unknown video_id {vid!r}"))
        elif video_subject[vid] != r.get("subject_id"):
            problems.append(
                Problem(
                    "clips.csv",
                    f"{where}: subject_id {r.get('subject_id')!r} "
                    f"!= its video's {video_subject[vid]!r}",
                )
            )
        m = CLIP_ID_RE.match(cid)
        if not m:
            problems.append(Problem("clips.csv", f"{where}: clip_id is not '{{video:04d}}_{{k}}'"))
        elif values["video_id"] is not None and int(m.group(1)) != values["video_id"]:
            problems.append(
                Problem(
                    "clips.csv", f"{where}: clip_id's video part != video_id {values['video_id']}"
                )
            )
        else:
            ks[m.group(1)].append(int(m.group(2)))
    for cid, n in Counter(clip_ids).items():
        if n > 1:
            problems.append(Problem("clips.csv", f"clip_id {cid!r} appears {n} times"))
    for video, numbers in sorted(ks.items()):
        if sorted(numbers) != list(range(len(numbers))):
            problems.append(
                Problem(
                    "clips.csv",
                    f"video {video}: clip indices "
                    f"{sorted(numbers)[:10]} are not 0..{len(numbers) - 1}",
                )
            )
    known_clips = set(clip_ids)

    # 3. files under clips/ and poses/: names are clip ids, nothing else anywhere
    allowed_top = _TOP_FILES | {"manifest.json"}
    for rel in sorted(present):
        parts = rel.split("/")
        if parts[0] in ("clips", "poses") and len(parts) == 2:
            stem, _, ext = parts[1].rpartition(".")
            want = "mp4" if parts[0] == "clips" else "npz"
            if ext != want or stem not in known_clips:
                problems.append(
                    Problem(rel, f"file name is not '<clip_id>.{want}' of a known clip")
                )
            if parts[0] == "clips" and labels_only:
                problems.append(Problem(rel, "a labels-only release holds no clips"))
        elif parts[0] == "stats" and len(parts) == 2:
            continue
        elif rel not in allowed_top:
            problems.append(Problem(rel, "unexpected file: not part of release format v1"))

    # 4. splits
    cross = _load_json(root, "splits/cross_subject.json", problems)
    if isinstance(cross, dict):
        _check_cross(cross, known_subjects, known_clips, clip_subject, problems)
    emotion = _load_json(root, "splits/emotion.json", problems)
    if isinstance(emotion, dict):
        _check_emotion(emotion, video_emotion, problems)

    # 5. audio
    mp4s = sorted(r for r in present if r.startswith("clips/") and r.endswith(".mp4"))
    if check_audio and mp4s:
        for rel in mp4s:
            try:
                streams = audio_codecs(root / rel)
            except MediaError:
                problems.append(Problem(rel, "ffprobe could not read it"))
                continue
            if streams:
                problems.append(Problem(rel, f"has audio stream(s): {', '.join(streams)}"))
    return problems


def _norm(value: str) -> str:
    text = str(value).strip()
    return str(int(text)) if text.isdigit() else text


def _check_cross(
    split: dict,
    subjects: set[str],
    clips: set[str],
    clip_subject: dict[str, str],
    problems: list[Problem],
) -> None:
    rel = "splits/cross_subject.json"
    sides = {s: set(_side(split, s, "subject_ids")) for s in ("train", "test")}
    both = sides["train"] & sides["test"]
    if both:
        problems.append(Problem(rel, f"subjects in both train and test: {sorted(both)}"))
    for side, ids in sides.items():
        unknown = sorted(ids - subjects)
        if unknown:
            problems.append(Problem(rel, f"{side}: unknown subject ids {unknown[:10]}"))
    seen: dict[str, str] = {}
    for side in ("train", "test"):
        for cid in _side(split, side, "clip_ids"):
            if cid not in clips:
                problems.append(Problem(rel, f"{side}: unknown clip id {cid!r}"))
            elif cid in seen:
                problems.append(Problem(rel, f"clip {cid!r} in {seen[cid]} and {side}"))
            elif sides[side] and clip_subject.get(cid) not in sides[side]:
                problems.append(
                    Problem(
                        rel,
                        f"{side}: clip {cid!r} of subject "
                        f"{clip_subject.get(cid)!r} not in {side}'s subjects",
                    )
                )
            seen.setdefault(cid, side)


def _check_emotion(split: dict, emotion: dict[str, str], problems: list[Problem]) -> None:
    rel = "splits/emotion.json"
    sides = {s: [_norm(v) for v in _side(split, s, "video_ids")] for s in ("train", "test")}
    both = set(sides["train"]) & set(sides["test"])
    if both:
        problems.append(Problem(rel, f"videos in both train and test: {sorted(both)}"))
    for side, ids in sides.items():
        unknown = sorted(set(ids) - set(emotion))
        if unknown:
            problems.append(Problem(rel, f"{side}: unknown video ids {unknown[:10]}"))
        counts = Counter(emotion[v] for v in ids if v in emotion)
        if counts["positive"] != counts["negative"]:
            problems.append(
                Problem(
                    rel,
                    f"{side} is not balanced: {counts['positive']} "
                    f"positive, {counts['negative']} negative",
                )
            )


def _validate_tar(tar_path: Path, check_audio: bool) -> list[Problem]:
    problems: list[Problem] = []
    sha_file = tar_path.with_name(tar_path.name + ".sha256")
    if not sha_file.is_file():
        problems.append(Problem(sha_file.name, "missing"))
    elif sha_file.read_text().split()[:1] != [sha256_file(tar_path)]:
        problems.append(Problem(tar_path.name, f"sha256 does not match {sha_file.name}"))
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(tar_path) as tar:
        tops = {m.name.split("/")[0] for m in tar.getmembers()}
        if len(tops) != 1:
            return problems + [Problem(tar_path.name, f"not one top-level folder: {tops}")]
        tar.extractall(tmp, filter="data")
        problems += validate_release(Path(tmp) / tops.pop(), check_audio)
    return problems
