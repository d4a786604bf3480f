"""Ingest's guards with real ffmpeg, the ingest job run in-process (docs/security.md): sources
too large to decode are refused at probe, before any transcode; uploads declaring an absurd
size are refused at once; a failure on our side (disk, work folder) never costs the source."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from annotator.models import Video
from annotator.services.ingest import start_ingest
from jobs import runner
from jobs.models import Job
from tests.support import media_factory as mf
from tests.support.factories import AdminFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process_jobs(settings):
    # Jobs run in the test's transaction; a heartbeat thread on another connection would wait.
    settings.JOB_HEARTBEAT_SECONDS = 3600


@pytest.fixture(scope="module")
def huge_video(tmp_path_factory) -> Path:
    """The issue's memory bomb: a few 16000×16000 frames in about a megabyte."""
    return mf.make_huge_frame_video(tmp_path_factory.mktemp("huge") / "huge.mkv")


@pytest.fixture(scope="module")
def small_video(tmp_path_factory) -> Path:
    return mf.make_numbered_video(tmp_path_factory.mktemp("small") / "small.mp4", 50)


def ingest_job(media_root: Path, source: Path, max_attempts: int = 3) -> tuple[Video, Job]:
    relative = f"sources/1/{source.name}"
    (media_root / relative).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, media_root / relative)
    video = Video.objects.create(project=ProjectFactory(), external_id="1", source_file=relative)
    job = start_ingest(video)
    Job.objects.filter(pk=job.pk).update(max_attempts=max_attempts)
    return video, job


def test_huge_frames_are_refused_at_probe_before_any_transcode(media_root, huge_video):
    video, job = ingest_job(media_root, huge_video)
    started = time.monotonic()
    assert runner.execute(job.pk, "test") == ("failed", 0.0)
    elapsed = time.monotonic() - started
    video.refresh_from_db()
    job.refresh_from_db()
    assert (video.status, video.error_code) == ("rejected", "too_large")
    assert "16000×16000" in video.error and "4096×2304" in video.error
    assert job.message == "probing"  # the proxy's step was never reached
    assert not (media_root / "proxies").exists()
    assert not (media_root / "tmp").exists() or not any((media_root / "tmp").iterdir())
    assert video.source_file == "" and not any((media_root / "sources").rglob("*.mkv"))
    assert elapsed < 60, f"probe took {elapsed:.1f} s"


def test_the_frame_size_limit_holds_in_either_orientation(media_root, small_video, settings):
    settings.MAX_VIDEO_SIZE = (240, 320)  # a portrait limit; the video is 320×240 landscape
    video, job = ingest_job(media_root, small_video)
    assert runner.execute(job.pk, "test") == ("succeeded", 0.0)
    settings.MAX_VIDEO_SIZE = (300, 300)
    video.delete()
    video, job = ingest_job(media_root, small_video)
    assert runner.execute(job.pk, "test") == ("failed", 0.0)
    video.refresh_from_db()
    assert video.error_code == "too_large" and "300×300" in video.error


def test_a_video_longer_than_the_limit_is_refused_at_probe(media_root, small_video, settings):
    settings.MAX_VIDEO_SECONDS = 1.5  # the video lasts 2 s
    video, job = ingest_job(media_root, small_video)
    assert runner.execute(job.pk, "test") == ("failed", 0.0)
    video.refresh_from_db()
    job.refresh_from_db()
    assert video.error_code == "too_long" and "2 s" in video.error, video.error
    assert job.message == "probing"


def test_the_limits_default_to_what_browsers_play(settings):
    assert settings.MAX_VIDEO_SIZE == (4096, 2304)
    assert settings.MAX_VIDEO_SECONDS == 4 * 3600
    assert settings.MAX_UPLOAD_BYTES == 20 << 30


def test_an_upload_declaring_an_absurd_size_is_refused_at_once(settings, media_root):
    client = APIClient()
    client.force_authenticate(AdminFactory())
    project = ProjectFactory()

    def create(size: int):
        body = {"project": project.pk, "filename": f"{size}.mp4", "size": size}
        return client.post("/api/uploads/", body, format="json")

    huge = create(10**18)
    assert huge.status_code == 400 and huge.json()["code"] == "upload_too_large"
    assert "20 GiB" in huge.json()["detail"]
    settings.MAX_UPLOAD_BYTES = 1000
    assert create(1000).status_code == 201
    assert create(1001).json()["code"] == "upload_too_large"
    assert len(list((media_root / "uploads").iterdir())) == 1  # only the accepted one's part


def test_an_error_on_our_side_keeps_the_source(media_root, small_video):
    """The work folder cannot be made (an OSError of ours): retried, then failed, never rejected
    as bad input, and the source stays so the job can be retried once the disk is fixed."""
    video, job = ingest_job(media_root, small_video, max_attempts=2)
    (media_root / "tmp").write_text("a file where the work folders go")
    assert runner.execute(job.pk, "test")[0] == "retry"
    assert runner.execute(job.pk, "test") == ("failed", 0.0)
    video.refresh_from_db()
    job.refresh_from_db()
    assert "NotADirectoryError" in job.error or "FileExistsError" in job.error, job.error
    assert video.status == "rejected" and video.error_code == "exhausted"
    assert (media_root / video.source_file).is_file()  # the source survived both attempts

    (media_root / "tmp").unlink()
    runner.retry_failed(job)
    assert runner.execute(job.pk, "test") == ("succeeded", 0.0)
    video.refresh_from_db()
    assert video.status == "ready" and video.error_code == ""


def test_a_full_disk_is_not_bad_input(media_root, small_video):
    """ffmpeg writes the proxy into /dev/full: ENOSPC is ours, not the video's."""
    video, job = ingest_job(media_root, small_video, max_attempts=1)
    full = media_root / "full-disk"
    full.mkdir()
    (full / "proxy.mp4").symlink_to("/dev/full")
    (media_root / "tmp").mkdir()
    os.symlink(full, media_root / "tmp" / f"job-{job.pk}")
    assert runner.execute(job.pk, "test") == ("failed", 0.0)
    video.refresh_from_db()
    job.refresh_from_db()
    assert "No space left on device" in job.error, job.error
    assert video.error_code == "exhausted"
    assert (media_root / video.source_file).is_file()
