"""Getting videos in: chunked browser uploads and bulk import of a server folder.

Every path ends in one ingest job per video (annotator.handlers.ingest) that hashes, probes and
proxies it. Source files are written under MEDIA_ROOT by rename, so a crash never leaves a
half-copied source where a Video row points.
"""

from __future__ import annotations

import os
import shutil
import stat
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction

from annotator.errors import CONFLICT, DomainError
from annotator.job_scopes import project_scope, video_scope
from annotator.metadata import (
    VIDEO_EXTENSIONS,
    parse_metadata,
    video_id_from_file_name,
    video_id_problem,
)
from annotator.models import Project, Subject, Upload, Video
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job


class IngestError(DomainError, ValueError):
    """A request that cannot be carried out; the message says why."""

    code = "ingest_refused"


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def video_id_max_length() -> int:
    return Video._meta.get_field("external_id").max_length


def _gib(size: int) -> str:
    return f"{size / (1 << 30):g} GiB"


def _new_source_name(project: Project, suffix: str) -> str:
    return f"sources/{project.pk}/{uuid.uuid4().hex}{suffix.lower()}"


def start_ingest(video: Video, user=None) -> Job:
    job = runner.enqueue(
        JobKind.INGEST,
        scope=video_scope(video.project_id, video.pk),
        params={"video": video.pk},
        user=user,
    )
    Video.objects.filter(pk=video.pk).update(ingest_job=job)
    video.ingest_job = job
    return job


# --- browser uploads ------------------------------------------------------------------------


def upload_part_path(upload: Upload) -> Path:
    return media_path(f"uploads/{upload.pk}.part")


def create_upload(
    project: Project, filename: str, size_bytes: int, user, external_id: str = ""
) -> Upload:
    name = Path(filename).name
    if not name:
        raise IngestError("a file name is required", code="upload_no_name")
    if Path(name).suffix.lower() not in VIDEO_EXTENSIONS:
        raise IngestError(
            f"{name}: not a video file extension (expected one of {', '.join(VIDEO_EXTENSIONS)})",
            code="upload_not_a_video",
        )
    if size_bytes <= 0:
        raise IngestError(f"{name}: the file is empty", code="upload_empty")
    if size_bytes > settings.MAX_UPLOAD_BYTES:
        # Refused before a byte is stored: the declared size is what the disk would have to hold.
        raise IngestError(
            f"{name}: {_gib(size_bytes)} is more than the {_gib(settings.MAX_UPLOAD_BYTES)} "
            "this server accepts (MGSTUDIO_MAX_UPLOAD_BYTES)",
            code="upload_too_large",
        )
    external_id = external_id.strip()
    if external_id:
        problem = video_id_problem(external_id, video_id_max_length())
        if problem:
            raise IngestError(problem, code="invalid_video_id")
    else:
        external_id = video_id_from_file_name(Path(name).stem, video_id_max_length())
    if project.videos.filter(external_id=external_id).exists():
        raise IngestError(
            f"video id {external_id!r} already exists in project {project.name}",
            code="video_id_taken",
        )
    upload = Upload.objects.create(
        project=project,
        filename=name,
        external_id=external_id,
        size_bytes=size_bytes,
        created_by=user,
    )
    path = upload_part_path(upload)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return upload


class ChunkOffsetError(IngestError):
    """A chunk that does not continue the file; the client resumes at ``expected_offset``
    (docs/design.md §15)."""

    code = "upload_offset"
    kind = CONFLICT

    def __init__(self, expected: int):
        super().__init__(f"chunk must start at byte {expected}")
        self.expected = expected

    def fields(self) -> dict:
        return {"expected_offset": self.expected}


def write_chunk(upload: Upload, offset: int, chunks) -> int:
    """Append one chunk at `offset`; a chunk already received is acknowledged, not rewritten."""
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.state != Upload.State.RECEIVING:
            raise IngestError(f"upload {upload.pk} is {upload.state}", code="upload_closed")
        if offset < upload.received_bytes:
            return upload.received_bytes  # a resent chunk after a lost response
        if offset != upload.received_bytes:
            raise ChunkOffsetError(upload.received_bytes)
        written = 0
        with open(upload_part_path(upload), "r+b") as fh:
            fh.seek(offset)
            fh.truncate()
            for piece in chunks:
                written += len(piece)
                if offset + written > upload.size_bytes:
                    fh.truncate(offset)
                    raise IngestError(
                        "the chunk goes past the declared file size", code="upload_too_long"
                    )
                fh.write(piece)
            fh.flush()
            os.fsync(fh.fileno())
        upload.received_bytes = offset + written
        upload.save(update_fields=["received_bytes"])
        return upload.received_bytes


