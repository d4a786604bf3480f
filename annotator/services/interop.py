"""iMiGUE import and label exports for a project (interoperability).

Import reuses what exists: ``clip_import`` parses the table's frames and creates the videos,
subjects and imported clips; ``annotator.services.pose_import`` attaches OpenPose skeletons. What
``clip_import`` lacks is the table's seconds, which a byte-identical export needs (a frame
cannot give back ``6.8553``): :func:`attach_times` adds them to the clips' provenance
(``start_time``/``end_time``, as written by the source) after the import, without touching
``clip_import``. Raw per-video label files become ``ClipRow`` rows for the same importer.

Exports read the project into :class:`annotator.interop.LabelRow` rows and hand them to the
pure writers in :mod:`annotator.interop`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from annotator.interop import (
    LabelRow,
    clip_id,
    id_sort_key,
    number_labels,
    parse_imigue_csv,
    parse_raw_labels,
    raw_label_video_id,
    write_imigue_csv,
)
from annotator.interop.eaf import CONSENSUS, build_eaf
from annotator.interop.miga import write_miga_labels
from annotator.interop.pyskl import PoseSample, build_pyskl, dump_pyskl
from annotator.models import Assignment, Clip, Project, Segment, Video
from annotator.services.clip_import import (
    ClipImportReport,
    ClipRow,
    import_clip_table,
    parse_clip_table,
)

FORMATS = ("imigue", "miga", "eaf", "pyskl")
DEFAULT_SHAPE = (720, 1280)  # iMiGUE's frames (height, width) where a video does not say


# --- import -------------------------------------------------------------------------------------


def _key(video_id: str, start: int, end: int, code: int) -> tuple:
    return (video_id, start, end, code)


def attach_times(project: Project, rows: Iterable[LabelRow]) -> int:
    """Store each row's seconds on its imported clip's provenance, where not stored yet."""
    times = {
        _key(r.video_id, r.start_frame, r.end_frame, r.code): (r.start_time, r.end_time)
        for r in rows
        if r.start_time is not None and r.end_time is not None
    }
    changed = []
    clips = Clip.objects.filter(project=project, origin=Clip.Origin.IMPORTED).select_related(
        "video", "category"
    )
    for clip in clips:
        found = times.get(
            _key(clip.video.external_id, clip.start_frame, clip.end_frame, clip.category.code)
        )
        if found and "start_time" not in clip.provenance:
            clip.provenance = {**clip.provenance, "start_time": found[0], "end_time": found[1]}
            changed.append(clip)
    Clip.objects.bulk_update(changed, ["provenance"], batch_size=500)
    return len(changed)


def import_imigue_table(
    project: Project, text: str, *, source: str, videos: set[str] | None = None
) -> tuple[ClipImportReport, list[LabelRow]]:
    """The table's rows as imported clips (``clip_import``), then their seconds."""
    rows = [r for r in parse_imigue_csv(text) if videos is None or r.video_id in videos]
    clip_rows = parse_clip_table(text, videos)
    with transaction.atomic():
        report = import_clip_table(project, clip_rows, source=source)
        attach_times(project, rows)
    return report, rows


def raw_label_files(folder: Path) -> list[tuple[str, Path]]:
    """``(video id, file)`` for every ``*.txt`` of the folder, by video id."""
    found = [(raw_label_video_id(p.name), p) for p in Path(folder).glob("*.txt") if p.is_file()]
    return sorted(found, key=lambda item: id_sort_key(item[0]))


def import_raw_labels(
    project: Project, video_id: str, text: str, *, source: str, table: Iterable[LabelRow] = ()
) -> ClipImportReport:
    """One raw label file as imported clips; subject and result from the table's rows if any."""
    meta = next((r for r in table if r.video_id == video_id), None)
    rows = parse_raw_labels(text, video_id)
    clip_rows = [
        ClipRow(
            line=r.line,
            video_id=video_id,
            start_frame=r.start_frame,
            end_frame=r.end_frame,
            category_code=r.code,
            label_id=r.label_id,
            subject_id=meta.subject_id if meta else "",
            gender=meta.gender.strip() if meta else "",
            nationality=meta.nationality.strip() if meta else "",
            result=meta.result if meta else "",
        )
        for r in rows
    ]
    with transaction.atomic():
        report = import_clip_table(project, clip_rows, source=source)
        attach_times(project, rows)
    return report


def skeleton_source(folder: Path, video_id: str) -> tuple[Path, str | None] | None:
    """Where a video's OpenPose output is in ``folder``: ``<id>/`` (JSON files), ``<id>.npz``,
    or ``<id>_<frame>_keypoints.json`` files in the folder itself; None if nowhere."""
    folder = Path(folder)
    if (folder / video_id).is_dir():
        return folder / video_id, None
    if (folder / f"{video_id}.npz").is_file():
        return folder / f"{video_id}.npz", None
    if next(folder.glob(f"{video_id}_" + "[0-9]" * 12 + "_keypoints.json"), None):
        return folder, video_id
    return None


# --- export -------------------------------------------------------------------------------------


@dataclass
class ExportReport:
    files: list[Path] = field(default_factory=list)
    clips: int = 0
    skipped: list[str] = field(default_factory=list)  # why some clips or videos were left out


