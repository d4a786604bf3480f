"""Getting a video in: the ingest job (hash, probe, proxy) and the bulk import of a folder."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.db import IntegrityError

from annotator.metadata import MetadataError
from annotator.models import Project, Video
from annotator.services.ingest import IngestError
from annotator.services.ingest import import_folder as run_import
from annotator.services.video_poses import after_ingest
from jobs.kinds import JobKind
from jobs.models import Job
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError
from pipeline import media
from pipeline.hashing import sha256_file


def _media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


# Failures that condemn the source itself: what probing it found, or a copy of another video.
# Anything else (our disk, the transcode, a lost worker, attempts used up) keeps the source.
_BAD_SOURCE = media.SOURCE_ERROR_CODES | {"duplicate"}


def _reject_video(job: Job, code: str, message: str) -> None:
    """An ingest that ended failed: the row says why. Only a bad source is deleted; after a
    failure on our side the source stays, so the job can be retried (POST /api/jobs/{id}/retry/)."""
    video = Video.objects.filter(pk=job.params.get("video")).first()
    if video is None:
        return
    update = {"status": Video.Status.REJECTED, "error_code": code, "error": message}
    if code in _BAD_SOURCE:
        for relative in (video.source_file, video.proxy_file):
            if relative:
                _media_path(relative).unlink(missing_ok=True)
        update.update(source_file="", proxy_file="")
    Video.objects.filter(pk=video.pk).update(**update)


def _limits() -> media.Limits:
    return media.Limits(max_size=settings.MAX_VIDEO_SIZE, max_seconds=settings.MAX_VIDEO_SECONDS)


@job_handler(JobKind.INGEST, on_failed=_reject_video)
def ingest(ctx: JobContext) -> dict:
    """Hash, probe and proxy one video (docs/design.md §4)."""
    video = Video.objects.select_related("project").get(pk=ctx.params["video"])
    source = _media_path(video.source_file)
    if not video.source_file or not source.is_file():
        raise JobInputError("the source file is missing", code="missing_file")
    Video.objects.filter(pk=video.pk).update(status=Video.Status.INGESTING, error="", error_code="")

    ctx.progress(0.0, "hashing", force=True)
    digest = sha256_file(source)
    original = (
        Video.objects.filter(project=video.project, sha256=digest)
        .exclude(pk=video.pk)
        .exclude(status=Video.Status.REJECTED)
        .first()
    )
    if original is not None:
        raise JobInputError(
            f"duplicate of video {original.external_id} (same content, sha256 {digest[:12]}…)",
            code="duplicate",
        )
    try:
        Video.objects.filter(pk=video.pk).update(sha256=digest)
    except IntegrityError as exc:  # the same file ingested concurrently
        raise JobInputError("duplicate of a video being ingested now", code="duplicate") from exc

    ctx.progress(0.05, "probing", force=True)
    try:
        info = media.probe_video(source, _limits())
    except media.MediaError as exc:
        # Only the probe of the source judges the input; see _BAD_SOURCE.
        raise JobInputError(str(exc), code=exc.code) from exc
    ctx.log(
        f"probed: {info.width}x{info.height} {info.fps_fraction} fps, {info.num_frames} frames, "
        f"audio={info.has_audio}, codec={info.video_codec}"
    )
    Video.objects.filter(pk=video.pk).update(
        fps=info.fps,
        fps_fraction=info.fps_fraction,
        num_frames=info.num_frames,
        width=info.width,
        height=info.height,
        duration=info.duration,
        has_audio=info.has_audio,
        video_codec=info.video_codec,
    )

    ctx.progress(0.1, "making the browser proxy", force=True)
    temp = ctx.temp_path("proxy.mp4")
    # A source that probed well and still fails here failed on our side (a full disk, a work
    # folder removed, ffmpeg killed) far more often than by its own fault: the error is
    # transient, retried, and never costs the source.
    media.make_proxy(source, temp, info, on_progress=lambda f: ctx.progress(0.1 + 0.9 * f, "proxy"))
    relative = ctx.publish(temp, f"proxies/{video.project_id}/{video.pk}.mp4")
    Video.objects.filter(pk=video.pk).update(proxy_file=relative, status=Video.Status.READY)
    video.proxy_file, video.status = relative, Video.Status.READY
    try:
        poses = after_ingest(video)  # whole-video poses, when the project asks (design §17)
    except Exception as exc:  # the video is ready: a failure here must not fail its ingest
        ctx.log(f"whole-video poses were not queued ({exc}); start them on demand")
        poses = None
    return {
        "video": video.pk,
        "num_frames": info.num_frames,
        "fps": info.fps_fraction,
        "poses_job": poses.pk if poses is not None else None,
    }


@job_handler(JobKind.IMPORT_FOLDER)
def import_folder(ctx: JobContext) -> dict:
    """Bulk import a server folder with its metadata CSV (the API's 202 path)."""
    project = Project.objects.get(pk=ctx.params["project"])
    try:
        report = run_import(
            project, Path(ctx.params["folder"]), ctx.params["metadata"], user=ctx.job.created_by
        )
    except (MetadataError, IngestError) as exc:
        raise JobInputError(str(exc), code="import") from exc
    for video in report.rejected:
        ctx.log(f"rejected {video.external_id}: {video.error}")
    return report.as_dict()
