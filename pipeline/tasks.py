"""Celery tasks: thin glue around pipeline.jobs. Handlers live in their own modules."""

from celery import shared_task, signals
from celery.exceptions import WorkerLostError

from . import (
    baseline_handlers,  # noqa: F401 - the baseline-run job (issue 7)
    handlers,  # noqa: F401 - registers the job handlers in this process
    jobs,
    release_handlers,  # noqa: F401 - the release job (issue 6)
)
from .models import Job


@shared_task(name="pipeline.tasks.run_job", bind=True, acks_late=True, ignore_result=True)
def run_job(self, job_id: int) -> str:
    outcome, countdown = jobs.execute(job_id, worker_name=self.request.hostname or "")
    if outcome == "retry":
        jobs.send(job_id, Job.objects.values_list("queue", flat=True).get(pk=job_id), countdown)
    return outcome


@shared_task(name="pipeline.tasks.reap_lost_jobs", ignore_result=True)
def reap_lost_jobs() -> list:
    return jobs.reap_lost_jobs()


@shared_task(name="pipeline.tasks.purge_stale_uploads", ignore_result=True)
def purge_stale_uploads() -> list:
    from django.conf import settings

    from annotator.services.ingest import purge_stale_uploads as purge

    return purge(settings.UPLOAD_STALE_AFTER_SECONDS)


@signals.task_failure.connect
def _on_worker_lost(sender=None, task_id=None, exception=None, args=None, **_):
    # Runs in the worker's parent process when the child executing run_job was killed.
    if (
        isinstance(exception, WorkerLostError)
        and getattr(sender, "name", "") == run_job.name
        and args
    ):
        jobs.recover_lost(int(args[0]), f"worker process died mid-task ({exception})")


@signals.worker_ready.connect
def _reap_on_start(sender=None, **_):
    # A worker restarted after a crash recovers what it was running when it died (same name),
    # then anything else whose heartbeat has gone stale.
    hostname = getattr(sender, "hostname", "") or ""
    jobs.recover_jobs_of_worker(hostname)
    jobs.reap_lost_jobs()
