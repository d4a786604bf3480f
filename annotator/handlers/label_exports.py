"""The label-export job (export queue): write one project's labels in another tool's format and
publish the file under ``MEDIA_ROOT/exports/<project>/<job>/`` (annotator.services.label_exports).
A retry writes the export again from the project's current state."""

from __future__ import annotations

from annotator.models import Project
from annotator.services.label_exports import write_label_export
from jobs.kinds import JobKind
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError

_SKIPPED_SHOWN = 50


@job_handler(JobKind.LABEL_EXPORT)
def label_export(ctx: JobContext) -> dict:
    project = Project.objects.filter(pk=ctx.params.get("project")).first()
    if project is None:
        raise JobInputError("the project was deleted", code="gone")
    fmt = ctx.params["format"]
    ctx.progress(0.1, f"writing the {fmt} export", force=True)
    try:
        written = write_label_export(
            project,
            fmt,
            ctx.temp_path("export"),
            train_subjects=ctx.params.get("train_subjects"),
            val_subjects=ctx.params.get("val_subjects"),
        )
    except ValueError as exc:  # e.g. a labeler code that clashes with the consensus tier
        raise JobInputError(str(exc), code="export_refused") from exc
    size = written.path.stat().st_size
    relative = ctx.publish(written.path, f"exports/{project.pk}/{ctx.job.pk}/{written.path.name}")
    report = written.report
    if report.skipped:
        ctx.log(f"left out: {len(report.skipped)} ({'; '.join(report.skipped[:5])})")
    return {
        "format": fmt,
        "file": relative,
        "name": written.path.name,
        "size": size,
        "clips": report.clips,
        "files": len(report.files),
        "skipped": report.skipped[:_SKIPPED_SHOWN],
        "skipped_count": len(report.skipped),
    }
