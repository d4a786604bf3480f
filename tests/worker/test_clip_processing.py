"""Agreed clips through the real chain — cut → blur + verify → poses — on a real worker, with the
defaults: no pose setting in the environment, so poses come from MediaPipe Holistic offline."""

from __future__ import annotations

import hashlib
import os
import shutil
import time

import numpy as np
import pytest
from rest_framework.test import APIClient

from annotator.models import Clip
from jobs.models import Job
from pipeline import media
from pipeline.process import audio_stream_count
from tests.support import media_factory as mf
from tests.support.factories import AdminFactory, VideoFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def no_pose_settings(monkeypatch):
    """The defaults under test: whatever the shell running the tests has set is dropped."""
    for name in [n for n in os.environ if n.startswith("POSE_")]:
        monkeypatch.delenv(name)


def _clips(media_root, tmp_path, bounds):
    source = mf.make_numbered_video(tmp_path / "src.mp4", 60, audio=True, start_time=0.5)
    (media_root / "sources").mkdir()
    shutil.copy(source, media_root / "sources" / "src.mp4")
    video = VideoFactory(source_file="sources/src.mp4", num_frames=60)
    category = video.project.categories.get(code=4)
    return [
        Clip.objects.create(
            project=video.project,
            video=video,
            start_frame=s,
            end_frame=e,
            category=category,
            origin="matched",
        )
        for s, e in bounds
    ]


def _wait_settled(clips, timeout=240):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = {c.pk: Clip.objects.get(pk=c.pk).status for c in clips}
        if not {"agreed", "processing"} & set(states.values()):
            return [Clip.objects.get(pk=c.pk) for c in clips]
        time.sleep(0.5)
    raise AssertionError(f"clips still processing: {states}")


def _admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def _kinds_run(clip: Clip) -> list[tuple[str, str]]:
    jobs = Job.objects.filter(params__clip=clip.pk).order_by("created_at", "pk")
    return [(job.kind, job.state) for job in jobs]


def test_agreed_clips_are_cut_blurred_verified_and_posed(media_root, tmp_path, celery_worker):
    clips = _clips(media_root, tmp_path, [(0, 9), (25, 59)])
    celery_worker()
    client = _admin()
    started = client.post(f"/api/projects/{clips[0].project_id}/process/")
    assert started.status_code == 202 and started.json()["clips"] == 2
    done = _wait_settled(clips)
    for clip in done:
        assert clip.status == "processed", clip.error
        path = media_root / clip.clip_file
        info = media.probe_video(path)
        assert info.num_frames == clip.end_frame - clip.start_frame + 1
        assert audio_stream_count(path) == 0
        # Frame-exact: the clip's first and last frames are the source's start and end frames.
        assert mf.decode_frame_number(media.read_frame(path, 0)) == clip.start_frame
        last = mf.decode_frame_number(media.read_frame(path, info.num_frames - 1))
        assert last == clip.end_frame
        assert clip.privacy["passed"] is True and clip.privacy["audio_streams"] == 0
        with np.load(media_root / clip.pose_file) as poses:
            assert poses["keypoints"].shape == (info.num_frames, 543, 3)
            assert str(poses["layout"]) == "mediapipe543"
        assert clip.pose_layout == "mediapipe543"
        assert clip.pose_settings["backend"] == "mediapipe"
        assert clip.pose_settings["model_complexity"] == 1
        assert {"model", "layout", "version"} <= set(clip.pose_settings)
        # Recorded as written, so a release's manifest need not read the files again.
        assert clip.clip_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (
            clip.pose_sha256
            == hashlib.sha256((media_root / clip.pose_file).read_bytes()).hexdigest()
        )
        row = client.get(f"/api/clips/{clip.pk}/").json()
        assert row["stage"]["stage"] == "poses" and row["stage"]["state"] == "succeeded"
        assert row["stage"]["frames_done"] == row["stage"]["frames_total"] == info.num_frames
        overlay = client.get(f"/api/clips/{clip.pk}/poses/").json()
        assert overlay["frames"] == info.num_frames and len(overlay["keypoints"][0]) == 22
        assert [k for k, _ in _kinds_run(clip)] == ["clip_cut", "clip_privacy", "clip_poses"]
    assert not (media_root / "work" / "clips").exists() or not any(
        (media_root / "work" / "clips").rglob("*.mp4")
    ), "no unblurred cut is left behind"
    summary = client.get(f"/api/projects/{clips[0].project_id}/processing/").json()
    assert summary["by_status"]["processed"] == 2 and summary["progress"] == 1.0
    assert summary["pose_backend"] == "mediapipe" and summary["errors"] == []


