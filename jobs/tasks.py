"""The one Celery task that runs any job, the reaper, and the worker signals that recover jobs
whose process died. Handlers are registered by the domain apps' ``ready()``, which Celery's
Django integration runs in every worker before it takes a message."""

from celery import shared_task, signals
from celery.exceptions import WorkerLostError

from . import runner
from .models import Job


@shared_task(name="jobs.run_job", bind=True, acks_late=True, ignore_result=True)
def run_job(self, job_id: int) -> str:
    outcome, countdown = runner.execute(job_id, worker_name=self.request.hostname or "")
    if outcome == "retry":
        runner.send(job_id, Job.objects.values_list("queue", flat=True).get(pk=job_id), countdown)
    return outcome


@shared_task(name="jobs.reap_lost_jobs", ignore_result=True)
def reap_lost_jobs() -> list:
    return runner.reap_lost_jobs()


@signals.task_failure.connect
def _on_worker_lost(sender=None, task_id=None, exception=None, args=None, **_):
    # Runs in the worker's parent process when the child executing run_job was killed.
    if (
        isinstance(exception, WorkerLostError)
        and getattr(sender, "name", "") == run_job.name
        and args
    ):
        runner.recover_if_gone(int(args[0]), f"worker process died mid-task ({exception})")


@signals.worker_ready.connect
def _reap_on_start(sender=None, **_):
    # A worker restarted after a crash recovers at once what died on this machine (by process,
    # not by worker name: a second worker started without -n shares the name of the first),
    # then anything else whose heartbeat has gone stale.
    runner.recover_dead_owners()
    runner.reap_lost_jobs()
