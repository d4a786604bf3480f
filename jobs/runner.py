"""The one pattern for long work (docs/design.md §13).

A Job row is created in the request's transaction and its Celery message is sent on commit. The
task claims the row atomically (so a duplicated or redelivered message runs the work once), keeps a
heartbeat while it works, writes outputs into a private work folder and publishes them by rename,
and records success, a permanent failure (bad input: no retry) or a transient failure (retried with
exponential backoff up to `max_attempts`). A worker killed mid-task is noticed either by its
parent process (task_failure with WorkerLostError) or, if the whole worker died, by the reaper,
which finds the stale heartbeat; the job is then retried or failed with the reason.

A job belongs to the process that claimed it (jobs.ownership), not to a worker's name: a worker
starting up recovers only jobs whose process is gone from its own machine, and every write an
attempt makes is conditional on the job still being that attempt's, so an attempt recovered from
under it (its heartbeat went silent) can no longer fail, finish or heartbeat the job.
"""

from __future__ import annotations

import logging
import os
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone

from . import ownership
from .kinds import JobKind
from .models import Job
from .ownership import Owner
from .registry import handler_for

log = logging.getLogger(__name__)


class JobInputError(Exception):
    """A permanent failure caused by the input: retrying cannot help, so the job fails at once."""

    def __init__(self, message: str, code: str = "invalid_input"):
        super().__init__(message)
        self.code = code


def work_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "tmp"


class JobContext:
    """What a handler sees: its parameters, progress reporting and atomic outputs."""

    def __init__(self, job: Job):
        self.job = job
        self.params: dict[str, Any] = dict(job.params)
        self.workdir = work_root() / f"job-{job.pk}"
        self._last_progress_write = 0.0

    def mine(self):
        """The job's row while this attempt still owns it (empty once it was taken over)."""
        return attempt_rows(self.job)

    def progress(self, fraction: float, message: str = "", *, force: bool = False) -> None:
        now = time.monotonic()
        # Progress can arrive per frame; a write every half second is plenty for a progress bar.
        if not force and now - self._last_progress_write < 0.5 and fraction < 1.0:
            return
        self._last_progress_write = now
        fields = {"progress": max(0.0, min(1.0, fraction)), "heartbeat_at": timezone.now()}
        if message:
            fields["message"] = message[:255]
        self.mine().update(**fields)

    def log(self, line: str) -> None:
        append_log(self.job.pk, line)

    def temp_path(self, name: str) -> Path:
        self.workdir.mkdir(parents=True, exist_ok=True)
        return self.workdir / name

    def publish(self, temp: Path, relative_dest: str) -> str:
        """Move a finished output into MEDIA_ROOT atomically; returns the relative path."""
        dest = Path(settings.MEDIA_ROOT) / relative_dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(temp, dest)
        return relative_dest


def append_log(job_id: int, line: str) -> None:
    stamp = timezone.now().strftime("%Y-%m-%d %H:%M:%S")
    entry = f"[{stamp}] {line}\n"
    # Concatenating in SQL keeps concurrent writers (heartbeat thread, task) from losing lines.
    Job.objects.filter(pk=job_id).update(log=Concat(F("log"), Value(entry)))


def enqueue(
    kind: JobKind | str,
    *,
    scope: str = "",
    params: dict | None = None,
    user=None,
    max_attempts: int | None = None,
) -> Job:
    """Create the Job row and send its message once the surrounding transaction commits.

    ``scope`` is a label of what the job works on, for listing and filtering; the handler reads
    its inputs from ``params``.
    """
    spec = handler_for(str(kind))
    if spec is None:
        raise KeyError(f"no handler registered for job kind {kind!r}")
    job = Job.objects.create(
        kind=str(kind),
        queue=spec.queue,
        scope=scope[:100],
        params=params or {},
        created_by=user if (user is not None and user.is_authenticated) else None,
        max_attempts=max_attempts or settings.JOB_MAX_ATTEMPTS,
    )
    transaction.on_commit(lambda: send(job.pk, job.queue))
    return job


def send(job_id: int, queue: str, countdown: float = 0) -> None:
    from .tasks import run_job

    run_job.apply_async((job_id,), queue=queue, countdown=countdown)


