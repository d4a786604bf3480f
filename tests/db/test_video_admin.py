"""An admin's edits to a video after upload: subject and win/lose, and deleting one nothing
depends on (a rejected upload) with its files (annotator.services.video_admin)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotator.models import Subject, Video
from tests.support.factories import AdminFactory, AssignmentFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin():
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def test_subject_and_win_lose_are_set_after_the_upload(admin):
    video = VideoFactory(project=ProjectFactory())
    url = f"/api/videos/{video.pk}/metadata/"
    answer = admin.patch(url, {"subject_id": "s07", "match_result": "lose"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["subject"], answer.json()["match_result"]) == ("s07", "lose")
    video.refresh_from_db()
    assert (video.subject.subject_id, video.match_result) == ("s07", "lose")
    # A field left out stays; the same subject id is the same subject.
    other = VideoFactory(project=video.project)
    admin.patch(f"/api/videos/{other.pk}/metadata/", {"subject_id": "s07"}, format="json")
    assert Subject.objects.filter(project=video.project).count() == 1
    refused = admin.patch(url, {"subject_id": "../x"}, format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_subject_id")
    bad = admin.patch(url, {"match_result": "draw"}, format="json")
    assert bad.status_code == 400


def test_a_rejected_video_is_deleted_with_its_files(admin, media_root):
    project = ProjectFactory()
    source = media_root / "sources" / "bad.mp4"
    source.parent.mkdir(parents=True)
    source.write_bytes(b"not a video")
    video = VideoFactory(
        project=project,
        status=Video.Status.REJECTED,
        source_file="sources/bad.mp4",
        error_code="not_video",
        num_frames=None,
    )
    listed = admin.get(f"/api/videos/?project={project.pk}").json()["results"][0]
    assert listed["has_source"] is True
    with django_on_commit():
        assert admin.delete(f"/api/videos/{video.pk}/").status_code == 204
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not source.exists()


def test_a_video_with_work_is_not_deleted(admin):
    assignment = AssignmentFactory()
    refused = admin.delete(f"/api/videos/{assignment.video.pk}/")
    assert refused.status_code == 409
    assert refused.json()["code"] == "video_in_use"
    assert "assigned to labelers" in refused.json()["detail"]
    assert Video.objects.filter(pk=assignment.video.pk).exists()


def test_labelers_cannot_edit_or_delete(labeler_of_a_video):
    client, video = labeler_of_a_video
    assert client.delete(f"/api/videos/{video.pk}/").status_code == 403
    patched = client.patch(f"/api/videos/{video.pk}/metadata/", {"match_result": "win"})
    assert patched.status_code == 403
    video.refresh_from_db()
    assert video.match_result == ""


@pytest.fixture
def labeler_of_a_video():
    assignment = AssignmentFactory()
    client = APIClient()
    client.force_authenticate(assignment.labeler.user)
    return client, assignment.video


def django_on_commit():
    """Run the on-commit hooks (file removal) inside the test's transaction."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
