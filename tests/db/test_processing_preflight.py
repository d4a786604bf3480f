"""Processing refuses to start when the configured pose backend cannot load (before any work),
says why through the API and the CLI, and resumes a clip at the stage whose input is gone."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from annotator.models import Clip
from annotator.services.processing import first_stage
from jobs.models import Job
from tests.support.factories import AdminFactory, VideoFactory

pytestmark = pytest.mark.django_db

BROKEN = [
    ({"POSE_BACKEND": "openpifpaf", "POSE_CHECKPOINT": ""}, "No pose checkpoint is configured"),
    ({"POSE_BACKEND": "openpifpaf", "POSE_CHECKPOINT": "/nowhere/ckpt.pkl"}, "not a file"),
    ({"POSE_BACKEND": "alphapose"}, "must be one of mediapipe, openpifpaf"),
]


@pytest.fixture
def clips():
    video = VideoFactory(source_file="sources/v.mp4", num_frames=100)
    category = video.project.categories.get(code=4)
    return [
        Clip.objects.create(
            project=video.project,
            video=video,
            start_frame=s,
            end_frame=s + 9,
            category=category,
            origin="matched",
            status=status,
            error="clip_cut: gone" if status == "failed" else "",
        )
        for s, status in ((0, "agreed"), (20, "failed"))
    ]


@pytest.fixture
def admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


@pytest.mark.parametrize("broken,reason", BROKEN)
def test_a_backend_that_cannot_load_is_refused_before_any_job(
    settings, admin, clips, broken, reason
):
    for name, value in broken.items():
        setattr(settings, name, value)
    project = clips[0].project_id
    answer = admin.post(f"/api/projects/{project}/process/")
    assert answer.status_code == 409
    body = answer.json()
    assert body["code"] == "pose_backend_unavailable"
    assert body["backend"] == broken["POSE_BACKEND"]
    assert body["detail"].startswith("Processing was not started: the pose backend")
    assert reason in body["detail"]
    one = admin.post(f"/api/clips/{clips[1].pk}/process/")
    assert one.status_code == 409 and one.json()["code"] == "pose_backend_unavailable"
    with pytest.raises(CommandError, match=rf"{reason}.*\[pose_backend_unavailable\]"):
        call_command("process_clips", project=clips[0].project.name)
    assert not Job.objects.exists(), "nothing was queued"
    assert [Clip.objects.get(pk=c.pk).status for c in clips] == ["agreed", "failed"]


def test_the_default_backend_passes_and_every_clip_starts_at_the_cut(admin, clips):
    answer = admin.post(f"/api/projects/{clips[0].project_id}/process/")
    assert answer.status_code == 202 and answer.json()["clips"] == 2
    assert set(Job.objects.values_list("kind", flat=True)) == {"clip_cut"}
    assert {Clip.objects.get(pk=c.pk).status for c in clips} == {"processing"}


def test_a_project_without_poses_starts_whatever_the_backend(settings, admin, clips):
    settings.POSE_BACKEND = "openpifpaf"
    settings.POSE_CHECKPOINT = ""
    project = clips[0].project
    project.extract_poses = False
    project.save()
    answer = admin.post(f"/api/projects/{project.pk}/process/")
    assert answer.status_code == 202 and answer.json()["clips"] == 2


def test_the_check_can_be_switched_off_for_a_web_process_without_the_ml_stack(
    settings, admin, clips
):
    settings.POSE_BACKEND = "openpifpaf"
    settings.POSE_PREFLIGHT = False
    answer = admin.post(f"/api/projects/{clips[0].project_id}/process/")
    assert answer.status_code == 202


def test_a_clip_whose_verified_clip_exists_resumes_at_the_poses(media_root, clips):
    clip = clips[1]
    (media_root / "clips").mkdir()
    (media_root / "clips" / "c.mp4").write_bytes(b"blurred")
    Clip.objects.filter(pk=clip.pk).update(
        clip_file="clips/c.mp4", clip_sha256="0" * 64, privacy={"passed": True}
    )
    clip.refresh_from_db()
    assert first_stage(clip) == "clip_poses"
    # A failed verification, a missing file or no digest: blur (and so the cut) runs again.
    for change in ({"privacy": {"passed": False}}, {"clip_sha256": ""}, {"clip_file": "x.mp4"}):
        Clip.objects.filter(pk=clip.pk).update(
            clip_file="clips/c.mp4", clip_sha256="0" * 64, privacy={"passed": True}
        )
        Clip.objects.filter(pk=clip.pk).update(**change)
        clip.refresh_from_db()
        assert first_stage(clip) == "clip_cut", change


def test_the_project_setting_is_read_and_written_through_the_api(admin, clips):
    url = f"/api/projects/{clips[0].project_id}/"
    assert admin.get(url).json()["extract_poses"] is True
    assert admin.patch(url, {"extract_poses": False}, format="json").status_code == 200
    clips[0].project.refresh_from_db()
    assert clips[0].project.extract_poses is False
    summary = admin.get(f"{url}processing/").json()
    assert summary["extract_poses"] is False and summary["pose_backend"] is None
