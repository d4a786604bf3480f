"""A project's dataset release (docs/design.md §10): the Django side of
:mod:`annotator.release`.

- :mod:`.release_clips` freezes what goes in (:func:`eligible_clips`, :class:`ReleaseError`);
  :mod:`.release_spec` describes it as plain data (:func:`build_spec`).
- :func:`export` writes it with :func:`annotator.release.write_release` (resumable) and
  validates it; :func:`create_release` makes the Release row and its job (POST → 202), the job
  handler (``annotator.handlers.releases``) and ``manage.py export_release`` both end in
  :func:`write_release_row`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotator.job_scopes import project_scope
from annotator.models import Clip, Project, Release
from annotator.release import (
    ReleaseSpec,
    WrittenRelease,
    validate_release,
    write_release,
)
from jobs import runner
from jobs.kinds import JobKind
from pipeline.hashing import sha256_file

from .release_clips import Eligible, ReleaseError, eligible_clips, releases_root
from .release_spec import SplitOptions, build_spec, source_date_epoch

__all__ = [
    "Eligible",
    "ReleaseError",
    "SplitOptions",
    "build_spec",
    "create_release",
    "eligible_clips",
    "export",
    "releases_root",
    "source_date_epoch",
    "write_release_row",
]

# --- writing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Exported:
    written: WrittenRelease
    spec: ReleaseSpec
    eligible: Eligible
    problems: list[str]


def _recorded_sha256(clips: Sequence[Clip]) -> dict[str, str]:
    """Each clip and pose file's sha256 as recorded when the pipeline wrote it, by path."""
    media = Path(settings.MEDIA_ROOT)
    known = {}
    for c in clips:
        for rel, digest in ((c.clip_file, c.clip_sha256), (c.pose_file, c.pose_sha256)):
            if rel and digest:
                known[str(media / rel)] = digest
    return known


def export(
    project: Project,
    out_dir: str | Path,
    name: str,
    version: str,
    *,
    splits: SplitOptions | None = None,
    licence: str = "",
    clip_pks=None,
    mtime: int | None = None,
    validate: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Exported:
    """Freeze, describe and write ``<out_dir>/<name>-<version>/`` + ``.tar`` (+ ``.sha256``);
    rerunning resumes (files already copied with the right sha256 are kept)."""
    eligible = eligible_clips(project, clip_pks)
    spec, clip_files, pose_files = build_spec(
        project, name, version, eligible=eligible, splits=splits, licence=licence, mtime=mtime
    )
    written = write_release(
        spec,
        out_dir,
        clip_files=clip_files,
        pose_files=pose_files,
        source_sha256=_recorded_sha256(eligible.clips),
        mtime=int(spec.config["source_date_epoch"]),
        progress=progress,
    )
    problems = [str(p) for p in validate_release(written.folder)] if validate else []
    return Exported(written, spec, eligible, problems)


def _stored(path: Path) -> str:
    """Relative to MEDIA_ROOT when under it (servable), else absolute."""
    try:
        return path.resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def write_release_row(
    release: Release,
    out_dir: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Exported:
    """Write ``release`` from its frozen config and clip set; record the result on the row."""
    config = release.config or {}
    out = Path(out_dir) if out_dir else releases_root() / str(release.project_id)
    Release.objects.filter(pk=release.pk).update(status=Release.Status.WRITING, error="")
    pks = list(release.clips.values_list("pk", flat=True)) or None
    result = export(
        release.project,
        out,
        release.name,
        release.version,
        splits=SplitOptions.from_json(config.get("splits")),
        licence=config.get("licence", ""),
        clip_pks=pks,
        mtime=config.get("source_date_epoch"),
        progress=progress,
    )
    w, counts = result.written, result.written.manifest["counts"]
    release.path, release.tar_file = _stored(w.folder), _stored(w.tar)
    release.sha256 = w.tar_sha256
    release.manifest_sha256 = sha256_file(w.folder / "manifest.json")
    release.clip_count, release.pose_count = counts["clips"], counts["pose_files"]
    release.video_count, release.subject_count = counts["videos"], counts["subjects"]
    release.labels_only = result.spec.labels_only
    release.validation = result.problems
    release.status = Release.Status.DONE if not result.problems else Release.Status.FAILED
    release.error = "\n".join(result.problems)
    release.finished_at = timezone.now()
    release.save()
    if pks is None:
        release.clips.set(result.eligible.clips)
    return result


def create_release(
    project: Project,
    name: str,
    version: str,
    *,
    splits: SplitOptions | None = None,
    licence: str = "",
    user=None,
) -> Release:
    """Freeze the clip set and the config now (refusing as :func:`eligible_clips` does), and
    queue the writing job. The row's ``job`` is the job to poll."""
    splits = splits or SplitOptions()
    eligible = eligible_clips(project)
    # Build once now so bad splits or metadata refuse the request instead of failing the job.
    spec, _, _ = build_spec(
        project, name, version, eligible=eligible, splits=splits, licence=licence
    )
    with transaction.atomic():
        existing = Release.objects.filter(project=project, name=name, version=version).first()
        if existing is not None and existing.status != Release.Status.FAILED:
            raise ReleaseError(
                f"release {name}-{version} already exists ({existing.status})",
                code="release_exists",
            )
        release = existing or Release(project=project, name=name, version=version)
        release.config = {
            "splits": splits.to_json(),
            "licence": licence,
            "source_date_epoch": spec.config["source_date_epoch"],
        }
        release.status, release.error, release.validation = Release.Status.PENDING, "", None
        release.save()
        release.clips.set(eligible.clips)
        job = runner.enqueue(
            JobKind.RELEASE,
            scope=project_scope(project.pk),
            params={"release": release.pk},
            user=user,
        )
        release.job = job
        release.save(update_fields=["job"])
    return release
