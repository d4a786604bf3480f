"""Which function does the work of each job kind.

Domain apps decorate their handlers with ``@job_handler(JobKind.X)``; the queue comes from the
kind (``jobs.kinds``), so it is written in one place. A kind outside the enum (tests register
their own) must name its queue.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .kinds import JobKind, Queue

if TYPE_CHECKING:
    from .models import Job
    from .runner import JobContext

FailedHook = Callable[["Job", str, str], None]


@dataclass(frozen=True)
class HandlerSpec:
    run: Callable[[JobContext], dict | None]
    queue: str
    on_failed: FailedHook | None


HANDLERS: dict[str, HandlerSpec] = {}


def job_handler(
    kind: JobKind | str, *, queue: Queue | None = None, on_failed: FailedHook | None = None
) -> Callable:
    """Register ``fn(ctx) -> result dict`` as the work of jobs of this kind.

    ``on_failed(job, code, message)`` runs once when the job ends failed (bad input, retries
    exhausted or worker lost for good), so the domain row it works on can show the reason.
    """
    if queue is None:
        if not isinstance(kind, JobKind):
            raise TypeError(f"job kind {kind!r} is not a JobKind: name its queue")
        queue = kind.queue

    def register(fn: Callable) -> Callable:
        HANDLERS[str(kind)] = HandlerSpec(run=fn, queue=str(queue), on_failed=on_failed)
        return fn

    return register


def handler_for(kind: str) -> HandlerSpec | None:
    return HANDLERS.get(kind)
