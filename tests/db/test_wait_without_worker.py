"""``import_videos --wait`` and ``process_clips --wait`` with no worker consuming the queues:
they notice (the broker's ``active_queues`` broadcast gets no answer) and either run the jobs in
this process (the embedded filesystem broker, or ``--inline``) or stop saying how to start a
worker (``--no-inline``, or any other broker). Nothing here starts a worker."""

from __future__ import annotations

import shutil
import time
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from annotator.management.commands._wait import WORKER_COMMAND
from annotator.models import Clip, Video
from jobs.models import Job
from pipeline import media
from pipeline.process import audio_stream_count
from tests.support import media_factory as mf
from tests.support.factories import ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db(transaction=True)
EMBEDDED = settings.CELERY_BROKER_URL.startswith("filesystem")


def run(*args, **options) -> tuple[str, float]:
    out = StringIO()
    started = time.monotonic()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue(), time.monotonic() - started


@pytest.fixture
def folder(tmp_path):
    videos = tmp_path / "videos"
    videos.mkdir()
    mf.make_numbered_video(videos / "press_2019_05_03.mp4", 20)
    mf.make_numbered_video(videos / "102.mp4", 12)
    meta = tmp_path / "meta.csv"
    meta.write_text("video_id,subject_id,win_or_lose\npress_2019_05_03,7,win\n102,8,lose\n")
    return videos, meta


def test_import_videos_wait_runs_the_ingest_here_when_no_worker_answers(folder, media_root):
    videos, meta = folder
    project = ProjectFactory(name="imp")
    options = dict(metadata=str(meta), project="imp", wait=True)
    if not EMBEDDED:
        # A configured broker (Redis) means dedicated workers: say how to start one, before
        # anything is imported, so that the same command with --inline then does it all.
        with pytest.raises(CommandError, match="no Celery worker consumes the media queue"):
            run("import_videos", str(videos), **options)
        assert not Video.objects.exists()
        options["inline"] = True
    out, seconds = run("import_videos", str(videos), **options)
    if EMBEDDED:
        assert "no Celery worker consumes the media queue(s) on filesystem://" in out
        assert f"start one with: {WORKER_COMMAND}" in out
    assert "running the jobs in this process" in out
    ready = Video.objects.filter(project=project, status=Video.Status.READY)
    assert sorted(v.num_frames for v in ready) == [12, 20]
    assert all((media_root / v.proxy_file).is_file() for v in ready)
    assert set(Job.objects.values_list("state", flat=True)) == {"succeeded"}
    assert "press_2019_05_03: succeeded" in out and seconds < 120


def test_import_videos_no_inline_stops_with_how_to_start_a_worker(folder):
    videos, meta = folder
    ProjectFactory(name="imp")
    with pytest.raises(CommandError) as caught:
        run(
            "import_videos", str(videos), metadata=str(meta), project="imp", wait=True, inline=False
        )
    message = str(caught.value)
    assert "no Celery worker consumes the media queue" in message
    assert WORKER_COMMAND in message and "--inline" in message
    # Refused before any work: no video imported, no job queued.
    assert "Nothing was started" in message
    assert not Video.objects.exists() and not Job.objects.exists()


def test_process_clips_wait_runs_every_stage_here_when_no_worker_answers(media_root, tmp_path):
    source = mf.make_numbered_video(tmp_path / "src.mp4", 40, audio=True)
    (media_root / "sources").mkdir()
    shutil.copy(source, media_root / "sources" / "src.mp4")
    project = ProjectFactory(name="proc")
    video = VideoFactory(project=project, source_file="sources/src.mp4", num_frames=40)
    category = project.categories.get(code=4)
    clips = [
        Clip.objects.create(
            project=project,
            video=video,
            start_frame=s,
            end_frame=e,
            category=category,
            origin="matched",
        )
        for s, e in ((0, 9), (20, 31))
    ]
    # On the embedded broker no option is needed; elsewhere --inline asks for the same.
    options = {} if EMBEDDED else {"inline": True}
    out, seconds = run("process_clips", project="proc", wait=True, **options)
    assert "running the jobs in this process" in out
    for clip in clips:
        clip.refresh_from_db()
        assert clip.status == Clip.Status.PROCESSED, clip.error
        path = media_root / clip.clip_file
        assert media.probe_video(path).num_frames == clip.end_frame - clip.start_frame + 1
        assert audio_stream_count(path) == 0
    kinds = sorted(Job.objects.filter(state="succeeded").values_list("kind", flat=True))
    assert kinds.count("clip_cut") == 2 and kinds.count("clip_privacy") == 2
    assert "2 processed" in out and seconds < 300
