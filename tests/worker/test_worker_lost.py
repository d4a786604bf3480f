"""A worker killed mid-task leaves no partial output; the job is retried, and a job whose
worker is lost for good never costs its video's source."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

from annotator.models import Video
from annotator.services.ingest import start_ingest
from jobs.models import Job
from tests.support import media_factory as mf
from tests.support.factories import ProjectFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    """A 720p clip whose proxy takes several seconds on two cores: time to kill the worker."""
    return mf.make_long_clip(tmp_path_factory.mktemp("long") / "long.mp4", seconds=40)


def _wait_until_transcoding(job: Job, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == "running" and job.progress > 0.15:
            return
        time.sleep(0.1)
    raise AssertionError(f"job never reached the transcode: {job.state} {job.progress}\n{job.log}")


def _proxy_files(media_root: Path) -> list[Path]:
    return list((media_root / "proxies").rglob("*")) if (media_root / "proxies").exists() else []


def _ingest_job(media_root: Path, clip: Path) -> tuple[Video, Job]:
    (media_root / "sources").mkdir()
    shutil.copy(clip, media_root / "sources" / "long.mp4")
    project = ProjectFactory()
    video = Video.objects.create(project=project, external_id="1", source_file="sources/long.mp4")
    return video, start_ingest(video)


def test_pool_process_killed_mid_transcode_is_retried(
    media_root, long_clip, celery_worker, wait_for_jobs
):
    worker = celery_worker()
    video, job = _ingest_job(media_root, long_clip)
    _wait_until_transcoding(job)
    worker.kill_child()
    time.sleep(0.5)
    assert _proxy_files(media_root) == []  # the half-written proxy never reached its place
    done = wait_for_jobs([job.pk], timeout=180, worker=worker)[job.pk]
    assert done.state == "succeeded", done.log
    assert done.attempts == 2
    assert "worker process died mid-task" in done.log
    video.refresh_from_db()
    assert video.status == "ready" and video.num_frames == 1000
    assert [p.name for p in _proxy_files(media_root) if p.is_file()] == [f"{video.pk}.mp4"]
    assert not any((media_root / "tmp").rglob("*.mp4"))


def test_whole_worker_killed_then_restarted_recovers_the_job(
    media_root, long_clip, celery_worker, wait_for_jobs
):
    first = celery_worker("w1")
    video, job = _ingest_job(media_root, long_clip)
    _wait_until_transcoding(job)
    first.kill_all()
    job.refresh_from_db()
    assert job.state == "running"  # nobody is left to say otherwise...
    assert _proxy_files(media_root) == []
    second = celery_worker("w1")  # ...until the same worker comes back
    done = wait_for_jobs([job.pk], timeout=180, worker=second)[job.pk]
    assert done.state == "succeeded", done.log
    assert "died while the job was running" in done.log
    video.refresh_from_db()
    assert video.status == "ready"


def test_lost_job_is_failed_with_the_reason_when_no_attempts_remain(
    media_root, long_clip, celery_worker, wait_for_jobs
):
    worker = celery_worker()
    video, job = _ingest_job(media_root, long_clip)
    Job.objects.filter(pk=job.pk).update(max_attempts=1)
    _wait_until_transcoding(job)
    worker.kill_child()
    done = wait_for_jobs([job.pk], timeout=60, worker=worker)[job.pk]
    assert done.state == "failed"
    assert "worker process died mid-task" in done.error and "no attempts left" in done.error
    video.refresh_from_db()
    assert video.status == "rejected" and video.error_code == "lost"
    # A lost worker says nothing against the video: its source stays for a retry.
    assert video.source_file == "sources/long.mp4"
    assert (media_root / video.source_file).is_file()
    assert _proxy_files(media_root) == [] or not any(p.is_file() for p in _proxy_files(media_root))


def test_no_ffmpeg_outlives_a_killed_worker(media_root, long_clip, celery_worker, wait_for_jobs):
    worker = celery_worker()
    video, job = _ingest_job(media_root, long_clip)
    _wait_until_transcoding(job)
    child = worker.child_pids()[0]
    ffmpeg = subprocess.run(["pgrep", "-P", str(child), "ffmpeg"], capture_output=True, text=True)
    assert ffmpeg.stdout.split(), "the transcode runs in an ffmpeg child of the pool process"
    worker.kill_child()
    time.sleep(1.0)
    orphan = int(ffmpeg.stdout.split()[0])
    state = subprocess.run(["ps", "-o", "stat=", "-p", str(orphan)], capture_output=True, text=True)
    assert state.stdout.strip() in ("", "Z"), f"ffmpeg {orphan} still running: {state.stdout}"
    wait_for_jobs([job.pk], timeout=180, worker=worker)
