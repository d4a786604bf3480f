"""GET /api/clips/{id}/poses/: a clip's poses in the 22-joint layout for the pose overlay, and
each clip's processing stage in the clips list."""

from __future__ import annotations

import numpy as np
import pytest
from rest_framework.test import APIClient

from annotator.models import Clip
from baselines.skeleton import IMIGUE22_EDGES, IMIGUE22_JOINTS
from jobs.models import Job
from tests.support.factories import AdminFactory, UserFactory, VideoFactory

pytestmark = pytest.mark.django_db

SETTINGS = {"backend": "mediapipe", "model": "holistic", "layout": "mediapipe543", "version": "x"}


@pytest.fixture
def clip(media_root):
    video = VideoFactory(num_frames=100, width=1280, height=720)
    clip = Clip.objects.create(
        project=video.project,
        video=video,
        start_frame=10,
        end_frame=13,
        category=video.project.categories.get(code=4),
        origin="matched",
        status="processed",
    )
    keypoints = np.zeros((4, 543, 3), dtype=np.float32)
    keypoints[:, 0] = [[100.04 + t, 50.0, 0.98765] for t in range(4)]  # the nose
    keypoints[:, 11] = [400, 300, 0.9]  # left shoulder
    keypoints[:, 12] = [200, 300, 0.9]  # right shoulder
    keypoints[2, 54:75] = [300, 200, 1.0]  # frame 2: the right hand
    (media_root / "poses").mkdir()
    np.savez_compressed(media_root / "poses" / "c.npz", keypoints=keypoints, layout="mediapipe543")
    Clip.objects.filter(pk=clip.pk).update(
        pose_file="poses/c.npz", pose_layout="mediapipe543", pose_settings=SETTINGS
    )
    return clip


def admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def test_the_poses_come_in_the_22_joint_layout_with_the_edges(clip):
    answer = admin().get(f"/api/clips/{clip.pk}/poses/")
    assert answer.status_code == 200
    body = answer.json()
    assert body["clip"] == clip.pk and body["layout"] == "mediapipe543"
    assert body["joints"] == list(IMIGUE22_JOINTS) and body["frames"] == 4
    assert body["edges"] == [list(e) for e in IMIGUE22_EDGES]
    assert (body["width"], body["height"]) == (1280, 720)
    assert body["pose_settings"] == SETTINGS
    rows = body["keypoints"]
    assert len(rows) == 4 and all(len(row) == 22 for row in rows)
    assert rows[1][0] == [101.0, 50.0, 0.988]  # rounded: 0.1 px and 3 digits of score
    assert rows[0][1] == [300.0, 300.0, 0.9]  # the neck: mean of the shoulders
    assert rows[2][17] == [300.0, 200.0, 1.0] and rows[1][17] == [0.0, 0.0, 0.0]


def test_a_clip_without_poses_is_404_with_a_code(clip):
    Clip.objects.filter(pk=clip.pk).update(pose_file="")
    answer = admin().get(f"/api/clips/{clip.pk}/poses/")
    assert answer.status_code == 404 and answer.json()["code"] == "no_poses"


def test_only_admins_see_poses(clip):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(f"/api/clips/{clip.pk}/poses/").status_code == 403


def test_the_clips_list_shows_each_clips_stage_and_frames(clip):
    job = Job.objects.create(
        kind="clip_privacy", state="running", progress=0.6, message="blur", params={}
    )
    Clip.objects.filter(pk=clip.pk).update(status="processing", processing_job=job)
    row = admin().get(f"/api/clips/{clip.pk}/").json()
    # Blurring is the first 80 % of the privacy job: 0.6 of the job is 3 of the 4 frames.
    assert row["stage"] == {
        "stage": "blur",
        "job": job.pk,
        "state": "running",
        "frames_done": 3,
        "frames_total": 4,
        "attempts": 0,
    }
    Job.objects.filter(pk=job.pk).update(message="verify", progress=0.9)
    assert admin().get(f"/api/clips/{clip.pk}/").json()["stage"]["frames_done"] == 2
    assert admin().get(f"/api/clips/{clip.pk}/").json()["pose_settings"] == SETTINGS
