"""Processing of agreed clips (docs/design.md §8), one job per stage, chained:

    clip_cut (media queue) → clip_privacy (gpu: blur faces, verify) → clip_poses (gpu)

Each stage hands the clip to the next when it succeeds (``processing.advance``); a project that
extracts no poses ends the chain after the privacy stage. A stage works only on a clip whose
current stage it is, so an old job retried by hand cannot run a second chain. The unblurred cut
lives only under MEDIA_ROOT/work/ (never served, never released) and is removed once the blurred
clip exists. A clip whose privacy check fails, or whose stage fails for good, ends `failed` with
the reason and is not eligible for a release.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from django.conf import settings

from annotator.models import Clip
from annotator.services.pose_backend import extract_from_file
from annotator.services.processing import (
    advance,
    after_privacy,
    clip_work_dir,
    finish,
    stage_progress,
)
from jobs.kinds import JobKind
from jobs.models import Job
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError
from pipeline import media
from pipeline.cut import cut_clip
from pipeline.face_config import PrivacyConfig
from pipeline.hashing import sha256_file
from pipeline.poses import PoseConfigError, save_poses
from pipeline.privacy import protect_clip


def _path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def _clip(ctx: JobContext) -> Clip:
    clip = Clip.objects.select_related("video", "category", "project").get(pk=ctx.params["clip"])
    if clip.processing_job_id != ctx.job.pk:
        raise JobInputError(
            f"clip {clip.pk} has moved on to job {clip.processing_job_id}; this stage is stale",
            code="superseded",
        )
    Clip.objects.filter(pk=clip.pk).exclude(status=Clip.Status.PROCESSING).update(
        status=Clip.Status.PROCESSING, error=""
    )
    return clip


def _fail_clip(job: Job, code: str, message: str) -> None:
    clip = Clip.objects.filter(pk=job.params.get("clip"), processing_job_id=job.pk).first()
    if clip is None:
        return  # a stale stage's failure says nothing about the clip's current chain
    shutil.rmtree(_path(clip_work_dir(clip)), ignore_errors=True)  # no unblurred frames left over
    Clip.objects.filter(pk=clip.pk).update(
        status=Clip.Status.FAILED, error=f"{job.kind}: {message}"
    )


@job_handler(JobKind.CLIP_CUT, on_failed=_fail_clip)
def cut(ctx: JobContext) -> dict:
    clip = _clip(ctx)
    video = clip.video
    if not video.source_file:
        raise JobInputError("the video has no source file: nothing to cut", code="no_source")
    source = _path(video.source_file)
    ctx.progress(0.0, "cut", force=True)
    try:
        info = media.probe_video(source)
        temp = ctx.temp_path("cut.mp4")
        out = cut_clip(
            source,
            temp,
            clip.start_frame,
            clip.end_frame,
            info,
            on_progress=lambda f: ctx.progress(stage_progress("cut", f), "cut"),
        )
    except media.MediaError as exc:
        raise JobInputError(str(exc), code=exc.code) from exc
    ctx.publish(temp, f"{clip_work_dir(clip)}/cut.mp4")
    advance(clip, ctx.job, JobKind.CLIP_PRIVACY)
    return {"clip": clip.pk, "frames": out.num_frames}


@job_handler(JobKind.CLIP_PRIVACY, on_failed=_fail_clip)
def privacy(ctx: JobContext) -> dict:
    clip = _clip(ctx)
    unblurred = _path(f"{clip_work_dir(clip)}/cut.mp4")
    if not unblurred.is_file():
        raise JobInputError("the cut clip is missing; process the clip again", code="chain")
    temp = ctx.temp_path("blurred.mp4")
    ctx.progress(0.0, "blur", force=True)
    # Blur, then verify with the independent detector (docs/design.md §8; pipeline.privacy).
    check = protect_clip(
        unblurred,
        temp,
        PrivacyConfig.from_settings(settings),
        on_progress=lambda stage, f: ctx.progress(stage_progress(stage, f), stage),
    )
    report = check.as_dict()
    Clip.objects.filter(pk=clip.pk).update(privacy=report)
    if not check.passed:
        raise JobInputError("privacy check failed: " + "; ".join(check.problems), code="privacy")
    digest = sha256_file(temp)
    relative = ctx.publish(temp, f"clips/{clip.project_id}/{clip.pk}.mp4")
    Clip.objects.filter(pk=clip.pk).update(clip_file=relative, clip_sha256=digest)
    shutil.rmtree(_path(clip_work_dir(clip)), ignore_errors=True)
    after_privacy(clip, ctx.job)
    return {
        "clip": clip.pk,
        "detections": check.detections_during_blur,
        "redetections": check.redetections,
    }


@job_handler(JobKind.CLIP_POSES, on_failed=_fail_clip)
def poses(ctx: JobContext) -> dict:
    clip = _clip(ctx)
    if not clip.project.extract_poses:  # switched off since the chain started
        finish(clip, ctx.job)
        return {"clip": clip.pk, "poses": False}
    blurred = _path(clip.clip_file) if clip.clip_file else None
    if blurred is None or not blurred.is_file():
        raise JobInputError("the blurred clip is missing; process the clip again", code="chain")
    ctx.progress(0.0, "poses", force=True)
    try:
        result, pose_settings, _ = extract_from_file(
            blurred, lambda f: ctx.progress(stage_progress("poses", f), "poses")
        )
    except PoseConfigError as exc:
        raise JobInputError(str(exc), code="pose_config") from exc
    temp = ctx.temp_path("poses.npz")
    save_poses(result, temp)
    digest = sha256_file(temp)
    relative = ctx.publish(temp, f"poses/{clip.project_id}/{clip.pk}.npz")
    finish(
        clip,
        ctx.job,
        pose_file=relative,
        pose_sha256=digest,
        pose_layout=result.layout,
        pose_settings=pose_settings,
    )
    found = sum(1 for row in result.keypoints if row[:, 2].any())
    return {"clip": clip.pk, "layout": result.layout, "frames_with_subject": found}
