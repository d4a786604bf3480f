"""What the commands that make poses share: running a video's proposals job in this process.

A proposals job takes well under a second per video (bench/proposals.py), so a command that
imports skeletons runs it at once, as a worker would (:func:`jobs.runner.execute`: atomic claim,
so a worker that gets the same message finds it taken), and the video has its proposals when the
command returns.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.management.base import BaseCommand

from jobs import runner
from jobs.models import Job


def run_proposal_jobs(command: BaseCommand, jobs: Iterable[Job | None], name: str) -> None:
    for job in jobs:
        if job is None:
            continue
        outcome, _ = runner.execute(job.pk, worker_name=name)
        job.refresh_from_db()
        if outcome == "succeeded":
            result = job.result or {}
            command.stdout.write(
                f"  video {result.get('video')}: {result.get('proposals', 0)} proposals "
                f"(job {job.pk})"
            )
        else:
            command.stderr.write(f"  proposals job {job.pk}: {outcome} {job.error}".rstrip())
