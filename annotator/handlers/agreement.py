"""The agreement job: compute and record a project's reliability (docs/design.md §6)."""

from __future__ import annotations

from annotator.models import Project
from annotator.services.agreement import record_run
from jobs.kinds import JobKind
from jobs.registry import job_handler
from jobs.runner import JobContext


@job_handler(JobKind.AGREEMENT)
def agreement_run(ctx: JobContext) -> dict:
    """The write is one transaction, so a retried job never leaves half a run behind."""
    project = Project.objects.get(pk=ctx.params["project"])
    params = ctx.params
    ctx.progress(0.0, "computing agreement", force=True)
    run = record_run(
        project,
        params.get("theta"),
        trigger=params.get("trigger", "manual"),
        user=ctx.job.created_by,
        job=ctx.job,
    )
    return {"run": run.pk, "theta": run.theta, "r_avg": run.r_avg, "rule_version": run.rule_version}
