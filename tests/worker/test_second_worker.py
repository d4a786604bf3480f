"""A second operator's worker on the same host (docs/security.md).

Two `celery -A mgstudio worker` started without `-n` share one Celery name, `celery@<host>`.
The second one's start-up recovery used to take the first one's live ingest for lost: it
deleted the work folder under the running ffmpeg and ran a second attempt beside it; both
failed writing their output, the failure was taken for bad input and the good source deleted.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest

from annotator.models import Video
from annotator.services.ingest import start_ingest
from jobs.models import Job
from pipeline.hashing import sha256_file
from tests.support import media_factory as mf
from tests.support.factories import ProjectFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory) -> Path:
    return mf.make_long_clip(tmp_path_factory.mktemp("long") / "long.mp4", seconds=40)


def wait_until_transcoding(job: Job, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.state == "running" and job.progress > 0.15:
            return
        time.sleep(0.1)
    raise AssertionError(f"job never reached the transcode: {job.state} {job.progress}\n{job.log}")


def test_a_second_unnamed_worker_leaves_a_live_ingest_alone(
    media_root, long_clip, celery_worker, wait_for_jobs
):
    first = celery_worker("first", named=False)
    (media_root / "sources").mkdir()
    source = media_root / "sources" / "long.mp4"
    shutil.copy(long_clip, source)
    digest = sha256_file(source)
    video = Video.objects.create(
        project=ProjectFactory(), external_id="1", source_file="sources/long.mp4"
    )
    job = start_ingest(video)
    wait_until_transcoding(job)
    second = celery_worker("second", named=False)  # starts up while the transcode runs
    assert "celery@" in second.read_log() and job.worker.startswith("celery@")

    done = wait_for_jobs([job.pk], timeout=240, worker=first)[job.pk]
    assert done.state == "succeeded", done.log
    assert done.attempts == 1, done.log  # nobody ran a second attempt beside it
    assert "died while the job was running" not in done.log
    video.refresh_from_db()
    assert video.status == "ready" and video.num_frames == 1000
    assert source.is_file() and sha256_file(source) == digest  # the source is intact
    assert (media_root / video.proxy_file).is_file()