def test_a_retry_after_a_poses_failure_runs_only_the_poses(media_root, tmp_path, celery_worker):
    """A worker whose pose backend cannot load (the web process's can, so the request starts)
    fails both clips at poses with one error; once a working worker runs, "Process" again
    sends the clips to the pose stage only: no second cut, no second blur."""
    clips = _clips(media_root, tmp_path, [(5, 14), (30, 41)])
    broken = celery_worker("broken", POSE_BACKEND="openpifpaf", POSE_CHECKPOINT="")
    client = _admin()
    assert client.post(f"/api/projects/{clips[0].project_id}/process/").status_code == 202
    failed = _wait_settled(clips)
    for clip in failed:
        assert clip.status == "failed"
        assert clip.error.startswith("clip_poses: No pose checkpoint is configured")
        assert clip.clip_file and (media_root / clip.clip_file).exists()  # blur and verify ran
    summary = client.get(f"/api/projects/{clips[0].project_id}/processing/").json()
    (error,) = summary["errors"]  # one message for the two clips
    assert error["stage"] == "poses" and error["message"].startswith("No pose checkpoint")
    assert sorted(error["clips"]) == sorted(c.pk for c in clips)
    rows = {
        c["id"]: c
        for c in client.get("/api/clips/", {"project": clips[0].project_id}).json()["results"]
    }
    assert {rows[c.pk]["stage"]["stage"] for c in clips} == {"poses"}
    blurred = {c.pk: (media_root / c.clip_file).stat().st_mtime_ns for c in failed}
    broken.stop()

    celery_worker("fixed")
    retry = client.post(f"/api/clips/{clips[0].pk}/process/")
    assert retry.status_code == 202
    assert Job.objects.get(pk=retry.json()["job"]).kind == "clip_poses"
    assert client.post(f"/api/projects/{clips[0].project_id}/process/").json()["clips"] == 1
    for clip in _wait_settled(clips):
        assert clip.status == "processed", clip.error
        assert clip.pose_layout == "mediapipe543" and clip.error == ""
        assert (media_root / clip.clip_file).stat().st_mtime_ns == blurred[clip.pk]
        assert _kinds_run(clip) == [
            ("clip_cut", "succeeded"),
            ("clip_privacy", "succeeded"),
            ("clip_poses", "failed"),
            ("clip_poses", "succeeded"),
        ]


def test_a_project_without_poses_ends_its_clips_after_verification(
    media_root, tmp_path, celery_worker
):
    (clip,) = _clips(media_root, tmp_path, [(10, 19)])
    client = _admin()
    project = f"/api/projects/{clip.project_id}/"
    assert (
        client.patch(project, {"extract_poses": False}, format="json").json()["extract_poses"]
        is False
    )
    celery_worker("noposes", POSE_BACKEND="openpifpaf")  # never asked for
    assert client.post(f"{project}process/").status_code == 202
    (done,) = _wait_settled([clip])
    assert done.status == "processed", done.error
    assert done.clip_file and done.privacy["passed"] is True
    assert done.pose_file == "" and done.pose_settings == {} and done.pose_layout == ""
    assert [k for k, _ in _kinds_run(done)] == ["clip_cut", "clip_privacy"]
    summary = client.get(f"{project}processing/").json()
    assert summary["extract_poses"] is False and summary["pose_backend"] is None
    assert client.get(f"/api/clips/{clip.pk}/poses/").json()["code"] == "no_poses"