def complete_upload(upload: Upload, user=None) -> tuple[Video, Job]:
    with transaction.atomic():
        upload = Upload.objects.select_for_update().get(pk=upload.pk)
        if upload.state == Upload.State.COMPLETE and upload.video_id:
            video = upload.video
            return video, video.ingest_job
        if upload.received_bytes != upload.size_bytes:
            raise IngestError(
                f"upload incomplete: {upload.received_bytes} of {upload.size_bytes} bytes received",
                code="upload_incomplete",
            )
        if upload.project.videos.filter(external_id=upload.external_id).exists():
            raise IngestError(
                f"video id {upload.external_id!r} already exists", code="video_id_taken"
            )
        relative = _new_source_name(upload.project, Path(upload.filename).suffix)
        video = Video.objects.create(
            project=upload.project,
            external_id=upload.external_id,
            original_name=upload.filename,
            source_file=relative,
            size_bytes=upload.size_bytes,
            created_by=user,
        )
        upload.state = Upload.State.COMPLETE
        upload.video = video
        upload.save(update_fields=["state", "video"])
        job = start_ingest(video, user)
        # The rename comes last: if anything above fails, the rows roll back and the upload's
        # part file stays where it was, so the client can complete again.
        dest = media_path(relative)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(upload_part_path(upload), dest)
    return video, job


def abort_upload(upload: Upload) -> None:
    """Cancel an upload that is still open: its partial file is removed at once."""
    if upload.state == Upload.State.COMPLETE:
        raise IngestError("the upload is complete", code="upload_complete")
    # The row first: a chunk arriving now is refused before its file disappears under it.
    Upload.objects.filter(pk=upload.pk).update(state=Upload.State.ABORTED)
    upload_part_path(upload).unlink(missing_ok=True)


def purge_stale_uploads(max_idle_seconds: float) -> list[int]:
    """Abort uploads whose client went away: no chunk for `max_idle_seconds`."""
    cutoff = time.time() - max_idle_seconds
    purged = []
    for upload in Upload.objects.filter(state=Upload.State.RECEIVING):
        part = upload_part_path(upload)
        if not part.exists() or part.stat().st_mtime < cutoff:
            abort_upload(upload)
            purged.append(upload.pk)
    return purged


# --- bulk import from a server folder -------------------------------------------------------


@dataclass
class ImportReport:
    created: list[Video] = field(default_factory=list)
    rejected: list[Video] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": [v.external_id for v in self.created],
            "rejected": {v.external_id: v.error for v in self.rejected},
            "skipped": self.skipped,
            "jobs": [j.pk for j in self.jobs],
        }


def _allowed_roots(roots: Sequence[str | Path] | None) -> list[Path]:
    roots = [Path(r).resolve() for r in (settings.IMPORT_ROOTS if roots is None else roots)]
    if not roots or any(r == Path(r.anchor) for r in roots):
        raise IngestError(
            "MGSTUDIO_IMPORT_ROOTS must name dedicated folders, not the filesystem root",
            code="import_root_unsafe",
        )
    return roots


def check_import_folder(folder: Path, roots: Sequence[str | Path] | None = None) -> Path:
    """The folder, resolved (symlinks included), if it lies inside an import root.

    ``roots`` defaults to MGSTUDIO_IMPORT_ROOTS. The answer for a folder outside them is the
    same whether it exists or not, so it tells nothing about the server's files.
    """
    allowed = _allowed_roots(roots)
    if "\x00" in str(folder):
        raise IngestError("the folder name holds a NUL byte", code="import_folder_not_allowed")
    resolved = folder.resolve()
    if not any(resolved == r or r in resolved.parents for r in allowed):
        raise IngestError(
            f"{folder} is outside the folders videos may be imported from: "
            f"{', '.join(map(str, allowed))} (MGSTUDIO_IMPORT_ROOTS)",
            code="import_folder_not_allowed",
        )
    if not resolved.is_dir():
        raise IngestError(f"import folder not found: {folder}", code="import_folder_missing")
    return resolved


