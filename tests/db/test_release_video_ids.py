"""Release video ids for any project (docs/design.md §10): videos named in free text get
pseudonymous numbers at their first release, the same in every later version, kept in the
database and never written into a release."""

from __future__ import annotations

import csv
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest
from django.utils import timezone

from annotator.models import Clip, Subject, Video
from annotator.release import validate_release
from annotator.services import release as release_service
from annotator.services.release_ids import assign_release_numbers
from tests.support.factories import ProjectFactory, VideoFactory
from tests.support.media_factory import make_numbered_video

pytestmark = pytest.mark.django_db

VERIFIED = {
    "passed": True,
    "problems": [],
    "frames_processed": 6,
    "redetections": 0,
    "audio_streams": 0,
    "verifier": "haar",
    "verifier_threshold": 3.0,
    "blur_detector": "centerface",
    "blur_threshold": 0.2,
}
PRESS = ("press_2019_05_03", "press_2019_06_11")


@pytest.fixture(scope="module")
def tiny_mp4(tmp_path_factory) -> Path:
    return make_numbered_video(tmp_path_factory.mktemp("mp4") / "c.mp4", 6, size=(64, 48))


def add_video(project, external_id, subject_id, result, media_root, mp4, codes=(1, 5)) -> Video:
    """A video with processed, verified clips (clip and pose files in place)."""
    subject, _ = Subject.objects.get_or_create(project=project, subject_id=subject_id)
    video = VideoFactory(
        project=project,
        external_id=external_id,
        match_result=result,
        subject=subject,
        original_name=f"{external_id}.mov",
    )
    cats = {c.code: c for c in project.categories.all()}
    for k, code in enumerate(codes):
        clip = Clip.objects.create(
            project=project,
            video=video,
            start_frame=10 * k,
            end_frame=10 * k + 5,
            category=cats[code],
            origin="matched",
            status="processed",
            privacy=VERIFIED,
            processed_at=timezone.now(),
        )
        clip_rel, pose_rel = f"clips/{clip.pk}.mp4", f"poses/{clip.pk}.npz"
        for rel in (clip_rel, pose_rel):
            (media_root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mp4, media_root / clip_rel)
        np.savez(
            media_root / pose_rel,
            keypoints=np.full((6, 133, 3), 1, np.float32),
            layout="coco_wholebody133",
        )
        Clip.objects.filter(pk=clip.pk).update(
            clip_file=clip_rel, pose_file=pose_rel, pose_layout="coco_wholebody133"
        )
    return video


def _every_file_bytes(folder: Path, tar: Path) -> dict[str, bytes]:
    files = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    files[tar.name] = tar.read_bytes()
    files[tar.name + ".sha256"] = Path(str(tar) + ".sha256").read_bytes()
    with tarfile.open(tar) as archive:
        files |= {f"tar:{m.name}": m.name.encode() for m in archive.getmembers()}
    return files


def _video_ids(folder: Path) -> dict[str, str]:
    with (folder / "videos.csv").open(newline="") as f:
        return {r["subject_id"]: r["video_id"] for r in csv.DictReader(f)}


def test_free_text_ids_get_stable_numbers_that_never_reach_the_release(
    media_root, tmp_path, tiny_mp4
):
    project = ProjectFactory(name="press")
    first = add_video(project, PRESS[0], "1", "win", media_root, tiny_mp4)
    second = add_video(project, PRESS[1], "2", "lose", media_root, tiny_mp4)

    v1 = release_service.export(project, tmp_path, "press", "1")
    assert v1.problems == []
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.release_number, second.release_number) == (1, 2)  # the mapping, in the DB
    assert _video_ids(v1.written.folder) == {"1": "1", "2": "2"}
    with (v1.written.folder / "clips.csv").open(newline="") as f:
        assert sorted(r["clip_id"] for r in csv.DictReader(f)) == [
            "0001_0",
            "0001_1",
            "0002_0",
            "0002_1",
        ]

    # Version 2 adds a free-text video and a numbered one: old numbers hold, the numbered
    # video keeps its own number, the new free-text one gets the next above all of them.
    third = add_video(project, "press_2019_07_02", "3", "win", media_root, tiny_mp4)
    seventh = add_video(project, "7", "4", "lose", media_root, tiny_mp4)
    v2 = release_service.export(project, tmp_path, "press", "2")
    assert v2.problems == []
    numbers = dict(
        Video.objects.filter(project=project).values_list("external_id", "release_number")
    )
    assert numbers == {PRESS[0]: 1, PRESS[1]: 2, "press_2019_07_02": 8, "7": 7}
    assert _video_ids(v2.written.folder) == {"1": "1", "2": "2", "3": "8", "4": "7"}
    assert third.pk and seventh.pk

    # No file of either version (the tar and its checksum included) holds a project video id,
    # the free text or any part of it, or the uploaded file names.
    for written in (v1.written, v2.written):
        assert validate_release(written.folder) == []
        for name, data in _every_file_bytes(written.folder, written.tar).items():
            for needle in (*PRESS, "press_2019_07_02", "press_2019", ".mov"):
                assert needle.encode() not in data, f"{needle} in {name}"


def test_a_numbered_video_whose_number_is_taken_gets_a_fresh_one(media_root):
    project = ProjectFactory()
    named = VideoFactory(project=project, external_id="interview_a")
    assign_release_numbers(project, [named])
    assert named.release_number == 1
    clash = VideoFactory(project=project, external_id="1")
    zero_padded = VideoFactory(project=project, external_id="0040")
    forty = VideoFactory(project=project, external_id="40")
    numbers = assign_release_numbers(project, [clash, zero_padded, forty])
    assert numbers == {clash.pk: 41, zero_padded.pk: 40, forty.pk: 42}
    # Asking again changes nothing.
    assert assign_release_numbers(project, [named, clash, zero_padded, forty]) == numbers | {
        named.pk: 1
    }


def test_protocol_video_lists_name_the_projects_own_ids(media_root, tmp_path, tiny_mp4):
    project = ProjectFactory()
    win = add_video(project, PRESS[0], "1", "win", media_root, tiny_mp4)
    lose = add_video(project, PRESS[1], "2", "lose", media_root, tiny_mp4)
    splits = release_service.SplitOptions(train_videos=[PRESS[0]], test_videos=[PRESS[1]])
    spec, _, _ = release_service.build_spec(project, "p", "1", splits=splits)
    win.refresh_from_db()
    lose.refresh_from_db()
    emotion = spec.emotion.to_json()
    assert emotion["train"]["video_ids"] == [win.release_number]
    assert emotion["test"]["video_ids"] == [lose.release_number]