def retry_failed(job: Job) -> Job:
    """An admin's manual retry: a failed job starts over with a fresh attempt budget."""
    if job.state != Job.State.FAILED:
        raise ValueError(f"job {job.pk} is {job.state}; only failed jobs can be retried")
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.QUEUED, attempts=0, error="", progress=0.0, finished_at=None
    )
    append_log(job.pk, "retry requested by an admin")
    transaction.on_commit(lambda: send(job.pk, job.queue))
    job.refresh_from_db()
    return job


def attempt_rows(job: Job):
    """``job``'s row if it is still running the attempt ``job`` holds, in the process that
    claimed it; empty once another attempt has taken it over."""
    return Job.objects.filter(
        pk=job.pk,
        state=Job.State.RUNNING,
        attempts=job.attempts,
        owner_machine=job.owner_machine,
        owner_pid=job.owner_pid,
    )


class _Heartbeat(threading.Thread):
    def __init__(self, job: Job, every: float):
        super().__init__(daemon=True, name=f"heartbeat-{job.pk}")
        self.job = job
        self.every = every
        self.stopped = threading.Event()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                # Only for our own attempt: a superseded one must not keep its successor's
                # heartbeat alive if the successor dies.
                attempt_rows(self.job).update(heartbeat_at=timezone.now())
        finally:
            connection.close()


def execute(job_id: int, worker_name: str = "") -> tuple[str, float]:
    """Run one attempt of a job. Returns (outcome, retry_countdown); the outcome is
    "superseded" when the job was taken over while this attempt ran."""
    now = timezone.now()
    owner = ownership.current()
    claimed = Job.objects.filter(
        pk=job_id, state__in=[Job.State.QUEUED, Job.State.RETRYING]
    ).update(
        state=Job.State.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        heartbeat_at=now,
        worker=worker_name[:200],
        owner_machine=owner.machine,
        owner_pid=owner.pid,
        owner_started=owner.started,
        message="",
    )
    if not claimed:
        # Already done, failed, or running elsewhere: a duplicate message does nothing.
        return "skipped", 0.0
    job = Job.objects.get(pk=job_id)
    spec = handler_for(job.kind)
    ctx = JobContext(job)
    shutil.rmtree(ctx.workdir, ignore_errors=True)  # leftovers of an attempt that was killed
    append_log(
        job_id,
        f"attempt {job.attempts}/{job.max_attempts} started on {worker_name} (pid {owner.pid})",
    )
    heartbeat = _Heartbeat(job, settings.JOB_HEARTBEAT_SECONDS)
    heartbeat.start()
    try:
        if spec is None:
            raise JobInputError(f"no handler for job kind {job.kind!r}", code="unknown_kind")
        result = spec.run(ctx) or {}
    except JobInputError as exc:
        outcome = ("failed", 0.0) if fail(job, str(exc), code=exc.code, attempt=job) else None
    except Exception as exc:  # noqa: BLE001 - any other error is treated as transient
        log.exception("job %s attempt %s failed", job_id, job.attempts)
        outcome = _retry_or_fail(job, f"{type(exc).__name__}: {exc}")
    else:
        finished = attempt_rows(job).update(
            state=Job.State.SUCCEEDED,
            progress=1.0,
            result=result,
            error="",
            finished_at=timezone.now(),
        )
        outcome = ("succeeded", 0.0) if finished else None
        if finished:
            append_log(job_id, "succeeded")
    finally:
        heartbeat.stopped.set()
        heartbeat.join()
    if outcome is None:
        # Recovered from under us: the job and its work folder are the successor's now.
        append_log(job_id, f"attempt {job.attempts} ended after it was taken over; ignored")
        return "superseded", 0.0
    shutil.rmtree(ctx.workdir, ignore_errors=True)
    return outcome


def _retry_or_fail(job: Job, reason: str) -> tuple[str, float] | None:
    """After a transient error: wait and retry if attempts remain, else fail. None when the
    job is no longer this attempt's."""
    if job.attempts < job.max_attempts:
        countdown = settings.JOB_RETRY_BACKOFF_SECONDS * 2 ** (job.attempts - 1)
        if not attempt_rows(job).update(state=Job.State.RETRYING, error=reason):
            return None
        append_log(job.pk, f"attempt {job.attempts} failed ({reason}); retry in {countdown}s")
        return "retry", countdown
    message = f"gave up after {job.attempts} attempts: {reason}"
    return ("failed", 0.0) if fail(job, message, code="exhausted", attempt=job) else None


