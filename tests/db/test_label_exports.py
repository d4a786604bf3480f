"""Label exports as jobs (the releases page's panel): start through the API (202 + job), the
job writes the file, the list shows it with its download, and the download holds the format."""

from __future__ import annotations

import csv
import io
import pickle
import zipfile

import numpy as np
import pytest
from rest_framework.test import APIClient

from annotator.models import Clip, Subject
from jobs import runner
from jobs.models import Job
from tests.support.factories import AdminFactory, LabelerFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(media_root):
    project = ProjectFactory(name="Press Talks")
    cats = {c.code: c for c in project.categories.all()}
    for n, (result, codes) in enumerate((("win", (1, 5)), ("lose", (99,))), start=1):
        subject = Subject.objects.create(project=project, subject_id=str(10 + n))
        video = VideoFactory(
            project=project, external_id=str(n), match_result=result, subject=subject
        )
        for k, code in enumerate(codes):
            clip = Clip.objects.create(
                project=project,
                video=video,
                start_frame=20 * k,
                end_frame=20 * k + 9,
                category=cats[code],
                origin="matched",
            )
            if n == 1:  # poses for the first video's clips only
                rel = f"poses/{clip.pk}.npz"
                (media_root / "poses").mkdir(exist_ok=True)
                np.savez(
                    media_root / rel,
                    keypoints=np.ones((10, 17, 3), np.float32),
                    layout="coco17",
                )
                Clip.objects.filter(pk=clip.pk).update(pose_file=rel, pose_layout="coco17")
    return project


@pytest.fixture
def admin():
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def export(admin, project, fmt, **extra) -> dict:
    started = admin.post(
        f"/api/projects/{project.pk}/label-exports/", {"format": fmt, **extra}, format="json"
    )
    assert started.status_code == 202, started.content
    job = Job.objects.get(pk=started.json()["job"])
    assert (job.kind, job.queue, job.scope) == ("label_export", "export", f"project:{project.pk}")
    assert started.json()["export"]["state"] == "queued"
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    (row,) = [
        e
        for e in admin.get(f"/api/projects/{project.pk}/label-exports/").json()
        if e["id"] == job.pk
    ]
    return row


def download(admin, row) -> bytes:
    response = admin.get(row["download"])
    assert response.status_code == 200
    assert f'filename="{row["name"]}"' in response["Content-Disposition"]
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_every_format_is_a_job_with_a_download(admin, project):
    row = export(admin, project, "imigue")
    assert (row["format"], row["state"], row["clips"], row["files"]) == (
        "imigue",
        "succeeded",
        3,
        1,
    )
    assert row["name"] == "press-talks-imigue.csv" and row["download"].endswith("/download/")
    table = list(csv.DictReader(io.StringIO(download(admin, row).decode())))
    assert [(r["video_id"], r["class"], r["subject_id"]) for r in table] == [
        ("1", "1", "11"),
        ("1", "5", "11"),
        ("2", "99", "12"),
    ]

    row = export(admin, project, "miga")
    names = zipfile.ZipFile(io.BytesIO(download(admin, row))).namelist()
    assert names == ["0001_label.csv", "0002_label.csv"] and row["files"] == 2

    row = export(admin, project, "eaf")
    eaf = zipfile.ZipFile(io.BytesIO(download(admin, row)))
    assert eaf.namelist() == ["1.eaf", "2.eaf"]
    assert b'TIER_ID="consensus"' in eaf.read("1.eaf")

    row = export(admin, project, "pyskl", train_subjects=["11"])
    data = pickle.loads(download(admin, row))
    assert len(data["annotations"]) == 2 and data["split"]["xsub_train"] == ["0001_0", "0001_1"]
    assert row["skipped_count"] == 1 and "no poses" in row["skipped"][0]


def test_the_same_state_gives_the_same_zip(admin, project):
    first = download(admin, export(admin, project, "miga"))
    second = download(admin, export(admin, project, "miga"))
    assert first == second


def test_refusals_and_admins_only(admin, project):
    url = f"/api/projects/{project.pk}/label-exports/"
    bad = admin.post(url, {"format": "xls"}, format="json")
    assert bad.status_code == 400
    empty = ProjectFactory()
    refused = admin.post(f"/api/projects/{empty.pk}/label-exports/", {"format": "imigue"})
    assert refused.status_code == 400 and refused.json()["code"] == "no_clips"
    Clip.objects.filter(project=project).update(pose_file="")
    no_poses = admin.post(url, {"format": "pyskl"}, format="json")
    assert no_poses.status_code == 400 and no_poses.json()["code"] == "no_poses"
    assert not Job.objects.exists()
    labeler = APIClient()
    labeler.force_authenticate(LabelerFactory().user)
    assert labeler.get(url).status_code == 403
    assert labeler.post(url, {"format": "imigue"}, format="json").status_code == 403