def project_rows(project: Project) -> list[LabelRow]:
    """The project's clips as label rows (``ref`` = the clip's pk), numbered per video."""
    clips = Clip.objects.filter(project=project).select_related(
        "video", "video__subject", "category"
    )
    rows = []
    for clip in clips:
        provenance = clip.provenance or {}
        subject = clip.video.subject
        rows.append(
            LabelRow(
                video_id=clip.video.external_id,
                start_frame=clip.start_frame,
                end_frame=clip.end_frame,
                code=clip.category.code,
                label_id=provenance.get("label_id")
                if clip.origin == Clip.Origin.IMPORTED
                else None,
                start_time=provenance.get("start_time"),
                end_time=provenance.get("end_time"),
                subject_id=subject.subject_id if subject else "",
                gender=subject.gender if subject else "",
                nationality=subject.nationality if subject else "",
                result=clip.video.match_result,
                ref=clip.pk,
            )
        )
    rows.sort(
        key=lambda r: (
            id_sort_key(r.video_id),
            r.label_id or 0,
            r.start_frame,
            r.end_frame,
            r.code,
            r.ref,
        )
    )
    return number_labels(rows)


def _write(path: Path, data: bytes | str, report: ExportReport) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    report.files.append(path)


def _video_fps(video: Video):
    from fractions import Fraction

    if video.fps_fraction:
        try:
            return Fraction(video.fps_fraction)
        except (ValueError, ZeroDivisionError):
            pass
    return Fraction(str(video.fps)) if video.fps else Fraction(25)


def export_eaf(project: Project, rows: list[LabelRow], out: Path, report: ExportReport) -> None:
    vocabulary = list(project.categories.order_by("code").values_list("code", "name"))
    by_video: dict[str, list[LabelRow]] = {}
    for row in rows:
        by_video.setdefault(row.video_id, []).append(row)
    videos = {v.external_id: v for v in project.videos.all()}
    for video_id, group in by_video.items():
        video = videos[video_id]
        tiers: dict[str, list[tuple[int, int, int]]] = {}
        assignments = (
            Assignment.objects.filter(
                video=video, state=Assignment.State.SUBMITTED, is_training=False
            )
            .select_related("labeler")
            .order_by("labeler__code")
        )
        for assignment in assignments:
            if assignment.labeler.code == CONSENSUS:
                raise ValueError(f"labeler code {CONSENSUS!r} clashes with the consensus tier")
            tiers[assignment.labeler.code] = list(
                Segment.objects.filter(assignment=assignment, is_deleted=False).values_list(
                    "start_frame", "end_frame", "category__code"
                )
            )
        tiers[CONSENSUS] = [(r.start_frame, r.end_frame, r.code) for r in group]
        media = video.original_name or f"{video_id}.mp4"
        data = build_eaf(video_id, tiers, vocabulary, fps=_video_fps(video), media_name=media)
        _write(out / f"{video_id}.eaf", data, report)


def export_pyskl(
    project: Project,
    rows: list[LabelRow],
    out: Path,
    report: ExportReport,
    *,
    train_subjects: set[str] | None = None,
    val_subjects: set[str] | None = None,
) -> None:
    clips = {
        c.pk: c
        for c in Clip.objects.filter(project=project).select_related(
            "video", "video__subject", "category"
        )
    }
    media = Path(settings.MEDIA_ROOT)
    samples, subjects = [], {}
    for row in rows:
        clip = clips[row.ref]
        cid = clip_id(row.video_id, row.label_id)
        if not clip.pose_file or not (media / clip.pose_file).is_file():
            report.skipped.append(f"{cid}: no poses")
            continue
        with np.load(media / clip.pose_file) as data:
            keypoints = np.asarray(data["keypoints"], dtype=np.float32)
        shape = (clip.video.height or DEFAULT_SHAPE[0], clip.video.width or DEFAULT_SHAPE[1])
        samples.append(PoseSample(cid, clip.category.label_index, keypoints, shape))
        subjects[cid] = row.subject_id
    ids = [s.clip_id for s in samples]
    if train_subjects is None:
        split = {"xsub_train": ids, "xsub_val": []}
    else:
        val = [c for c in ids if subjects[c] not in train_subjects]
        if val_subjects is not None:
            val = [c for c in val if subjects[c] in val_subjects]
        split = {"xsub_train": [c for c in ids if subjects[c] in train_subjects], "xsub_val": val}
    _write(out / "poses.pkl", dump_pyskl(build_pyskl(samples, split)), report)
    report.clips = len(samples)


def export_labels(
    project: Project,
    out: Path,
    fmt: str,
    *,
    train_subjects: set[str] | None = None,
    val_subjects: set[str] | None = None,
) -> ExportReport:
    """Write the project's clips in ``fmt`` (one of :data:`FORMATS`) under ``out``."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r} (one of {', '.join(FORMATS)})")
    out = Path(out)
    rows = project_rows(project)
    report = ExportReport(clips=len(rows))
    if fmt == "imigue":
        _write(out / "labels.csv", write_imigue_csv(rows), report)
    elif fmt == "miga":
        for name, text in write_miga_labels(rows).items():
            _write(out / name, text, report)
    elif fmt == "eaf":
        export_eaf(project, rows, out, report)
    else:
        export_pyskl(
            project, rows, out, report, train_subjects=train_subjects, val_subjects=val_subjects
        )
    return report