def request_folder_import(project: Project, folder: Path, metadata_text: str, user=None) -> Job:
    """Check the folder now (a bad one is refused at once), import it in a job."""
    folder = check_import_folder(folder)
    return runner.enqueue(
        JobKind.IMPORT_FOLDER,
        scope=project_scope(project.pk),
        params={"project": project.pk, "folder": str(folder), "metadata": metadata_text},
        user=user,
    )


def _place_source(src: Path, relative: str) -> None:
    """Hard-link when on the same filesystem (instant for multi-GB files), else copy; by rename.

    ``src`` was resolved and checked to lie inside its folder. It is opened without following
    a symlink, and what lands under MEDIA_ROOT is checked to be that very file, so a symlink
    swapped in after the check is not followed either.
    """
    dest = media_path(relative)
    dest.parent.mkdir(parents=True, exist_ok=True)
    temp = dest.with_name(f".{dest.name}.part")
    temp.unlink(missing_ok=True)
    fd = os.open(src, os.O_RDONLY | os.O_NOFOLLOW)
    with os.fdopen(fd, "rb") as source:
        opened = os.fstat(source.fileno())
        if not stat.S_ISREG(opened.st_mode):
            raise IngestError(f"{src.name} is not a regular file", code="import_not_a_file")
        try:
            os.link(src, temp, follow_symlinks=False)
            linked = os.lstat(temp)
            if (linked.st_dev, linked.st_ino) != (opened.st_dev, opened.st_ino):
                temp.unlink()
                raise IngestError(f"{src.name} changed while importing", code="import_changed")
        except OSError:  # another filesystem: copy what was opened
            with open(temp, "wb") as out:
                shutil.copyfileobj(source, out, 1 << 20)
    os.replace(temp, dest)


def import_folder(
    project: Project,
    folder: Path,
    metadata_text: str,
    user=None,
    roots: Sequence[str | Path] | None = None,
) -> ImportReport:
    """Import ``folder`` (inside ``roots``, MGSTUDIO_IMPORT_ROOTS by default) with its CSV."""
    folder = check_import_folder(folder, roots)
    rows = parse_metadata(metadata_text, folder, video_id_max_length())
    report = ImportReport()
    for row in rows:
        if video_id_problem(row.video_id, video_id_max_length()):
            # An id that cannot be stored as it is: reported, never saved under a made-up one.
            report.rejected.append(
                Video(
                    external_id=f"line {row.line}",
                    error=f"metadata line {row.line}: " + "; ".join(row.errors),
                )
            )
            continue
        if project.videos.filter(external_id=row.video_id).exists():
            report.skipped.append(f"{row.video_id}: already in the project")
            continue
        with transaction.atomic():
            subject = None
            if row.subject_id:
                subject, _ = Subject.objects.get_or_create(
                    project=project,
                    subject_id=row.subject_id,
                    defaults={"gender": row.gender, "nationality": row.nationality},
                )
            video = Video(
                project=project,
                external_id=row.video_id,
                original_name=row.file.name if row.file else "",
                subject=subject,
                match_result=row.result,
                created_by=user,
            )
            relative = _new_source_name(project, row.file.suffix) if row.ok else ""
            if row.ok:
                try:
                    _place_source(row.file, relative)
                except (IngestError, OSError) as exc:
                    row.errors.append(f"{row.file.name}: {exc}")
            if not row.ok:
                video.status = Video.Status.REJECTED
                video.error_code = "metadata"
                video.error = f"metadata line {row.line}: " + "; ".join(row.errors)
                video.save()
                report.rejected.append(video)
                continue
            video.source_file = relative
            video.size_bytes = row.file.stat().st_size
            try:
                video.save()
            except Exception:
                media_path(relative).unlink(missing_ok=True)
                raise
            report.created.append(video)
            report.jobs.append(start_ingest(video, user))
    return report