def fail(job: Job, message: str, *, code: str = "failed", attempt: Job | None = None) -> bool:
    """Fail the job and run its kind's failure hook. With ``attempt``, only if the job is still
    that attempt's; returns whether it was failed."""
    rows = attempt_rows(attempt) if attempt is not None else Job.objects.filter(pk=job.pk)
    spec = handler_for(job.kind)
    # One transaction: whoever sees the job failed also sees what its hook wrote (the reason on
    # the domain row).
    with transaction.atomic():
        if not rows.update(state=Job.State.FAILED, error=message, finished_at=timezone.now()):
            return False
        append_log(job.pk, f"failed: {message}")
        if spec and spec.on_failed:
            spec.on_failed(job, code, message)
    shutil.rmtree(work_root() / f"job-{job.pk}", ignore_errors=True)
    return True


def recover_lost(job_id: int, reason: str, owner: Owner | None = None) -> str:
    """A job whose worker died: retry it if attempts remain, else fail it with the reason.

    With ``owner``, only if the job is still that process's (it may have been recovered and
    claimed again meanwhile)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state != Job.State.RUNNING:
            return "ignored"
        if owner is not None and (job.owner_machine, job.owner_pid) != (owner.machine, owner.pid):
            return "ignored"
        shutil.rmtree(work_root() / f"job-{job.pk}", ignore_errors=True)
        if job.attempts < job.max_attempts:
            job.state = Job.State.QUEUED
            job.save(update_fields=["state"])
            append_log(job.pk, f"{reason}; partial output discarded, retrying")
            transaction.on_commit(lambda: send(job.pk, job.queue))
            return "requeued"
    message = f"{reason}; no attempts left ({job.attempts}/{job.max_attempts})"
    return "failed" if fail(job, message, code="lost", attempt=job) else "ignored"


def recover_if_gone(job_id: int, reason: str) -> str:
    """Recover a job whose process was seen to die, unless the job has meanwhile been claimed
    by a process that is alive (recovered and run again elsewhere)."""
    job = Job.objects.filter(pk=job_id).first()
    if job is None:
        return "ignored"
    owner = Owner(job.owner_machine, job.owner_pid, job.owner_started)
    if owner.pid is not None and not ownership.is_gone(owner):
        return "ignored"
    return recover_lost(job_id, reason, owner=owner)


def recover_dead_owners() -> list[tuple[int, str]]:
    """At a worker's start: running jobs whose process is gone from this machine died (with an
    earlier run of this worker, or another). A job whose process still runs is left alone,
    whatever its worker's name; one on another machine is the reaper's, by its heartbeat."""
    me = ownership.current()
    outcomes = []
    running = Job.objects.filter(state=Job.State.RUNNING, owner_machine=me.machine)
    for job in running.exclude(owner_pid=None):
        owner = Owner(job.owner_machine, job.owner_pid, job.owner_started)
        if ownership.is_gone(owner):
            reason = (
                f"worker {job.worker or '?'} (pid {job.owner_pid}) died while the job was "
                f"running; found by pid {me.pid} at start-up"
            )
            outcomes.append((job.pk, recover_lost(job.pk, reason, owner=owner)))
    return outcomes


def reap_lost_jobs(stale_after: float | None = None) -> list[tuple[int, str]]:
    """Find running jobs whose heartbeat stopped (their worker died) and recover each."""
    stale_after = settings.JOB_STALE_AFTER_SECONDS if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    lost = Job.objects.filter(state=Job.State.RUNNING, heartbeat_at__lt=cutoff)
    outcomes = []
    # A retry waits in its worker's memory until its countdown ends; if that worker died, the
    # message is gone. Send it again once even the longest backoff is long past (a duplicate
    # message is harmless: only one can claim the job).
    longest_backoff = settings.JOB_RETRY_BACKOFF_SECONDS * 2**settings.JOB_MAX_ATTEMPTS
    retry_cutoff = cutoff - timedelta(seconds=longest_backoff)
    for job in Job.objects.filter(state=Job.State.RETRYING, heartbeat_at__lt=retry_cutoff):
        Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        append_log(job.pk, "retry message presumed lost with its worker; sent again")
        send(job.pk, job.queue)
        outcomes.append((job.pk, "resent"))
    for job in lost:
        reason = (
            f"worker {job.worker or '?'} lost mid-task "
            f"(no heartbeat since {job.heartbeat_at:%H:%M:%S})"
        )
        owner = Owner(job.owner_machine, job.owner_pid, job.owner_started)
        outcomes.append((job.pk, recover_lost(job.pk, reason, owner=owner)))
    return outcomes
