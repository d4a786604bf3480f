"""The release job: write a frozen Release row's folder and tar under
MEDIA_ROOT/releases/<project>/ (annotator.services.release.write_release_row). The writer's own
partial folder makes a retried or resumed job keep the clip and pose files already copied."""

from __future__ import annotations

from django.utils import timezone

from annotator.models import Release
from annotator.services.release import ReleaseError, write_release_row
from jobs.kinds import JobKind
from jobs.models import Job
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError


def _fail_release(job: Job, code: str, message: str) -> None:
    Release.objects.filter(pk=job.params.get("release")).update(
        status=Release.Status.FAILED, error=f"{code}: {message}", finished_at=timezone.now()
    )


@job_handler(JobKind.RELEASE, on_failed=_fail_release)
def write_release(ctx: JobContext) -> dict:
    release = Release.objects.select_related("project").filter(pk=ctx.params["release"]).first()
    if release is None:
        raise JobInputError("the release was deleted", code="gone")
    ctx.progress(0.0, "freezing the clips", force=True)
    try:
        result = write_release_row(
            release,
            progress=lambda done, total: ctx.progress(done / total, f"{done}/{total} files"),
        )
    except ReleaseError as exc:
        raise JobInputError(str(exc), code="refused") from exc
    ctx.progress(1.0, "written", force=True)
    if result.problems:
        ctx.log(f"validation found {len(result.problems)} problem(s)")
        for line in result.problems[:50]:
            ctx.log(line)
    return {
        "release": release.pk,
        "tar": release.tar_file,
        "sha256": release.sha256,
        "clips": release.clip_count,
        "problems": len(result.problems),
    }
