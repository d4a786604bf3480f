"""``--wait`` that never hangs silently (docs/design.md §13).

Before it queues anything, a command that will wait asks the broker which Celery workers
consume the queues its jobs go to (Celery's ``active_queues`` broadcast; it works on the
embedded filesystem broker too, whose replies take about a second). Then:

- a worker consumes every queue: the jobs are queued and the command waits for them, printing a
  line when their states change; if they sit queued for :data:`RECHECK_SECONDS` without
  progress it asks again, since the worker may have stopped;
- no worker answers, on the embedded default (``filesystem://``): the command runs the jobs in
  its own process, saying so and how to start a worker instead;
- no worker answers on any other broker (a deployment with dedicated workers): the command
  stops before doing anything, saying how to start a worker, or to rerun with ``--inline``.

``--inline`` runs the jobs here whatever the broker; ``--no-inline`` never does. Running a job
here is what a worker does (:func:`jobs.runner.execute`: atomic claim, heartbeat, retries), so a
worker that starts meanwhile and gets the same job's message finds it claimed and skips it.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job

__all__ = [
    "INGEST_QUEUES",
    "PROCESSING_QUEUES",
    "WORKER_COMMAND",
    "add_inline_argument",
    "clip_chains",
    "jobs_of",
    "run_here_or_wait",
    "wait_for_jobs",
]

WORKER_COMMAND = ".venv/bin/python -m celery -A mgstudio worker -Q media,gpu,export -c 1 -l INFO"
ANSWER_SECONDS = 3.0  # the filesystem broker answers within about 2 s (polled every second)
# A worker busy on a loaded machine can miss the first window: ask once more, longer, before
# concluding that no worker is there (seen on a 2-core VM at load 10 with Redis).
SECOND_ANSWER_SECONDS = 10.0
RECHECK_SECONDS = 30.0
WAITING = (Job.State.QUEUED, Job.State.RETRYING)
INGEST_QUEUES = {str(JobKind.INGEST.queue)}
PROCESSING_QUEUES = {
    str(k.queue) for k in (JobKind.CLIP_CUT, JobKind.CLIP_PRIVACY, JobKind.CLIP_POSES)
}

Pending = Callable[[], Iterable[Job]]


def add_inline_argument(parser) -> None:
    parser.add_argument(
        "--inline",
        action="store_true",
        default=None,
        help="with --wait: run the jobs in this process instead of a worker (the default when "
        "no worker answers on the embedded filesystem broker)",
    )
    parser.add_argument(
        "--no-inline",
        action="store_false",
        dest="inline",
        help="with --wait: never run the jobs here; stop with an error when no worker answers",
    )


def broker_name() -> str:
    """The configured broker without credentials (it may hold a password)."""
    url = urlsplit(settings.CELERY_BROKER_URL)
    host = url.hostname or ""
    port = f":{url.port}" if url.port else ""
    return f"{url.scheme}://{host}{port}{url.path if url.scheme != 'filesystem' else ''}"


def embedded_broker() -> bool:
    return settings.CELERY_BROKER_URL.startswith("filesystem")


def queues_without_worker(queues: set[str], timeout: float = ANSWER_SECONDS) -> set[str]:
    """The queues of ``queues`` that no worker answering within ``timeout`` consumes."""
    from jobs.tasks import run_job

    if settings.CELERY_TASK_ALWAYS_EAGER:
        return set()  # jobs run as they are sent: nothing ever waits for a worker
    missing = set(queues)
    for wait in (timeout, SECOND_ANSWER_SECONDS):
        replies = run_job.app.control.inspect(timeout=wait).active_queues() or {}
        missing -= {q.get("name") for answered in replies.values() for q in answered or []}
        if not missing:
            break
    return missing


def run_here_or_wait(command: BaseCommand, queues: set[str], inline: bool | None) -> bool:
    """Decide, before any job is queued, whether ``--wait`` runs the jobs in this process
    (True) or waits for a worker (False); refuse (``CommandError``, nothing done yet) when no
    worker consumes ``queues`` and the jobs may not run here."""
    if inline:
        command.stdout.write("running the jobs in this process (--inline)")
        return True
    missing = queues_without_worker(queues)
    if not missing:
        return False
    head, start = _no_worker(missing)
    if inline is False or not embedded_broker():
        raise CommandError(
            f"{head}. Nothing was started: {start}, or rerun with --inline to run the jobs in "
            "this process."
        )
    command.stdout.write(
        f"{head}: running the jobs in this process. To run them in the background, {start}"
    )
    return True


def _no_worker(missing: set[str]) -> tuple[str, str]:
    queues = ", ".join(sorted(missing))
    return (
        f"no Celery worker consumes the {queues} queue(s) on {broker_name()} "
        f"(none answered in {ANSWER_SECONDS + SECOND_ANSWER_SECONDS:g} s)",
        f"start one with: {WORKER_COMMAND}",
    )


class _Waiter:
    def __init__(self, command: BaseCommand, pending: Pending, done: Callable[[], bool], name: str):
        self.out, self.pending, self.done, self.name = command.stdout, pending, done, name

    def say(self, line: str) -> None:
        self.out.write(line)
        self.out.flush()

    def run_here(self) -> None:
        """Run every pending job here until none is left (retries after their backoff)."""
        not_before: dict[int, float] = {}
        while True:
            # A job left 'running' by a worker that died goes back to the queue first.
            runner.reap_lost_jobs()
            jobs = [j for j in self.pending() if j.state in WAITING]
            now = time.monotonic()
            ready = [j for j in jobs if not_before.get(j.pk, 0) <= now]
            if not jobs and self.done():
                return
            if not ready:  # a retry's backoff, or a job another worker is running
                time.sleep(0.5)
                continue
            for job in ready:
                outcome, countdown = runner.execute(job.pk, worker_name=self.name)
                if outcome == "retry":
                    not_before[job.pk] = time.monotonic() + countdown
                self.say(f"  job {job.pk} ({job.kind}): {outcome}")

    def follow(self, inline: bool | None) -> None:
        """Wait for the workers, saying when the jobs' states change; if the jobs sit queued
        without progress and no worker answers any more, run them here (embedded default) or
        stop saying how to start a worker."""
        shown, still_since = None, time.monotonic()
        while not self.done():
            jobs = list(self.pending())
            states = Counter(j.state for j in jobs)
            if states != shown:
                shown, still_since = states, time.monotonic()
                self.say("  " + ", ".join(f"{n} {s}" for s, n in sorted(states.items())))
            waiting = {j.queue for j in jobs if j.state in WAITING}
            if waiting and time.monotonic() - still_since > RECHECK_SECONDS:
                missing = queues_without_worker(waiting)
                if missing:
                    head, start = _no_worker(missing)
                    if inline is False or not embedded_broker():
                        raise CommandError(f"{head} any more. The jobs stay queued: {start}.")
                    self.say(f"{head} any more: running the rest in this process")
                    return self.run_here()
                still_since = time.monotonic()
            time.sleep(1)


def wait_for_jobs(
    command: BaseCommand,
    pending: Pending,
    done: Callable[[], bool],
    *,
    here: bool,
    inline: bool | None = None,
    name: str,
) -> None:
    """Block until ``done()``. ``pending()`` gives the jobs still to run (follow-up stages
    included); ``here`` is :func:`run_here_or_wait`'s answer, ``inline`` the command's
    ``--inline``/``--no-inline`` (None: decide)."""
    waiter = _Waiter(command, pending, done, name)
    waiter.run_here() if here else waiter.follow(inline)


def jobs_of(ids: Iterable[int]) -> tuple[Pending, Callable[[], bool]]:
    """``pending`` and ``done`` for a fixed set of jobs."""
    ids = list(ids)

    def pending() -> list[Job]:
        return list(Job.objects.filter(pk__in=ids, state__in=Job.ACTIVE_STATES))

    return pending, lambda: not Job.objects.filter(pk__in=ids, state__in=Job.ACTIVE_STATES).exists()


def clip_chains(project) -> tuple[Pending, Callable[[], bool]]:
    """``pending`` and ``done`` for a project's processing: each processing clip's current
    stage job (a stage enqueues the next one, so the set grows as the chains advance)."""
    from annotator.models import Clip

    def processing():
        return Clip.objects.filter(project=project, status=Clip.Status.PROCESSING)

    def pending() -> list[Job]:
        return list(Job.objects.filter(pk__in=processing().values("processing_job")))

    return pending, lambda: not processing().exists()
