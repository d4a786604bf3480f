"""Label exports for other tools as jobs (docs/design.md §10 "Other exports"): the iMiGUE label
table, MiGA per-video CSVs, ELAN ``.eaf`` per video and a PYSKL pickle of the poses, written by
:func:`annotator.services.interop.export_labels` (which ``manage.py export_labels`` also calls).

An export is a job of kind ``label_export`` on the ``export`` queue, scoped to its project; it
has no domain row of its own: the job's ``params`` say what was asked and its ``result`` where
the file is (``MEDIA_ROOT/exports/<project>/<job>/<file>``) and what it holds. One-file formats
are published as that file; per-video formats as one zip (fixed entry times, so the same
project state gives the same bytes).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils.text import slugify

from annotator.errors import DomainError
from annotator.job_scopes import project_scope
from annotator.models import Project
from annotator.services.interop import ExportReport, export_labels
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job

__all__ = [
    "FORMATS",
    "LabelExportError",
    "export_path",
    "label_exports",
    "start_label_export",
    "write_label_export",
]

#: format → (what the admin sees, the published file's extension).
FORMATS: dict[str, tuple[str, str]] = {
    "imigue": ("iMiGUE label table (CSV)", "csv"),
    "miga": ("MiGA: one <VVVV>_label.csv per video (zip)", "zip"),
    "eaf": ("ELAN .eaf per video: a tier per labeler and the consensus (zip)", "zip"),
    "pyskl": ("PYSKL pickle of the clips' poses", "pkl"),
}
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # zip's earliest date: no clock in the bytes


class LabelExportError(DomainError):
    """An export that cannot be made as asked (unknown format, nothing to export)."""

    code = "label_export_refused"


def _ids(values: Iterable[str] | None) -> list[str] | None:
    if values is None:
        return None
    return [str(v).strip() for v in values if str(v).strip()]


def start_label_export(
    project: Project,
    fmt: str,
    *,
    train_subjects: Iterable[str] | None = None,
    val_subjects: Iterable[str] | None = None,
    user=None,
) -> Job:
    """Queue an export of ``project``'s clips in ``fmt``; refuse what could only fail."""
    if fmt not in FORMATS:
        raise LabelExportError(
            f"unknown format {fmt!r} (one of {', '.join(FORMATS)})", code="unknown_format"
        )
    if not project.clips.exists():
        raise LabelExportError(
            f"project {project.name} has no clips to export: close a review or import labels first",
            code="no_clips",
        )
    if fmt == "pyskl" and not project.clips.exclude(pose_file="").exists():
        raise LabelExportError(
            f"project {project.name} has no clip with poses: PYSKL exports skeletons",
            code="no_poses",
        )
    params = {
        "project": project.pk,
        "format": fmt,
        "train_subjects": _ids(train_subjects),
        "val_subjects": _ids(val_subjects),
    }
    with transaction.atomic():
        return runner.enqueue(
            JobKind.LABEL_EXPORT, scope=project_scope(project.pk), params=params, user=user
        )


def _zip(files: list[Path], root: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(path.relative_to(root).as_posix(), date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target


@dataclass(frozen=True)
class WrittenExport:
    path: Path
    report: ExportReport


def write_label_export(
    project: Project,
    fmt: str,
    workdir: Path,
    *,
    train_subjects: Iterable[str] | None = None,
    val_subjects: Iterable[str] | None = None,
) -> WrittenExport:
    """Write the export under ``workdir``; returns the one file to publish (the zip of the
    per-video files, or the single file renamed ``<project>-<format>.<ext>``)."""
    files = workdir / "files"
    report = export_labels(
        project,
        files,
        fmt,
        train_subjects=set(train_subjects) if train_subjects else None,
        val_subjects=set(val_subjects) if val_subjects else None,
    )
    name = f"{slugify(project.name) or f'project-{project.pk}'}-{fmt}.{FORMATS[fmt][1]}"
    target = workdir / name
    if FORMATS[fmt][1] == "zip":
        return WrittenExport(_zip(report.files, files, target), report)
    (single,) = report.files
    single.replace(target)
    return WrittenExport(target, report)


def label_exports(project: Project):
    """The project's label exports, newest first."""
    return Job.objects.filter(kind=JobKind.LABEL_EXPORT, scope=project_scope(project.pk)).order_by(
        "-created_at", "-id"
    )


def export_path(job: Job) -> Path | None:
    """The published file of a finished export, if it is still there."""
    relative = (job.result or {}).get("file") if job.state == Job.State.SUCCEEDED else None
    if not relative:
        return None
    path = Path(settings.MEDIA_ROOT) / relative
    return path if path.is_file() else None
