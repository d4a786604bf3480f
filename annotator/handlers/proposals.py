"""The `proposals` job (gpu queue, for the suggester's model): a video's machine proposals from
its whole-video poses, regenerated idempotently (annotator.services.proposals, docs/design.md
§17)."""

from __future__ import annotations

from annotator.models import Video
from annotator.services.proposals import regenerate
from annotator.services.video_poses import VideoHasNoPoses
from jobs.kinds import JobKind
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError


@job_handler(JobKind.PROPOSALS)
def proposals(ctx: JobContext) -> dict:
    video = Video.objects.filter(pk=ctx.params.get("video")).first()
    if video is None:
        raise JobInputError("the video no longer exists", code="no_video")
    ctx.progress(0.0, "proposing", force=True)
    try:
        done = regenerate(video, on_progress=lambda f: ctx.progress(f, "proposing"))
    except VideoHasNoPoses as exc:
        raise JobInputError(str(exc), code=exc.code) from exc
    if "suggester_error" in done.settings:
        ctx.log(f"no categories suggested: {done.settings['suggester_error']}")
    suggested = sum(1 for p in done.proposals if p.category_id is not None)
    ctx.log(
        f"{len(done.proposals)} proposals ({done.created} new, {done.kept} kept, "
        f"{done.deleted} removed), {suggested} with a suggested category"
    )
    return {
        "video": video.pk,
        "proposals": len(done.proposals),
        "created": done.created,
        "kept": done.kept,
        "deleted": done.deleted,
        "suggester": done.suggester,
    }
