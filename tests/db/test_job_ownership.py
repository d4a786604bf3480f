"""Who owns a running job (docs/security.md): the machine and the process, never the Celery name.

A worker starting up recovers only the jobs whose process is gone from its own machine; the
reaper takes any other job only once its heartbeat has stopped; and an attempt that was taken
over can no longer change its job. Handlers here are real functions run by `jobs.runner.execute`.
"""

from __future__ import annotations

import socket
import subprocess
from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from jobs import ownership, runner
from jobs.kinds import Queue
from jobs.models import Job
from jobs.ownership import Owner
from jobs.registry import job_handler

pytestmark = pytest.mark.django_db

SEEN: list[tuple[str, int | None, int | None]] = []
FAILED: list[str] = []


@job_handler("test_owned", queue=Queue.MEDIA)
def _owned(ctx):
    job = Job.objects.get(pk=ctx.job.pk)
    SEEN.append((job.owner_machine, job.owner_pid, job.owner_started))
    return {}


@job_handler(
    "test_taken_over", queue=Queue.MEDIA, on_failed=lambda job, code, m: FAILED.append(code)
)
def _taken_over(ctx):
    ctx.temp_path("work.txt").write_text("the job's work folder")
    # Meanwhile the job is recovered and claimed by an attempt in another process.
    Job.objects.filter(pk=ctx.job.pk).update(
        attempts=F("attempts") + 1, owner_pid=1, owner_started=1, worker="other@host"
    )
    ctx.progress(0.5, "late progress", force=True)
    if ctx.params["then"] == "bad_input":
        raise runner.JobInputError("bad", code="bad")
    if ctx.params["then"] == "transient":
        raise OSError("disk briefly unavailable")
    return {"done": True}


@pytest.fixture(autouse=True)
def _reset(settings):
    settings.JOB_HEARTBEAT_SECONDS = 3600  # in-process runs: see tests/db/test_job_runner.py
    SEEN.clear()
    FAILED.clear()


def running(owner: Owner, *, worker: str = "celery@host", silent_for: float = 0.0) -> Job:
    now = timezone.now()
    return Job.objects.create(
        kind="test_owned",
        state=Job.State.RUNNING,
        attempts=1,
        max_attempts=3,
        worker=worker,
        owner_machine=owner.machine,
        owner_pid=owner.pid,
        owner_started=owner.started,
        started_at=now,
        heartbeat_at=now - timedelta(seconds=silent_for),
    )


def dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


def test_a_running_job_records_the_process_that_runs_it(media_root):
    job = Job.objects.create(kind="test_owned")
    assert runner.execute(job.pk, "celery@host")[0] == "succeeded"
    me = ownership.current()
    assert SEEN == [(me.machine, me.pid, me.started)]
    assert me.machine.startswith(socket.gethostname())
    assert me.started is not None  # Linux: the pid's start time guards against pid reuse


def test_start_up_recovers_only_jobs_whose_process_is_gone(media_root):
    me = ownership.current()
    dead = running(Owner(me.machine, dead_pid(), 1))
    reused = running(Owner(me.machine, me.pid, (me.started or 0) + 1))  # our pid, another start
    live = running(me)  # the same Celery name as the starting worker, and alive
    elsewhere = running(Owner("another-host boot 0 ns 0", dead_pid(), 1))
    legacy = running(Owner("", None, None))  # rows from before owners were recorded
    assert dict(runner.recover_dead_owners()) == {dead.pk: "requeued", reused.pk: "requeued"}
    states = dict(Job.objects.values_list("pk", "state"))
    assert states[live.pk] == states[elsewhere.pk] == states[legacy.pk] == "running"
    assert "died while the job was running" in Job.objects.get(pk=dead.pk).log


def test_the_reaper_takes_another_machine_s_job_only_once_its_heartbeat_stops(media_root, settings):
    other = Owner("another-host boot 0 ns 0", 4242, 1)
    fresh = running(other, silent_for=5)
    stale = running(other, silent_for=settings.JOB_STALE_AFTER_SECONDS + 5)
    assert dict(runner.reap_lost_jobs()) == {stale.pk: "requeued"}
    assert Job.objects.get(pk=fresh.pk).state == "running"


@pytest.mark.parametrize("then", ["bad_input", "transient", "success"])
def test_an_attempt_taken_over_changes_nothing(media_root, then):
    job = Job.objects.create(kind="test_taken_over", params={"then": then}, max_attempts=3)
    assert runner.execute(job.pk, "celery@host") == ("superseded", 0.0)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.worker, job.error, job.message) == (
        "running",
        2,
        "other@host",
        "",
        "",
    )
    assert FAILED == []  # no failure hook: the domain row is not touched
    assert (media_root / "tmp" / f"job-{job.pk}" / "work.txt").exists()  # the successor's folder
    assert "taken over" in job.log
