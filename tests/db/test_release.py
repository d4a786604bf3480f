"""The release glue: eligibility, the spec from the models, the job, the commands, the
API, and a labels-only release of real iMiGUE labels and skeletons read by baselines' loader."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.test import APIClient

from annotator.models import Clip, Release, Subject
from annotator.release import validate_release
from annotator.services import release as release_service
from annotator.services.release import ReleaseError, SplitOptions
from jobs import runner
from jobs.models import Job
from tests.support.factories import AdminFactory, ProjectFactory, VideoFactory
from tests.support.media_factory import make_numbered_video
from tests.support.paths import IMIGUE_REFERENCE

IMIGUE = IMIGUE_REFERENCE
LABELS = IMIGUE / "labels_20200831.csv"
PROTOCOL = IMIGUE / "evaluation-protocol.txt"
NPZ = IMIGUE / "video298_openpose137.npz"

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


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture(scope="module")
def tiny_mp4(tmp_path_factory) -> Path:
    return make_numbered_video(tmp_path_factory.mktemp("mp4") / "c.mp4", 6, size=(64, 48))


@pytest.fixture
def project(media_root, tiny_mp4):
    """Two subjects, two videos (win, lose), three processed and verified clips each."""
    project = ProjectFactory(name="studio")
    cats = {c.code: c for c in project.categories.all()}
    for n, (result, codes) in enumerate((("win", (1, 5, 99)), ("lose", (5, 2, 7))), start=1):
        subject = Subject.objects.create(
            project=project, subject_id=f"{n}", gender="F", nationality="FR"
        )
        video = VideoFactory(
            project=project,
            external_id=str(n),
            match_result=result,
            subject=subject,
            original_name=f"Secret Name {n}.mp4",
        )
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
            clip_rel = f"clips/{project.pk}/{clip.pk}.mp4"
            pose_rel = f"poses/{project.pk}/{clip.pk}.npz"
            (media_root / clip_rel).parent.mkdir(parents=True, exist_ok=True)
            (media_root / pose_rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(tiny_mp4, media_root / clip_rel)
            kp = np.full((6, 133, 3), clip.pk, dtype=np.float32)
            np.savez(media_root / pose_rel, keypoints=kp, layout="coco_wholebody133")
            Clip.objects.filter(pk=clip.pk).update(
                clip_file=clip_rel, pose_file=pose_rel, pose_layout="coco_wholebody133"
            )
    return project


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_export_twice_is_byte_identical_and_valid(project, tmp_path):
    splits = SplitOptions(seed=3, test_fraction=0.5)
    a = release_service.export(project, tmp_path / "a", "studio", "1.0", splits=splits)
    b = release_service.export(project, tmp_path / "b", "studio", "1.0", splits=splits)
    assert a.problems == [] and b.problems == []
    assert a.written.tar_sha256 == b.written.tar_sha256
    assert a.written.tar.read_bytes() == b.written.tar.read_bytes()
    assert _tree(a.written.folder) == _tree(b.written.folder)
    # Resume: a run interrupted after copying (its partial folder left behind) reuses every
    # copied clip and pose file, and ends with the same bytes.
    (tmp_path / "a" / ".studio-1.0.partial").mkdir()
    a.written.folder.rename(tmp_path / "a" / ".studio-1.0.partial" / "studio-1.0")
    a.written.tar.unlink()
    c = release_service.export(project, tmp_path / "a", "studio", "1.0", splits=splits)
    assert c.written.reused == 12 and c.written.copied == 0
    assert c.written.tar_sha256 == a.written.tar_sha256
    folder = a.written.folder
    rows = list(csv.DictReader((folder / "clips.csv").open()))
    assert [r["clip_id"] for r in rows] == [
        "0001_0",
        "0001_1",
        "0001_2",
        "0002_0",
        "0002_1",
        "0002_2",
    ]
    assert [r["category_code"] for r in rows] == ["1", "5", "99", "5", "2", "7"]
    assert rows[2]["label"] == "31" and {r["origin"] for r in rows} == {"matched"}
    videos = list(csv.DictReader((folder / "videos.csv").open()))
    assert [(v["video_id"], v["emotion"]) for v in videos] == [("1", "positive"), ("2", "negative")]
    assert sorted(p.name for p in (folder / "clips").iterdir())[0] == "0001_0.mp4"
    text = b"".join(_tree(folder).values())
    assert b"Secret Name" not in text  # original names never reach a release
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["config"]["splits"]["seed"] == 3 and manifest["labels_only"] is False
    cross = json.loads((folder / "splits/cross_subject.json").read_text())
    assert {len(cross["train"]["subject_ids"]), len(cross["test"]["subject_ids"])} == {1}
    readme = (folder / "README.md").read_text()
    assert "clips: 6" in readme and "centerface" in readme


def test_recorded_digests_are_used_and_a_stale_one_is_caught(project, tmp_path, media_root):
    """The manifest takes each file's sha256 as the pipeline recorded it (the files are not
    read again); a recorded digest that no longer matches its file fails the validation."""
    clips = list(Clip.objects.filter(project=project).order_by("pk"))
    for clip in clips:
        Clip.objects.filter(pk=clip.pk).update(
            clip_sha256=hashlib.sha256((media_root / clip.clip_file).read_bytes()).hexdigest(),
            pose_sha256=hashlib.sha256((media_root / clip.pose_file).read_bytes()).hexdigest(),
        )
    good = release_service.export(project, tmp_path / "good", "studio", "1.0")
    assert good.problems == []
    stale = clips[2]
    Clip.objects.filter(pk=stale.pk).update(pose_sha256="0" * 64)
    bad = release_service.export(project, tmp_path / "bad", "studio", "1.0")
    listed = {f["path"]: f["sha256"] for f in bad.written.manifest["files"]}
    assert "0" * 64 in listed.values()  # taken as recorded, not recomputed
    wrong = [p for p in bad.problems if "sha256" in p]
    assert len(wrong) == 1 and wrong[0].startswith("poses/"), bad.problems


def test_the_mtime_is_the_project_state_not_now(project, tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    out = release_service.export(project, tmp_path, "studio", "1.0")
    import tarfile

    with tarfile.open(out.written.tar) as tar:
        assert {m.mtime for m in tar.getmembers()} == {1600000000}
        assert {(m.uid, m.gid, m.uname) for m in tar.getmembers()} == {(0, 0, "")}


def test_a_failed_verification_refuses_listing_the_clip(project, tmp_path):
    bad = Clip.objects.filter(project=project).order_by("pk")[4]
    Clip.objects.filter(pk=bad.pk).update(
        status="failed",
        privacy={
            **VERIFIED,
            "passed": False,
            "redetections": 2,
            "problems": ["2 face(s) found after blurring"],
        },
    )
    unprocessed = Clip.objects.filter(project=project).order_by("pk")[0]
    Clip.objects.filter(pk=unprocessed.pk).update(status="agreed")
    with pytest.raises(ReleaseError) as caught:
        release_service.eligible_clips(project)
    assert {c.pk for c in caught.value.clips} == {bad.pk, unprocessed.pk}
    message = str(caught.value)
    assert f"clip {bad.pk} " in message and "failed privacy verification" in message
    assert "2 face(s) found after blurring" in message and f"clip {unprocessed.pk} " in message
    with pytest.raises(CommandError, match=rf"clip {bad.pk} .*failed privacy"):
        run("export_release", project="studio", out=str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()
    client = APIClient()
    client.force_authenticate(AdminFactory())
    r = client.post(f"/api/projects/{project.pk}/releases/", {"name": "x"}, format="json")
    assert r.status_code == 400 and bad.pk in r.json()["clips"]
    # One group per reason, each naming its clips with their video and frames (the page links
    # them instead of repeating the sentence per clip).
    groups = {g["reason"]: g["clips"] for g in r.json()["groups"]}
    assert groups["not processed (status agreed)"] == [
        {
            "id": unprocessed.pk,
            "video": unprocessed.video.external_id,
            "start_frame": unprocessed.start_frame,
            "end_frame": unprocessed.end_frame,
            "category": unprocessed.category.code,
        }
    ]
    failed = "failed privacy verification: 2 face(s) found after blurring"
    assert [c["id"] for c in groups[failed]] == [bad.pk]


def test_export_command_and_validate_command_name_a_tampered_file(project, tmp_path):
    out = run("export_release", project="studio", out=str(tmp_path), name="mg", version="2", seed=1)
    folder, tar = tmp_path / "mg-2", tmp_path / "mg-2.tar"
    digest = hashlib.sha256(tar.read_bytes()).hexdigest()
    assert f"folder: {folder}" in out and f"tar: {tar}" in out and f"sha256: {digest}" in out
    assert (tmp_path / "mg-2.tar.sha256").read_text() == f"{digest}  mg-2.tar\n"
    assert "OK" in run("validate_release", str(folder))
    assert "OK" in run("validate_release", str(tar))
    rerun = run(
        "export_release", project="studio", out=str(tmp_path), name="mg", version="2", seed=1
    )
    assert f"sha256: {digest}" in rerun
    release = Release.objects.get(name="mg", version="2")
    assert release.sha256 == digest and release.status == "done" and release.clip_count == 6
    victim = folder / "poses" / "0002_1.npz"
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte, same size
    victim.write_bytes(bytes(data))
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("validate_release", str(folder), stdout=out)
    assert caught.value.returncode == 1
    assert "poses/0002_1.npz: sha256 does not match manifest.json" in out.getvalue()


def test_protocol_splits_and_reliability_in_the_spec(project):
    from annotator.models import AgreementRun

    AgreementRun.objects.create(
        project=project,
        theta=0.4,
        rule_version="t",
        r_avg=0.6,
        per_pair=[{"labeler_i": "L1", "labeler_j": "L2", "r": 0.6}],
    )
    text = "Training set: {1}\nTesting set: {2}\nTraining set: {1}\nTesting set: {2}\n"
    spec, clips, poses = release_service.build_spec(
        project, "p", "1", splits=SplitOptions(protocol_text=text)
    )
    cs = spec.cross_subject.to_json()
    assert cs["config"]["source"] == "protocol" and cs["train"]["subject_ids"] == [1]
    assert cs["test"]["clip_ids"] == ["0002_0", "0002_1", "0002_2"]
    assert spec.emotion.to_json()["test"]["video_ids"] == [2]
    assert spec.theta == 0.4 and spec.reliability["r_matrix"] == [[None, 0.6], [0.6, None]]
    assert len(clips) == len(poses) == 6
    with pytest.raises(ReleaseError, match="protocol"):
        release_service.build_spec(project, "p", "1", splits=SplitOptions(protocol_text="x"))
    with pytest.raises(ReleaseError, match="name and version"):
        release_service.build_spec(project, "../evil", "1")


def test_api_creates_a_release_as_a_job_and_serves_the_tar(project, media_root):
    client = APIClient()
    client.force_authenticate(AdminFactory())
    url = f"/api/projects/{project.pk}/releases/"
    r = client.post(url, {"name": "studio", "version": "1.0", "seed": 2}, format="json")
    assert r.status_code == 202, r.content
    body = r.json()
    job = Job.objects.get(pk=body["job"])
    assert job.kind == "release" and body["release"]["status"] == "pending"
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    job.refresh_from_db()
    assert job.progress == 1.0
    release = Release.objects.get(pk=body["release"]["id"])
    assert release.status == "done" and release.validation == [] and release.clip_count == 6
    assert release.tar_file == f"releases/{project.pk}/studio-1.0.tar"
    tar = media_root / release.tar_file
    assert hashlib.sha256(tar.read_bytes()).hexdigest() == release.sha256
    listing = client.get(url).json()
    assert [x["sha256"] for x in listing] == [release.sha256] and listing[0]["valid"] is True
    assert client.get(f"/api/releases/{release.pk}/").json()["clips"] == 6
    # The same version again is refused; the download serves the tar, with ranges.
    again = client.post(url, {"name": "studio", "version": "1.0"}, format="json")
    assert again.status_code == 400 and "already exists" in again.json()["detail"]
    got = client.get(f"/api/releases/{release.pk}/download/")
    assert got.status_code == 200 and b"".join(got.streaming_content) == tar.read_bytes()
    part = client.get(f"/api/releases/{release.pk}/download/", HTTP_RANGE="bytes=100-199")
    assert part.status_code == 206
    assert b"".join(part.streaming_content) == tar.read_bytes()[100:200]
    # A labeler sees nothing of it.
    from tests.support.factories import LabelerFactory

    client.force_authenticate(LabelerFactory().user)
    assert client.get(f"/api/releases/{release.pk}/download/").status_code == 403


# --- labels-only, from the real iMiGUE table and the real skeletons of video 298 ---------------


@pytest.mark.skipif(
    not (LABELS.is_file() and PROTOCOL.is_file() and NPZ.is_file()),
    reason=f"the real iMiGUE reference files are not in {IMIGUE}",
)
def test_labels_only_release_of_real_imigue_read_by_the_baselines_loader(media_root, tmp_path):
    from baselines.data import Release as Loaded

    run("create_project", "imigue")
    run("import_clips", str(LABELS), project="imigue", videos=["298", "314", "232"])
    run("import_poses", str(NPZ), project="imigue", video_id="298")
    # The protocol's subject lists (the whole dataset's: the split keeps the subjects present);
    # its emotion lists cannot be balanced on 3 videos, so that split is generated.
    from annotator.release import parse_protocol

    lists = parse_protocol(PROTOCOL.read_text())
    out = run(
        "export_release",
        project="imigue",
        out=str(tmp_path),
        name="imigue",
        version="real",
        train_subjects=",".join(map(str, lists.train_subjects)),
        test_subjects=",".join(map(str, lists.test_subjects)),
    )
    assert "(labels only)" in out
    folder = tmp_path / "imigue-real"
    assert validate_release(folder) == []
    assert not (folder / "clips").exists()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["labels_only"] is True and manifest["counts"]["pose_files"] == 56
    assert "Labels-only release" in (folder / "README.md").read_text()

    with LABELS.open(newline="") as f:
        table = [r for r in csv.DictReader(f) if r["video_id"] in ("298", "314", "232")]
    loaded = Loaded(folder)
    assert len(loaded.clips) == len(table) == 56 + 3 + 4
    for row in table:  # ids keep label_id − 1; labels are class − 1 (99 = C32 → 31)
        clip = loaded.by_id[f"{int(row['video_id']):04d}_{int(row['label_id']) - 1}"]
        label = 31 if row["class"] == "99" else int(row["class"]) - 1
        assert (clip.label, clip.category_code, clip.subject_id) == (
            label,
            row["class"],
            row["subject_id"],
        )
        assert (clip.start_frame, clip.end_frame) == (
            int(row["start_frame"]),
            int(row["end_frame"]),
        )
    # Poses: video 298's clips only, mapped from OpenPose-137 to the 22 joints.
    with np.load(NPZ) as data:
        raw = data["keypoints"]
    for clip in [c for c in loaded.clips if c.video_id == 298][:5]:
        pose = loaded.load_pose(clip.clip_id)
        assert pose.shape == (clip.num_frames, 22, 3)
        assert pose[..., 2].max() > 0  # real detections, not an empty array
        assert np.isfinite(pose).all()
    assert raw.shape[0] >= max(c.end_frame for c in loaded.clips if c.video_id == 298) + 1
    # The protocol's splits: subject-disjoint; every clip's subject is on its side.
    split = json.loads((folder / "splits/cross_subject.json").read_text())
    assert split["config"]["method"] == "given"
    assert len(split["config"]["given_train_subject_ids"]) == 37
    train = {c.clip_id for c in loaded.split_clips("train")}
    test = {c.clip_id for c in loaded.split_clips("test")}
    assert not train & test and train | test <= set(loaded.by_id)


def test_releases_page_is_for_staff(project, client):
    from tests.support.factories import LabelerFactory

    client.force_login(AdminFactory())
    page = client.get(f"/projects/{project.pk}/releases/")
    assert page.status_code == 200 and b"frontend/releases.js" in page.content
    assert (
        f"/projects/{project.pk}/releases/".encode()
        in client.get(f"/projects/{project.pk}/").content
    )
    client.force_login(LabelerFactory().user)
    assert client.get(f"/projects/{project.pk}/releases/").status_code in (302, 403, 404)
