"""The pure release core (annotator.release): splits on the real iMiGUE table, deterministic
writing, validation and the datasheet. No database."""

from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from annotator.release import (
    ReleaseSpec,
    assign_clip_ids,
    clip_id,
    cross_subject_from_lists,
    emotion_from_lists,
    generate_cross_subject,
    generate_emotion,
    parse_protocol,
    render_datasheet,
    validate_release,
    write_release,
)
from annotator.taxonomy import IMIGUE
from tests.support.media_factory import make_numbered_video
from tests.support.paths import IMIGUE_REFERENCE, REPO

IMIGUE_DIR = IMIGUE_REFERENCE
LABELS = IMIGUE_DIR / "labels_20200831.csv"
PROTOCOL = IMIGUE_DIR / "evaluation-protocol.txt"

needs_real = pytest.mark.skipif(
    not (LABELS.is_file() and PROTOCOL.is_file()),
    reason="../shared/reference/imigue (real iMiGUE label table and protocol) is absent",
)


def test_core_imports_no_django():
    code = (
        "import sys; import annotator.release as r; "
        "import annotator.release.splits, annotator.release.writer, "
        "annotator.release.validate, annotator.release.datasheet, annotator.release.clip_ids; "
        "bad = [m for m in sys.modules if m == 'django' or m.startswith('django.')]; "
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


# --- real iMiGUE table ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def table() -> list[dict]:
    if not LABELS.is_file():
        pytest.skip("real iMiGUE label table is absent")
    with LABELS.open(newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def clips(table) -> list[dict]:
    return [
        {
            "clip_id": f"{int(r['video_id']):04d}_{int(r['label_id']) - 1}",
            "video_id": int(r["video_id"]),
            "subject_id": r["subject_id"],
            "category_code": int(r["class"]),
        }
        for r in table
    ]


@pytest.fixture(scope="module")
def videos(table) -> list[dict]:
    return list(
        {
            r["video_id"]: {"video_id": int(r["video_id"]), "emotion": r["win_or_lose"]}
            for r in table
        }.values()
    )


@pytest.fixture(scope="module")
def protocol():
    if not PROTOCOL.is_file():
        pytest.skip("protocol text is absent")
    return parse_protocol(PROTOCOL.read_text())


@needs_real
def test_parse_protocol(protocol):
    assert (len(protocol.train_subjects), len(protocol.test_subjects)) == (37, 35)
    assert (len(protocol.train_videos), len(protocol.test_videos)) == (102, 100)
    assert protocol.train_subjects[:3] == (2, 4, 5) and protocol.test_videos[-1] == 447
    with pytest.raises(ValueError):
        parse_protocol("Training set: {1, 2}")


@needs_real
def test_official_cross_subject_split(table, clips, protocol):
    split = cross_subject_from_lists(
        clips,
        protocol.train_subjects,
        protocol.test_subjects,
        categories=[c.code for c in IMIGUE.categories],
    )
    train_s = {str(s) for s in protocol.train_subjects}
    test_s = {str(s) for s in protocol.test_subjects}
    # Independently: filter the table's rows by subject.
    want_train = sum(1 for r in table if r["subject_id"] in train_s)
    want_test = sum(1 for r in table if r["subject_id"] in test_s)
    assert (len(split.train_clip_ids), len(split.test_clip_ids)) == (want_train, want_test)
    assert want_train + want_test == len(table) == 18498
    assert (want_train, want_test) == (13935, 4563)  # the paper says 13,936: one row fewer here
    assert not set(split.train_subject_ids) & set(split.test_subject_ids)
    assert not set(split.train_clip_ids) & set(split.test_clip_ids)
    assert split.excluded_clip_ids == ()
    # Every class is reported, with the counts the table implies.
    assert len(split.per_class) == 32
    for p in split.per_class:
        rows = [r for r in table if r["class"] == p.category_code]
        assert p.train == sum(r["subject_id"] in train_s for r in rows)
        assert p.test == sum(r["subject_id"] in test_s for r in rows)
    assert split.absent_from_train == ()
    assert split.absent_from_test == tuple(p.category_code for p in split.per_class if p.test == 0)
    assert "19" in split.absent_from_test  # class 19 has 2 clips, both of training subjects
    js = split.to_json()
    assert js["test"]["subject_ids"][:3] == [1, 3, 7] and js["absent_from_test"] == [19]


@needs_real
def test_official_emotion_split(videos, protocol):
    split = emotion_from_lists(videos, protocol.train_videos, protocol.test_videos)
    assert split.counts == {
        "train": {"positive": 51, "negative": 51},
        "test": {"positive": 50, "negative": 50},
    }
    assert split.balanced and split.unknown_video_ids == ()
    assert not set(split.train_video_ids) & set(split.test_video_ids)


@needs_real
def test_generated_cross_subject_is_disjoint_deterministic_stratified(clips):
    a = generate_cross_subject(clips, test_fraction=0.3, seed=7)
    b = generate_cross_subject(list(reversed(clips)), test_fraction=0.3, seed=7)
    assert a == b  # same seed, any row order → the same split
    assert not set(a.train_subject_ids) & set(a.test_subject_ids)
    assert set(a.train_clip_ids) | set(a.test_clip_ids) == {c["clip_id"] for c in clips}
    subject_of = {c["clip_id"]: c["subject_id"] for c in clips}
    assert {subject_of[c] for c in a.test_clip_ids} == set(a.test_subject_ids)
    assert abs(len(a.test_clip_ids) / len(clips) - 0.3) < 0.02
    for p in a.per_class:
        if p.total >= 100:
            assert abs(p.test_fraction - 0.3) < 0.08, p
    assert a.config == {
        "method": "generated",
        "algorithm": "greedy+local-search/1",
        "test_fraction": 0.3,
        "seed": 7,
    }


def test_generated_cross_subject_small_and_seeded():
    rows = [
        {"clip_id": f"{v:04d}_{k}", "subject_id": f"S{v % 10}", "category_code": k % 3}
        for v in range(40)
        for k in range(5)
    ]
    splits = {seed: generate_cross_subject(rows, 0.3, seed) for seed in range(6)}
    for s in splits.values():
        assert s.train_subject_ids and s.test_subject_ids
        assert not set(s.train_subject_ids) & set(s.test_subject_ids)
    assert generate_cross_subject(rows, 0.3, 3) == splits[3]
    one = generate_cross_subject([rows[0], rows[5]], 0.5, 0)  # two subjects: one per side
    assert len(one.train_subject_ids) == len(one.test_subject_ids) == 1


def test_generated_emotion_is_balanced_and_seeded():
    videos = [{"video_id": v, "emotion": "win" if v % 3 else "lose"} for v in range(1, 61)]
    a, b = generate_emotion(videos, seed=1), generate_emotion(videos, seed=1)
    assert a == b and a.balanced
    assert a.counts["train"]["positive"] == a.counts["train"]["negative"] == 10
    assert a.counts["test"] == {"positive": 10, "negative": 10}
    assert not set(a.train_video_ids) & set(a.test_video_ids)
    assert len(a.unused_video_ids) == 20  # the surplus of the majority emotion
    assert generate_emotion(videos, seed=2) != a


# --- clip ids ---------------------------------------------------------------------------------


def test_clip_id_rules():
    assert clip_id(7, 0) == "0007_0" and clip_id("298", 12) == "0298_12"
    assert clip_id(12345, 1) == "12345_1"
    for bad in ("abc", "v12", -1, True, "../x"):
        with pytest.raises(ValueError):
            clip_id(bad, 0)
    rows = [
        {"video_id": 3, "start_frame": 50, "end_frame": 60, "category_code": 2},
        {"video_id": 3, "start_frame": 10, "end_frame": 90, "category_code": 5},
        {"video_id": 3, "start_frame": 10, "end_frame": 20, "category_code": 10},
        {"video_id": 3, "start_frame": 10, "end_frame": 20, "category_code": 9},
        {"video_id": 1, "start_frame": 99, "end_frame": 99, "category_code": 1},
    ]
    # start, then end, then category code compared as a number (9 < 10)
    assert assign_clip_ids(rows) == ["0003_3", "0003_2", "0003_1", "0003_0", "0001_0"]


# --- writer / validator -----------------------------------------------------------------------


SKELETON = {"imigue22": {"joints": ["Nose", "Neck"], "edges": [[1, 0]]}}


def _spec(clip_rows, labels_only: bool, **kw) -> ReleaseSpec:
    subjects = [
        {"subject_id": "1", "gender": "F", "nationality": "FR", "name": "secret"},
        {"subject_id": "2", "gender": "M", "nationality": "US"},
    ]
    videos = [
        {
            "video_id": 1,
            "subject_id": "1",
            "fps": 25.0,
            "num_frames": 500,
            "width": 64,
            "height": 48,
            "emotion": "positive",
            "original_name": "Jane Doe.mp4",
        },
        {
            "video_id": 2,
            "subject_id": "2",
            "fps": 25.0,
            "num_frames": 500,
            "width": 64,
            "height": 48,
            "emotion": "negative",
        },
    ]
    cs = cross_subject_from_lists(clip_rows, ["1"], ["2"])
    emo = emotion_from_lists(videos, [], [1, 2])
    return ReleaseSpec(
        name="demo",
        version="1.0",
        taxonomy=IMIGUE.to_json(),
        subjects=subjects,
        videos=videos,
        clips=clip_rows,
        cross_subject=cs,
        emotion=emo,
        theta=0.5,
        reliability={
            "labelers": ["a", "b"],
            "r_matrix": [[None, 0.75], [0.75, None]],
            "r_avg": 0.75,
        },
        processing={"detector": "yunet", "blur": "gaussian", "pose_checkpoint": "wb133"},
        privacy={"clips_verified": len(clip_rows), "audio_streams": 0},
        software={"mgstudio": "0.1.0"},
        config={"seed": 0},
        licence="CC BY-NC 4.0",
        labels_only=labels_only,
        skeleton=SKELETON,
        **kw,
    )


def _clip_rows() -> list[dict]:
    raw = [(1, 0, 9, 1), (1, 20, 29, 99), (1, 5, 14, 3), (2, 0, 11, 7), (2, 30, 39, 1)]
    rows = [
        {
            "video_id": v,
            "subject_id": str(v),
            "category_code": c,
            "label": IMIGUE.by_code(c).label_index,
            "start_frame": s,
            "end_frame": e,
            "origin": "matched",
        }
        for v, s, e, c in raw
    ]
    for row, cid in zip(rows, assign_clip_ids(rows), strict=True):
        row["clip_id"] = cid
    return rows


def _tree_bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def _poses(tmp: Path, rows) -> dict[str, Path]:
    out = {}
    (tmp / "src").mkdir(exist_ok=True)
    for r in rows:
        n = r["end_frame"] - r["start_frame"] + 1
        kp = np.full((n, 133, 3), r["start_frame"], dtype=np.float32)
        kp[..., 2] = 0.9
        path = tmp / "src" / f"pose_{r['clip_id']}.npz"
        np.savez(path, keypoints=kp, layout="coco_wholebody133")
        out[r["clip_id"]] = path
    return out


@pytest.fixture
def media(tmp_path) -> tuple[list[dict], dict[str, Path], dict[str, Path]]:
    rows = _clip_rows()
    (tmp_path / "src").mkdir()
    clips = {
        r["clip_id"]: make_numbered_video(
            tmp_path / "src" / f"in_{r['clip_id']}.mp4",
            r["end_frame"] - r["start_frame"] + 1,
            size=(64, 48),
        )
        for r in rows
    }
    return rows, clips, _poses(tmp_path, rows)


def test_labels_only_release_is_deterministic_and_valid(tmp_path):
    rows = _clip_rows()
    spec = _spec(rows, labels_only=True)
    a = write_release(spec, tmp_path / "a", mtime=0)
    b = write_release(spec, tmp_path / "b", mtime=0)
    assert a.tar_sha256 == b.tar_sha256
    assert _tree_bytes(a.folder) == _tree_bytes(b.folder)
    assert validate_release(a.folder) == []
    assert validate_release(a.tar) == []
    assert a.manifest["labels_only"] is True and a.manifest["theta"] == 0.5
    assert not (a.folder / "clips").exists()
    sha_line = (tmp_path / "a" / "demo-1.0.tar.sha256").read_text()
    assert sha_line == f"{a.tar_sha256}  demo-1.0.tar\n"
    assert hashlib.sha256(a.tar.read_bytes()).hexdigest() == a.tar_sha256
    # Names never reach the tables: extra input keys are dropped.
    videos_csv = (a.folder / "videos.csv").read_text()
    assert videos_csv.splitlines()[0] == "video_id,subject_id,fps,num_frames,width,height,emotion"
    assert "Jane" not in videos_csv and "secret" not in (a.folder / "subjects.csv").read_text()
    # Another SOURCE_DATE_EPOCH changes the tar, not the files.
    c = write_release(spec, tmp_path / "c", mtime=1_700_000_000)
    assert c.tar_sha256 != a.tar_sha256
    assert _tree_bytes(c.folder) == _tree_bytes(a.folder)


def test_release_with_clips_deterministic_resumable_and_tamper_checks(tmp_path, media):
    rows, clips, poses = media
    spec = _spec(rows, labels_only=False)
    a = write_release(spec, tmp_path / "a", clip_files=clips, pose_files=poses)
    b = write_release(spec, tmp_path / "b", clip_files=clips, pose_files=poses)
    assert a.tar_sha256 == b.tar_sha256
    assert _tree_bytes(a.folder) == _tree_bytes(b.folder)
    assert sorted(p.name for p in (a.folder / "clips").iterdir()) == [
        f"{r['clip_id']}.mp4" for r in sorted(rows, key=lambda r: r["clip_id"])
    ]
    assert validate_release(a.folder) == []

    # Resume: an interrupted run left a partial folder with one good and one broken copy.
    work = tmp_path / "r" / ".demo-1.0.partial" / "demo-1.0"
    (work / "clips").mkdir(parents=True)
    shutil.copy(clips["0001_0"], work / "clips" / "0001_0.mp4")
    (work / "clips" / "0001_1.mp4").write_bytes(b"half")
    (work / "clips" / "stale.mp4").write_bytes(b"old")
    r = write_release(spec, tmp_path / "r", clip_files=clips, pose_files=poses)
    assert r.reused == 1 and r.copied == len(clips) + len(poses) - 1
    assert r.tar_sha256 == a.tar_sha256 and not work.exists()

    folder = b.folder
    (folder / "clips" / "0002_0.mp4").write_bytes(b"tampered")
    (folder / "poses" / "0001_2.npz").unlink()
    (folder / "notes.txt").write_text("extra")
    problems = validate_release(folder, check_audio=False)
    files = {p.file for p in problems}
    assert {"clips/0002_0.mp4", "poses/0001_2.npz", "notes.txt"} <= files
    assert any("sha256" in p.message for p in problems if p.file == "clips/0002_0.mp4")
    assert any("missing" in p.message for p in problems if p.file == "poses/0001_2.npz")


def test_validator_finds_audio_names_schema_and_split_problems(tmp_path, media):
    rows, clips, poses = media
    clips = dict(clips)
    clips["0001_1"] = make_numbered_video(
        tmp_path / "src" / "loud.mp4", 10, size=(64, 48), audio=True
    )
    a = write_release(_spec(rows, labels_only=False), tmp_path / "a", clip_files=clips)
    problems = validate_release(a.folder)
    assert [p.file for p in problems] == ["clips/0001_1.mp4"]
    assert "audio" in problems[0].message

    # Hand-edited tables (manifest made stale on purpose: the checks below must name them).
    folder = a.folder
    lines = (folder / "videos.csv").read_text().splitlines()
    lines = [lines[0] + ",original_name"] + [line + ",Jane Doe.mp4" for line in lines[1:]]
    (folder / "videos.csv").write_text("\n".join(lines) + "\n")
    clips_csv = (folder / "clips.csv").read_text().splitlines()
    clips_csv[1] = clips_csv[1].replace(",0,9,10,", ",9,0,10,")
    (folder / "clips.csv").write_text("\n".join(clips_csv) + "\n")
    (folder / "splits" / "cross_subject.json").write_text(
        '{"train": {"subject_ids": ["1", "2"]}, "test": {"subject_ids": ["2"]}}'
    )
    (folder / "splits" / "emotion.json").write_text(
        '{"train": {"video_ids": [1]}, "test": {"video_ids": [1, 2]}}'
    )
    (folder / "clips" / "Jane Doe.mp4").write_bytes(b"x")
    problems = validate_release(folder, check_audio=False)
    msgs = {(p.file, p.message.split(":")[0]) for p in problems}
    by_file = Counter(p.file for p in problems)
    assert any(f == "videos.csv" and "forbidden column" in m for f, m in msgs)
    assert any(p.file == "clips.csv" and "frames 9..0" in p.message for p in problems)
    assert any(p.file == "splits/cross_subject.json" and "both" in p.message for p in problems)
    emo = [p.message for p in problems if p.file == "splits/emotion.json"]
    assert any("both" in m for m in emo) and any("not balanced" in m for m in emo)
    assert any("file name" in p.message for p in problems if p.file == "clips/Jane Doe.mp4")
    assert by_file["videos.csv"] >= 2  # the forbidden column and the stale sha256


def test_datasheet_mentions_counts_and_reliability(tmp_path):
    rows = _clip_rows()
    spec = _spec(rows, labels_only=True)
    text = render_datasheet(spec)
    assert "- videos: 2" in text and "- subjects: 2" in text and "- clips: 5" in text
    assert "R_avg: 0.750" in text and "θ (tIoU threshold): 0.500" in text
    assert "Labels-only release" in text and "CC BY-NC 4.0" in text
    assert "| 31 | 99 | Illustrative BLs | Illustrative | 1 | 1 | 0 |" in text
    assert "train 1 subjects / 3 clips, test 1 subjects / 2 clips" in text
    assert "| detector | yunet |" in text
    out = write_release(spec, tmp_path)
    png = (out.folder / "stats" / "class_distribution.png").read_bytes()
    assert png.startswith(b"\x89PNG") and b"tEXt" not in png and b"Software" not in png
    dist = list(csv.DictReader((out.folder / "stats/class_distribution.csv").open()))
    assert len(dist) == 32 and sum(int(r["clips"]) for r in dist) == 5


def test_baselines_reader_reads_a_written_release(tmp_path, media):
    pytest.importorskip("torch")
    from baselines.data import Release

    rows, _, poses = media
    out = write_release(_spec(rows, labels_only=True), tmp_path, pose_files=poses)
    rel = Release(out.folder)
    assert rel.num_classes == 32
    assert len(rel.clips) == 5 and {c.clip_id for c in rel.clips} == {r["clip_id"] for r in rows}
    by_id = {r["clip_id"]: r for r in rows}
    for c in rel.clips:
        assert (c.label, c.start_frame, c.end_frame) == (
            by_id[c.clip_id]["label"],
            by_id[c.clip_id]["start_frame"],
            by_id[c.clip_id]["end_frame"],
        )
        assert c.num_frames == c.end_frame - c.start_frame + 1
    assert [c.clip_id for c in rel.split_clips("train")] == ["0001_0", "0001_1", "0001_2"]
    assert [c.clip_id for c in rel.split_clips("test")] == ["0002_0", "0002_1"]
    assert [v.video_id for v in rel.split_videos("test")] == [1, 2]
    pose = rel.load_pose("0001_2")
    assert pose.shape == (10, 22, 3)


def test_sources_on_another_filesystem_are_copied(tmp_path, media):
    """Clip and pose files are hard links where they can be; from another filesystem (here
    /dev/shm, a tmpfs) they are copied, whole, under a temporary name first."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("no second filesystem to copy from")
    rows, clips, poses = media
    away = Path(tempfile.mkdtemp(dir=shm))
    try:
        moved = {cid: Path(shutil.copy(p, away / p.name)) for cid, p in clips.items()}
        spec = _spec(rows, labels_only=False)
        same_fs = write_release(spec, tmp_path / "linked", clip_files=clips, pose_files=poses)
        copied = write_release(spec, tmp_path / "copied", clip_files=moved, pose_files=poses)
        assert copied.tar_sha256 == same_fs.tar_sha256
        for p in (copied.folder / "clips").iterdir():
            assert os.stat(p).st_nlink == 1  # a copy, not a link to the tmpfs file
        for p in (same_fs.folder / "clips").iterdir():
            assert os.stat(p).st_nlink == 2  # a link: the source and the release
        assert not list(copied.folder.rglob("*.tmp")) and validate_release(copied.folder) == []
    finally:
        shutil.rmtree(away)


def test_a_missing_source_fails_the_export_and_leaves_no_archive(tmp_path, media):
    rows, clips, poses = media
    clips["0001_1"].unlink()
    with pytest.raises(OSError, match="in_0001_1.mp4"):
        write_release(
            _spec(rows, labels_only=False), tmp_path / "out", clip_files=clips, pose_files=poses
        )
    assert not list((tmp_path / "out").glob("*.tar*"))
    assert not (tmp_path / "out" / "demo-1.0").exists()
