"""Ingest end to end with real ffmpeg and a real Celery worker process (point 5).

Every bad input gets a clear error on the video's row and in the API, and leaves nothing on
disk: no source, no proxy, no temp files, no upload parts.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from annotator.models import Video
from pipeline import media
from pipeline.hashing import sha256_file
from tests.support import media_factory as mf
from tests.support.factories import AdminFactory, ProjectFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def upload(client: APIClient, project, path: Path, chunk: int, external_id: str = "") -> dict:
    """Upload like the browser does: create, send chunks, complete."""
    size = path.stat().st_size
    created = client.post(
        "/api/uploads/",
        {"project": project.pk, "filename": path.name, "size": size, "external_id": external_id},
        format="json",
    )
    assert created.status_code == 201, created.json()
    upload_id = created.json()["id"]
    data = path.read_bytes()
    for offset in range(0, size, chunk):
        sent = client.generic(
            "PUT",
            f"/api/uploads/{upload_id}/chunk/?offset={offset}",
            data[offset : offset + chunk],
            content_type="application/octet-stream",
        )
        assert sent.status_code == 200, sent.json()
    done = client.post(f"/api/uploads/{upload_id}/complete/")
    assert done.status_code == 202, done.json()
    return done.json()


def files_under(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_uploads_good_and_bad_videos(tmp_path, media_root, settings, celery_worker, wait_for_jobs):
    settings.UPLOAD_CHUNK_BYTES = 16 * 1024
    inputs = tmp_path / "in"
    inputs.mkdir()
    good = mf.make_numbered_video(inputs / "good.mp4", 50, fps="25", audio=True)
    cases = {
        "good": good,
        "text": mf.make_not_a_video(inputs / "text.mp4"),
        "truncated": mf.make_truncated(good, inputs / "truncated.mp4", 0.5),
        "vfr": mf.make_vfr_video(inputs / "vfr.mp4"),
        "audio_only": mf.make_audio_only(inputs / "audio_only.m4v"),
        "zero_frames": mf.make_zero_frame_video(inputs / "zero.mp4"),
        "duplicate": shutil.copy(good, inputs / "copy.mp4"),
    }
    expected_codes = {
        "text": "not_a_video",
        "truncated": "truncated",
        "vfr": "variable_frame_rate",
        "audio_only": "no_video_stream",
        "zero_frames": "zero_frames",
        "duplicate": "duplicate",
    }
    project = ProjectFactory()
    client = APIClient()
    client.force_authenticate(AdminFactory())
    worker = celery_worker()
    results = {
        name: upload(client, project, Path(path), 16 * 1024, name) for name, path in cases.items()
    }
    finished = wait_for_jobs([r["job"] for r in results.values()], worker=worker)

    videos = {v.external_id: v for v in Video.objects.filter(project=project)}
    ok = videos["good"]
    assert finished[results["good"]["job"]].state == "succeeded"
    assert (ok.status, ok.num_frames, ok.fps_fraction, ok.has_audio) == ("ready", 50, "25/1", True)
    assert ok.sha256 == sha256_file(good)
    proxy = media.probe_video(media_root / ok.proxy_file)
    assert (proxy.num_frames, proxy.has_audio) == (50, False)

    for name, code in expected_codes.items():
        video = videos[name]
        assert (video.status, video.error_code) == ("rejected", code), (name, video.error)
        assert video.error and "Traceback" not in video.error
        assert video.source_file == "" and video.proxy_file == ""
        assert finished[results[name]["job"]].state == "failed"
    assert "duplicate of video good" in videos["duplicate"].error

    # The API shows the same error on the row.
    rows = {
        r["external_id"]: r
        for r in client.get(f"/api/videos/?project={project.pk}").json()["results"]
    }
    assert rows["vfr"]["error_code"] == "variable_frame_rate" and rows["vfr"]["error"]
    assert rows["good"]["ingest_job"]["state"] == "succeeded"

    # Nothing half-made on disk: only the good video's source and proxy remain.
    assert files_under(media_root) == sorted([ok.source_file, ok.proxy_file])


def test_upload_refuses_wrong_offsets_and_resumes(tmp_path, settings):
    project = ProjectFactory()
    client = APIClient()
    client.force_authenticate(AdminFactory())
    created = client.post(
        "/api/uploads/", {"project": project.pk, "filename": "a.mp4", "size": 10}, format="json"
    ).json()
    url = f"/api/uploads/{created['id']}/chunk/"
    put = lambda offset, body: client.generic(  # noqa: E731
        "PUT", f"{url}?offset={offset}", body, content_type="application/octet-stream"
    )
    assert put(0, b"01234").json() == {"received_bytes": 5}
    gap = put(7, b"789")
    assert gap.status_code == 409 and gap.json()["expected_offset"] == 5
    assert put(0, b"01234").json() == {"received_bytes": 5}  # a resent chunk is acknowledged
    too_long = put(5, b"5678901")
    assert too_long.status_code == 400 and "past the declared" in too_long.json()["detail"]
    early = client.post(f"/api/uploads/{created['id']}/complete/")
    assert early.status_code == 400 and "5 of 10 bytes" in early.json()["detail"]
    bad_ext = client.post(
        "/api/uploads/", {"project": project.pk, "filename": "notes.txt", "size": 3}, format="json"
    )
    assert bad_ext.status_code == 400 and "not a video file extension" in bad_ext.json()["detail"]


def test_import_folder_with_metadata(tmp_path, media_root, settings, celery_worker, wait_for_jobs):
    # Under the default import root, which the worker process (started without
    # MGSTUDIO_IMPORT_ROOTS) checks the API's folder against as well.
    folder = Path(settings.IMPORT_ROOTS[0]) / tmp_path.name
    folder.mkdir()
    mf.make_numbered_video(folder / "101.mp4", 30)
    mf.make_numbered_video(folder / "clip-b.mkv", 20, fps="30000/1001")
    metadata = tmp_path / "meta.csv"
    metadata.write_text(
        "video_id,file,subject_id,gender,nationality,win_or_lose\n"
        "101,,7,F,Finland,Win\n"
        "102,clip-b.mkv,8,M,China,lose\n"
        "103,missing.mp4,8,M,China,win\n"
    )
    project = ProjectFactory(name="imp")
    worker = celery_worker()
    call_command("import_videos", str(folder), metadata=str(metadata), project="imp", wait=True)
    videos = {v.external_id: v for v in Video.objects.filter(project=project)}
    assert videos["101"].status == "ready" and videos["101"].match_result == "win"
    assert (
        videos["101"].subject.subject_id == "7" and videos["101"].subject.nationality == "Finland"
    )
    assert videos["102"].status == "ready" and videos["102"].fps_fraction == "30000/1001"
    assert videos["102"].num_frames == 20 and videos["102"].emotion == "negative"
    assert (
        videos["103"].status == "rejected" and "file not found: missing.mp4" in videos["103"].error
    )
    assert (folder / "101.mp4").exists()  # the server folder is never modified

    # The same import through the API is a 202 job; rows already imported are skipped.
    mf.make_numbered_video(folder / "104.mp4", 10)
    client = APIClient()
    client.force_authenticate(AdminFactory())
    text = metadata.read_text() + "104,,9,F,Peru,lose\n"
    started = client.post(
        f"/api/projects/{project.pk}/import/",
        {"folder": str(folder), "metadata": text},
        format="json",
    )
    assert started.status_code == 202
    job = wait_for_jobs([started.json()["job"]], worker=worker)[started.json()["job"]]
    assert job.state == "succeeded" and job.result["created"] == ["104"]
    assert len(job.result["skipped"]) == 3
    wait_for_jobs(job.result["jobs"], worker=worker)
    assert Video.objects.get(project=project, external_id="104").status == "ready"


def test_abandoned_and_cancelled_uploads_leave_no_partial_file(media_root):
    import os
    import time

    from annotator.models import Upload
    from annotator.services.ingest import purge_stale_uploads, upload_part_path

    project = ProjectFactory()
    client = APIClient()
    client.force_authenticate(AdminFactory())

    def start() -> Upload:
        body = {"project": project.pk, "filename": f"{time.time_ns()}.mp4", "size": 10}
        upload = Upload.objects.get(
            pk=client.post("/api/uploads/", body, format="json").json()["id"]
        )
        client.generic(
            "PUT",
            f"/api/uploads/{upload.pk}/chunk/?offset=0",
            b"01234",
            content_type="application/octet-stream",
        )
        return upload

    cancelled, abandoned, active = start(), start(), start()
    assert client.post(f"/api/uploads/{cancelled.pk}/abort/").status_code == 204
    old = time.time() - 7200
    os.utime(upload_part_path(abandoned), (old, old))
    assert purge_stale_uploads(3600) == [abandoned.pk]
    states = dict(Upload.objects.values_list("pk", "state"))
    assert (states[cancelled.pk], states[abandoned.pk], states[active.pk]) == (
        "aborted",
        "aborted",
        "receiving",
    )
    assert [p.name for p in (media_root / "uploads").iterdir()] == [f"{active.pk}.part"]
