"""The job runner's rules, run in-process against the real database (no broker involved).

Handlers registered here are real functions run by `jobs.runner.execute`; what is checked is
the runner: claiming, outcomes, retries with backoff, atomic outputs, recovery of lost jobs.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from jobs import runner
from jobs.kinds import Queue
from jobs.models import Job
from jobs.registry import job_handler

CALLS: dict[str, int] = {}


@job_handler("test_flaky", queue=Queue.MEDIA)
def _flaky(ctx):
    CALLS["flaky"] = CALLS.get("flaky", 0) + 1
    if CALLS["flaky"] < ctx.params["succeed_on"]:
        raise OSError("disk briefly unavailable")
    temp = ctx.temp_path("out.txt")
    temp.write_text("done")
    ctx.publish(temp, f"test-out/{ctx.job.pk}.txt")
    return {"calls": CALLS["flaky"]}


@job_handler("test_bad_input", queue=Queue.MEDIA)
def _bad_input(ctx):
    ctx.temp_path("half.txt").write_text("half")
    raise runner.JobInputError("this file is not a video", code="not_a_video")


FAILED_HOOK: list[tuple[int, str]] = []


@job_handler(
    "test_hooked",
    queue=Queue.MEDIA,
    on_failed=lambda job, code, msg: FAILED_HOOK.append((job.pk, code)),
)
def _hooked(ctx):
    raise runner.JobInputError("bad", code="bad")


@pytest.fixture(autouse=True)
def _reset(settings):
    # In-process runs share the test's transaction: a heartbeat thread writing the same row
    # from another connection would wait on it. These handlers finish in milliseconds anyway.
    settings.JOB_HEARTBEAT_SECONDS = 3600
    CALLS.clear()
    FAILED_HOOK.clear()


def _job(kind, **params) -> Job:
    return Job.objects.create(kind=kind, params=params, max_attempts=3)


@pytest.mark.django_db
def test_success_publishes_output_atomically(media_root):
    job = _job("test_flaky", succeed_on=1)
    assert runner.execute(job.pk, "w") == ("succeeded", 0.0)
    job.refresh_from_db()
    assert (job.state, job.progress, job.attempts, job.result) == (
        "succeeded",
        1.0,
        1,
        {"calls": 1},
    )
    assert (media_root / f"test-out/{job.pk}.txt").read_text() == "done"
    assert not (media_root / "tmp" / f"job-{job.pk}").exists()


@pytest.mark.django_db
def test_transient_error_retries_with_exponential_backoff(media_root, settings):
    settings.JOB_RETRY_BACKOFF_SECONDS = 2
    job = _job("test_flaky", succeed_on=3)
    assert runner.execute(job.pk, "w") == ("retry", 2)
    job.refresh_from_db()
    assert job.state == "retrying" and "disk briefly unavailable" in job.error
    assert runner.execute(job.pk, "w") == ("retry", 4)
    assert runner.execute(job.pk, "w")[0] == "succeeded"
    job.refresh_from_db()
    assert job.attempts == 3 and job.error == ""


@pytest.mark.django_db
def test_retries_exhausted_fail_with_the_reason(media_root):
    job = _job("test_flaky", succeed_on=99)
    outcomes = [runner.execute(job.pk, "w")[0] for _ in range(3)]
    assert outcomes == ["retry", "retry", "failed"]
    job.refresh_from_db()
    assert job.state == "failed" and "gave up after 3 attempts" in job.error
    assert not (media_root / f"test-out/{job.pk}.txt").exists()


@pytest.mark.django_db
def test_bad_input_fails_at_once_and_leaves_no_partial_output(media_root):
    job = _job("test_bad_input")
    assert runner.execute(job.pk, "w") == ("failed", 0.0)
    job.refresh_from_db()
    assert job.state == "failed" and job.attempts == 1 and job.error == "this file is not a video"
    assert not (media_root / "tmp" / f"job-{job.pk}").exists()


@pytest.mark.django_db
def test_failure_hook_runs_once_with_the_code(media_root):
    job = _job("test_hooked")
    runner.execute(job.pk, "w")
    assert FAILED_HOOK == [(job.pk, "bad")]


@pytest.mark.django_db
def test_duplicate_message_does_not_run_the_work_twice(media_root):
    job = _job("test_flaky", succeed_on=1)
    runner.execute(job.pk, "w")
    assert runner.execute(job.pk, "w") == ("skipped", 0.0)
    assert CALLS["flaky"] == 1


@pytest.mark.django_db
def test_unknown_kind_fails_clearly(media_root):
    job = Job.objects.create(kind="no_such_kind")
    runner.execute(job.pk, "w")
    job.refresh_from_db()
    assert job.state == "failed" and "no handler for job kind 'no_such_kind'" in job.error


@pytest.mark.django_db
def test_stale_running_job_is_requeued_and_its_temp_files_removed(media_root, settings):
    settings.JOB_STALE_AFTER_SECONDS = 30
    job = _job("test_flaky", succeed_on=1)
    stale = timezone.now() - timedelta(seconds=31)
    Job.objects.filter(pk=job.pk).update(
        state="running", attempts=1, heartbeat_at=stale, worker="w9"
    )
    leftover = media_root / "tmp" / f"job-{job.pk}" / "proxy.mp4"
    leftover.parent.mkdir(parents=True)
    leftover.write_bytes(b"half a file")
    fresh = _job("test_flaky", succeed_on=1)
    Job.objects.filter(pk=fresh.pk).update(state="running", attempts=1, heartbeat_at=timezone.now())
    assert runner.reap_lost_jobs() == [(job.pk, "requeued")]
    job.refresh_from_db()
    assert job.state == "queued" and "lost mid-task" in job.log
    assert not leftover.exists()
    assert Job.objects.get(pk=fresh.pk).state == "running"


@pytest.mark.django_db
def test_lost_job_without_attempts_left_fails_with_the_reason(media_root):
    job = _job("test_hooked")
    Job.objects.filter(pk=job.pk).update(state="running", attempts=3, heartbeat_at=timezone.now())
    assert runner.recover_lost(job.pk, "worker process died mid-task") == "failed"
    job.refresh_from_db()
    assert job.state == "failed" and "worker process died mid-task" in job.error
    assert FAILED_HOOK == [(job.pk, "lost")]


@pytest.mark.django_db
def test_manual_retry_only_for_failed_jobs(media_root):
    job = _job("test_flaky", succeed_on=1)
    with pytest.raises(ValueError, match="only failed jobs"):
        runner.retry_failed(job)
    Job.objects.filter(pk=job.pk).update(state="failed", attempts=3, error="x")
    runner.retry_failed(Job.objects.get(pk=job.pk))
    job.refresh_from_db()
    assert (job.state, job.attempts, job.error) == ("queued", 0, "")


def test_publish_is_a_rename_within_media_root(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    ctx = runner.JobContext(Job(pk=12345, kind="x"))
    temp = ctx.temp_path("a.bin")
    temp.write_bytes(b"abc")
    inode = temp.stat().st_ino
    rel = ctx.publish(temp, "out/a.bin")
    assert Path(tmp_path / rel).stat().st_ino == inode  # same file, renamed, never copied


@pytest.mark.django_db
def test_a_retry_lost_with_its_worker_is_sent_again(media_root, settings):
    settings.JOB_STALE_AFTER_SECONDS = 30
    settings.JOB_RETRY_BACKOFF_SECONDS = 1
    job = _job("test_flaky", succeed_on=1)
    long_ago = timezone.now() - timedelta(seconds=30 + 2**settings.JOB_MAX_ATTEMPTS + 5)
    Job.objects.filter(pk=job.pk).update(state="retrying", attempts=1, heartbeat_at=long_ago)
    recent = _job("test_flaky", succeed_on=1)
    Job.objects.filter(pk=recent.pk).update(
        state="retrying", attempts=1, heartbeat_at=timezone.now()
    )
    assert runner.reap_lost_jobs() == [(job.pk, "resent")]
    assert "sent again" in Job.objects.get(pk=job.pk).log
    assert runner.execute(job.pk, "w")[0] == "succeeded"  # the resent message can claim it
