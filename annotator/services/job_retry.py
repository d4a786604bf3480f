"""An admin's retry of a failed job (docs/design.md §13), as a domain refusal when it cannot be
retried: the `jobs` app knows no domain, so its plain ValueError is translated here."""

from __future__ import annotations

from annotator.errors import DomainError
from jobs import runner
from jobs.models import Job


class JobNotRetryable(DomainError, ValueError):
    code = "job_not_failed"


def retry_job(job: Job) -> Job:
    """Start a failed job over with a fresh attempt budget; any other state is refused."""
    try:
        return runner.retry_failed(job)
    except ValueError as exc:
        raise JobNotRetryable(str(exc)) from exc
