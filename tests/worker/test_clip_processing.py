"""Agreed clips through the real chain — cut → blur + verify → poses — on a real worker."""

from __future__ import annotations

import hashlib
import shutil
import time

import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from annotator.models import Clip
from pipeline import media
from pipeline.poses import build_untrained_checkpoint
from pipeline.process import audio_stream_count
from tests.support import media_factory as mf
from tests.support.factories import AdminFactory, ProjectFactory, VideoFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return build_untrained_checkpoint(tmp_path_factory.mktemp("pose") / "untrained.pkl")


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


def test_agreed_clips_are_cut_blurred_verified_and_posed(
    media_root, tmp_path, checkpoint, celery_worker
):
    clips = _clips(media_root, tmp_path, [(0, 9), (25, 59)])
    celery_worker(POSE_CHECKPOINT=str(checkpoint), POSE_LONG_EDGE="161", POSE_BATCH_SIZE="4")
    client = APIClient()
    client.force_authenticate(AdminFactory())
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
        poses = np.load(media_root / clip.pose_file)
        assert poses["keypoints"].shape == (info.num_frames, 17, 3)
        assert clip.pose_layout == "coco17"
        # Recorded as written, so a release's manifest need not read the files again.
        assert clip.clip_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
        assert (
            clip.pose_sha256
            == hashlib.sha256((media_root / clip.pose_file).read_bytes()).hexdigest()
        )
    assert not (media_root / "work" / "clips").exists() or not any(
        (media_root / "work" / "clips").rglob("*.mp4")
    ), "no unblurred cut is left behind"
    summary = client.get(f"/api/projects/{clips[0].project_id}/processing/").json()
    assert summary["by_status"]["processed"] == 2 and summary["progress"] == 1.0


def test_without_a_pose_checkpoint_the_clip_fails_saying_how_to_configure_one(
    media_root, tmp_path, celery_worker
):
    (clip,) = _clips(media_root, tmp_path, [(5, 14)])
    celery_worker(POSE_CHECKPOINT="")
    ProjectFactory(name="other")
    call_command("process_clips", project=clip.project.name)
    (done,) = _wait_settled([clip])
    assert done.status == "failed"
    assert "clip_poses: No pose checkpoint is configured" in done.error
    assert "POSE_CHECKPOINT" in done.error
    assert done.clip_file and (media_root / done.clip_file).exists()  # blur and verify did run
    client = APIClient()
    client.force_authenticate(AdminFactory())
    summary = client.get(f"/api/projects/{clip.project_id}/processing/").json()
    assert summary["failed"][0]["clip"] == clip.pk
    retry = client.post(f"/api/clips/{clip.pk}/process/")
    assert retry.status_code == 202  # a failed clip can be sent again
