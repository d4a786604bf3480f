"""A project's dataset release (issue 6, design §10): the Django side of :mod:`annotator.release`.

- :func:`eligible_clips` freezes what goes in: every clip processed with a passed privacy
  verification — or, for a labels-only project (all clips imported, none with a clip file), the
  imported clips. Anything else refuses the release with :class:`ReleaseError` listing the clips.
- :func:`build_spec` turns the models into the plain :class:`ReleaseSpec` (taxonomy, subjects,
  videos with emotion from win/lose, clips with their ids, both splits, reliability from the
  latest agreement run, processing and privacy summaries, software versions).
- :func:`export` writes it with :func:`annotator.release.write_release` (resumable) and
  validates it; :func:`create_release` makes the Release row and its job (POST → 202), the job
  handler (``pipeline.release_handlers``) and ``manage.py export_release`` both end in
  :func:`write_release_row`.

Determinism: the tar's mtime is ``SOURCE_DATE_EPOCH`` when set, else the latest clip timestamp
(processed or created) of the frozen clips — a function of the project's state, never "now" —
and it is frozen in the release's config.
"""

from __future__ import annotations

import os
import platform
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotator.models import Clip, Project, Release, Video
from annotator.release import (
    ReleaseSpec,
    WrittenRelease,
    assign_clip_ids,
    cross_subject_from_lists,
    emotion_from_lists,
    generate_cross_subject,
    generate_emotion,
    parse_protocol,
    validate_release,
    write_release,
)
from annotator.release.splits import DEFAULT_EMOTION_TEST_FRACTION, DEFAULT_TEST_FRACTION

__all__ = [
    "JOB_KIND",
    "Eligible",
    "ReleaseError",
    "SplitOptions",
    "build_spec",
    "create_release",
    "eligible_clips",
    "export",
    "release_json",
    "releases_root",
    "write_release_row",
]

JOB_KIND = "release"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,79}$")
UNKNOWN_SUBJECT = "unknown"
_LIST_LIMIT = 50  # clips named in a refusal; the count is always given


class ReleaseError(ValueError):
    """The project cannot be released as asked; ``clips`` are the clips at fault (if any)."""

    def __init__(self, message: str, clips: Sequence[Clip] = ()):
        super().__init__(message)
        self.clips = list(clips)


def releases_root() -> Path:
    return Path(settings.MEDIA_ROOT) / "releases"


# --- what goes in -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligible:
    clips: list[Clip]
    labels_only: bool


def _verified(clip: Clip) -> bool:
    return bool(clip.privacy) and clip.privacy.get("passed") is True


def _describe(clip: Clip) -> str:
    return (f"clip {clip.pk} (video {clip.video.external_id} [{clip.start_frame}, "
            f"{clip.end_frame}] C{clip.category.code})")  # fmt: skip


def _problem(clip: Clip) -> str | None:
    if clip.privacy and clip.privacy.get("passed") is False:
        reasons = "; ".join(clip.privacy.get("problems") or []) or "no reason recorded"
        return f"failed privacy verification: {reasons}"
    if clip.status != Clip.Status.PROCESSED:
        why = f": {clip.error}" if clip.error else ""
        return f"not processed (status {clip.status}){why}"
    if not _verified(clip):
        return "processed but its privacy verification is missing"
    if not clip.clip_file or not (Path(settings.MEDIA_ROOT) / clip.clip_file).is_file():
        return "processed but its clip file is missing"
    if clip.pose_file and not (Path(settings.MEDIA_ROOT) / clip.pose_file).is_file():
        return "its pose file is missing"
    return None


def _clips_of(project: Project, pks: Iterable[int] | None = None):
    qs = Clip.objects.filter(project=project)
    if pks is not None:
        qs = qs.filter(pk__in=list(pks))
    return list(qs.select_related("video__subject", "category")
                .order_by("video_id", "start_frame", "end_frame", "pk"))  # fmt: skip


def eligible_clips(project: Project, pks: Iterable[int] | None = None) -> Eligible:
    """The clips a release of ``project`` holds now (``pks``: only those, e.g. a frozen set).

    Every clip must be processed with a passed privacy verification and its files present;
    otherwise :class:`ReleaseError` lists each clip at fault with the reason. A project whose
    clips are all imported without clip files is released labels-only (poses where imported).
    """
    clips = _clips_of(project, pks)
    if not clips:
        raise ReleaseError(f"project {project.name} has no clips to release")
    if all(c.origin == Clip.Origin.IMPORTED and not c.clip_file for c in clips):
        missing = [c for c in clips
                   if c.pose_file and not (Path(settings.MEDIA_ROOT) / c.pose_file).is_file()]
        if missing:
            raise ReleaseError(_listing("pose files are missing for", missing,
                                        lambda c: "its pose file is missing"), missing)
        return Eligible(clips, True)
    bad = [(c, p) for c in clips if (p := _problem(c))]
    if bad:
        failed = sum(1 for c, _ in bad if c.privacy and c.privacy.get("passed") is False)
        head = (f"{len(bad)} of {len(clips)} clips of project {project.name} cannot be released "
                f"({failed} failed privacy verification); process or fix them first:")
        reasons = dict(bad)
        raise ReleaseError(_listing(head, [c for c, _ in bad], reasons.__getitem__),
                           [c for c, _ in bad])  # fmt: skip
    return Eligible(clips, False)


def _listing(head: str, clips: Sequence[Clip], reason: Callable[[Clip], str]) -> str:
    lines = [head] + [f"  {_describe(c)}: {reason(c)}" for c in clips[:_LIST_LIMIT]]
    if len(clips) > _LIST_LIMIT:
        lines.append(f"  … and {len(clips) - _LIST_LIMIT} more")
    return "\n".join(lines)


# --- the plain description ------------------------------------------------------------------


@dataclass(frozen=True)
class SplitOptions:
    """Where the splits come from: the protocol's text (iMiGUE's evaluation-protocol.txt), given
    id lists, or generated with ``seed`` (the default for whatever is not given)."""

    protocol_text: str | None = None
    train_subjects: Sequence[Any] | None = None
    test_subjects: Sequence[Any] | None = None
    train_videos: Sequence[Any] | None = None
    test_videos: Sequence[Any] | None = None
    seed: int = 0
    test_fraction: float = DEFAULT_TEST_FRACTION
    emotion_test_fraction: float = DEFAULT_EMOTION_TEST_FRACTION

    def to_json(self) -> dict[str, Any]:
        return {k: (list(v) if isinstance(v, tuple) else v)
                for k, v in self.__dict__.items() if v is not None}  # fmt: skip

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SplitOptions:
        return cls(**(data or {}))


def _video_numbers(videos: Iterable[Video]) -> tuple[dict[int, int], str]:
    """Release video ids: the dataset's numeric ids (iMiGUE's) when every video has one, else
    the database ids (a free-text id could carry a file name; design §8)."""
    videos = list(videos)
    ext = [v.external_id.strip() for v in videos]
    if all(e.isdigit() for e in ext) and len({int(e) for e in ext}) == len(ext):
        return {v.pk: int(e) for v, e in zip(videos, ext, strict=True)}, "external_id"
    return {v.pk: v.pk for v in videos}, "database_id"


def _clip_ids(rows: list[dict[str, Any]], clips: Sequence[Clip]) -> None:
    """Imported clips keep k = label_id − 1 (MiGA's ids) when a video's label ids are exactly
    1..n; every other video is numbered in time order (design §10)."""
    by_video: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_video[row["video_id"]].append(i)
    for video, idx in by_video.items():
        labels = [clips[i].provenance.get("label_id") for i in idx]
        if (all(clips[i].origin == Clip.Origin.IMPORTED for i in idx)
                and all(isinstance(x, int) for x in labels)
                and sorted(labels) == list(range(1, len(idx) + 1))):  # fmt: skip
            for i, label in zip(idx, labels, strict=True):
                rows[i]["clip_id"] = f"{video:04d}_{label - 1}"
        else:
            for i, cid in zip(idx, assign_clip_ids([rows[i] for i in idx]), strict=True):
                rows[i]["clip_id"] = cid


def _taxonomy(project: Project) -> dict[str, Any]:
    cats = list(project.categories.order_by("label_index", "code"))
    groups: list[str] = []
    for c in cats:
        if c.group not in groups:
            groups.append(c.group)
    return {"name": project.taxonomy_name, "groups": groups,
            "categories": [{"code": c.code, "name": c.name, "group": c.group,
                            "hotkey": c.hotkey, "description": c.description,
                            "label_index": c.label_index} for c in cats]}  # fmt: skip


def _reliability(project: Project) -> tuple[float | None, dict[str, Any] | None]:
    from annotator.services.agreement import latest_run

    run = latest_run(project)
    if run is None:
        return project.theta, None
    pairs = run.per_pair or []
    labelers = sorted({str(p[k]) for p in pairs for k in ("labeler_i", "labeler_j")})
    index = {name: i for i, name in enumerate(labelers)}
    matrix: list[list[float | None]] = [[None] * len(labelers) for _ in labelers]
    for p in pairs:
        i, j = index[str(p["labeler_i"])], index[str(p["labeler_j"])]
        matrix[i][j] = matrix[j][i] = p.get("r")
    return run.theta, {"labelers": labelers, "r_matrix": matrix, "r_avg": run.r_avg,
                       "rule_version": run.rule_version,
                       "videos": (run.summary or {}).get("videos")}  # fmt: skip


def _sorted_set(values: Iterable[Any]) -> list[Any]:
    return sorted({v for v in values if v not in (None, "")}, key=str)


def _processing(clips: Sequence[Clip], labels_only: bool) -> dict[str, Any]:
    layouts = _sorted_set(c.pose_layout for c in clips)
    if labels_only:
        return {"source": "imported labels (no video processing)", "pose_layouts": layouts,
                "pose_source": _sorted_set((c.provenance.get("poses") or {}).get("source")
                                           for c in clips)}  # fmt: skip
    privacy = [c.privacy for c in clips]
    return {
        "face_blur_detector": _sorted_set(p.get("blur_detector") for p in privacy)
        or settings.FACE_BLUR_DETECTOR,
        "face_blur_threshold": _sorted_set(p.get("blur_threshold") for p in privacy)
        or settings.FACE_BLUR_THRESHOLD,
        "face_verify_detector": _sorted_set(p.get("verifier") for p in privacy)
        or settings.FACE_VERIFY_DETECTOR,
        "face_verify_threshold": _sorted_set(p.get("verifier_threshold") for p in privacy)
        or settings.FACE_VERIFY_THRESHOLD,
        "pose_checkpoint": settings.POSE_CHECKPOINT or "(default)",
        "pose_long_edge": settings.POSE_LONG_EDGE,
        "pose_layouts": layouts,
    }


def _privacy(clips: Sequence[Clip], labels_only: bool) -> dict[str, Any]:
    if labels_only:
        return {"video_clips": 0, "note": "labels-only release: no video frames are released"}
    privacy = [c.privacy for c in clips]
    return {
        "clips_verified": sum(1 for p in privacy if p.get("passed") is True),
        "clips": len(clips),
        "frames_verified": sum(int(p.get("frames_processed") or 0) for p in privacy),
        "faces_redetected_after_blur": sum(int(p.get("redetections") or 0) for p in privacy),
        "audio_streams": sum(int(p.get("audio_streams") or 0) for p in privacy),
    }


def _software() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for dist in ("mgstudio", "django", "numpy", "matplotlib"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    out.setdefault("mgstudio", "0.1.0")
    return out


def _skeleton(layouts: Iterable[str]) -> dict[str, Any]:
    from baselines.skeleton import skeleton_json

    known = skeleton_json()
    used = {"imigue22", *layouts}
    return {name: known[name] for name in sorted(used) if name in known}


def _with_given(split, train: Iterable[Any] | None, test: Iterable[Any] | None):
    """Keep the lists as given (before dropping absent subjects) in the split's config."""
    from dataclasses import replace

    config = {**split.config, "given_train_subject_ids": [str(x) for x in train or []],
              "given_test_subject_ids": [str(x) for x in test or []]}  # fmt: skip
    return replace(split, config=config)


def source_date_epoch(clips: Sequence[Clip]) -> int:
    """The release's fixed mtime: ``SOURCE_DATE_EPOCH``, else the latest clip timestamp."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    stamps = [c.processed_at or c.created_at for c in clips]
    return int(max(s for s in stamps if s).timestamp()) if any(stamps) else 0


def build_spec(project: Project, name: str, version: str, *, eligible: Eligible | None = None,
               splits: SplitOptions | None = None, licence: str = "",
               mtime: int | None = None) -> tuple[ReleaseSpec, dict[str, Path], dict[str, Path]]:
    """The release's :class:`ReleaseSpec`, and the clip/pose source files by clip id."""
    if not NAME_RE.match(name) or not NAME_RE.match(version):
        raise ReleaseError("name and version must be 1..80 of A-Z a-z 0-9 . _ - "
                           f"(got {name!r}, {version!r})")
    eligible = eligible or eligible_clips(project)
    splits = splits or SplitOptions()
    clips = eligible.clips
    videos = sorted({c.video_id: c.video for c in clips}.values(), key=lambda v: v.pk)
    numbers, id_source = _video_numbers(videos)

    no_emotion = [v for v in videos if v.match_result not in ("win", "lose")]
    if no_emotion:
        raise ReleaseError("videos without win/lose (the release's emotion column): "
                           + ", ".join(v.external_id or str(v.pk) for v in no_emotion[:50]))

    def subject_of(video: Video) -> str:
        return video.subject.subject_id if video.subject else UNKNOWN_SUBJECT

    subjects: dict[str, dict[str, Any]] = {}
    for v in videos:
        s = v.subject
        subjects[subject_of(v)] = {"subject_id": subject_of(v),
                                   "gender": s.gender if s else "",
                                   "nationality": s.nationality if s else ""}  # fmt: skip
    last_end: dict[int, int] = defaultdict(int)
    for c in clips:
        last_end[c.video_id] = max(last_end[c.video_id], c.end_frame)
    video_rows = [{"video_id": numbers[v.pk], "subject_id": subject_of(v),
                   "fps": float(v.fps or 25.0),
                   "num_frames": int(v.num_frames or last_end[v.pk] + 1),
                   "width": int(v.width or 0), "height": int(v.height or 0),
                   "emotion": v.emotion} for v in videos]  # fmt: skip
    rows = [{"video_id": numbers[c.video_id], "subject_id": subject_of(c.video),
             "category_code": c.category.code, "label": c.category.label_index,
             "start_frame": c.start_frame, "end_frame": c.end_frame,
             "num_frames": c.end_frame - c.start_frame + 1, "origin": c.origin}
            for c in clips]  # fmt: skip
    _clip_ids(rows, clips)

    categories = list(project.categories.values_list("code", flat=True))
    present = {str(r["subject_id"]) for r in rows}

    def here(ids: Iterable[Any] | None) -> list[Any]:
        # A given list (e.g. the whole iMiGUE protocol) may name subjects this release lacks;
        # the split holds only those present (the config keeps the lists as given).
        return [i for i in ids or [] if str(i) in present]

    if splits.protocol_text:
        try:
            lists = parse_protocol(splits.protocol_text)
        except ValueError as exc:
            raise ReleaseError(f"protocol: {exc}") from exc
        cross = cross_subject_from_lists(rows, here(lists.train_subjects),
                                         here(lists.test_subjects), categories, source="protocol")
        cross = _with_given(cross, lists.train_subjects, lists.test_subjects)
        emotion = emotion_from_lists(video_rows, lists.train_videos, lists.test_videos,
                                     source="protocol")
    else:
        try:
            if splits.train_subjects is not None or splits.test_subjects is not None:
                cross = cross_subject_from_lists(rows, here(splits.train_subjects),
                                                 here(splits.test_subjects), categories)
                cross = _with_given(cross, splits.train_subjects, splits.test_subjects)
            else:
                cross = generate_cross_subject(rows, splits.test_fraction, splits.seed,
                                               categories)
            if splits.train_videos is not None or splits.test_videos is not None:
                emotion = emotion_from_lists(video_rows, splits.train_videos or [],
                                             splits.test_videos or [])
            else:
                emotion = generate_emotion(video_rows, splits.emotion_test_fraction, splits.seed)
        except ValueError as exc:
            raise ReleaseError(f"splits: {exc}") from exc

    if mtime is None:
        mtime = source_date_epoch(clips)
    theta, reliability = _reliability(project)
    clip_files: dict[str, Path] = {}
    pose_files: dict[str, Path] = {}
    media = Path(settings.MEDIA_ROOT)
    for c, row in zip(clips, rows, strict=True):
        if c.clip_file and not eligible.labels_only:
            clip_files[row["clip_id"]] = media / c.clip_file
        if c.pose_file:
            pose_files[row["clip_id"]] = media / c.pose_file
    spec = ReleaseSpec(
        name=name, version=version, taxonomy=_taxonomy(project),
        subjects=list(subjects.values()), videos=video_rows, clips=rows,
        cross_subject=cross, emotion=emotion, theta=theta, reliability=reliability,
        processing=_processing(clips, eligible.labels_only),
        privacy=_privacy(clips, eligible.labels_only), software=_software(),
        config={"splits": splits.to_json(), "video_ids": id_source, "source_date_epoch": mtime,
                "clips": len(rows)},
        licence=licence, labels_only=eligible.labels_only,
        skeleton=_skeleton(c.pose_layout for c in clips if c.pose_file),
    )  # fmt: skip
    return spec, clip_files, pose_files


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


def export(project: Project, out_dir: str | Path, name: str, version: str, *,
           splits: SplitOptions | None = None, licence: str = "", clip_pks=None,
           mtime: int | None = None, validate: bool = True,
           progress: Callable[[int, int], None] | None = None) -> Exported:
    """Freeze, describe and write ``<out_dir>/<name>-<version>/`` + ``.tar`` (+ ``.sha256``);
    rerunning resumes (files already copied with the right sha256 are kept)."""
    eligible = eligible_clips(project, clip_pks)
    spec, clip_files, pose_files = build_spec(project, name, version, eligible=eligible,
                                              splits=splits, licence=licence, mtime=mtime)
    written = write_release(spec, out_dir, clip_files=clip_files, pose_files=pose_files,
                            source_sha256=_recorded_sha256(eligible.clips),
                            mtime=int(spec.config["source_date_epoch"]), progress=progress)
    problems = [str(p) for p in validate_release(written.folder)] if validate else []
    return Exported(written, spec, eligible, problems)


def _stored(path: Path) -> str:
    """Relative to MEDIA_ROOT when under it (servable), else absolute."""
    try:
        return path.resolve().relative_to(Path(settings.MEDIA_ROOT).resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def write_release_row(release: Release, out_dir: str | Path | None = None,
                      progress: Callable[[int, int], None] | None = None) -> Exported:
    """Write ``release`` from its frozen config and clip set; record the result on the row."""
    config = release.config or {}
    out = Path(out_dir) if out_dir else releases_root() / str(release.project_id)
    Release.objects.filter(pk=release.pk).update(status=Release.Status.WRITING, error="")
    pks = list(release.clips.values_list("pk", flat=True)) or None
    result = export(release.project, out, release.name, release.version,
                    splits=SplitOptions.from_json(config.get("splits")),
                    licence=config.get("licence", ""), clip_pks=pks,
                    mtime=config.get("source_date_epoch"), progress=progress)
    w, counts = result.written, result.written.manifest["counts"]
    release.path, release.tar_file = _stored(w.folder), _stored(w.tar)
    release.sha256 = w.tar_sha256
    release.manifest_sha256 = _sha256_of(w.folder / "manifest.json")
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


def _sha256_of(path: Path) -> str:
    from annotator.release.writer import sha256_file

    return sha256_file(path)


def create_release(project: Project, name: str, version: str, *, splits: SplitOptions | None = None,
                   licence: str = "", user=None) -> Release:
    """Freeze the clip set and the config now (refusing as :func:`eligible_clips` does), and
    queue the writing job. The row's ``job`` is the job to poll."""
    from pipeline import jobs

    splits = splits or SplitOptions()
    eligible = eligible_clips(project)
    # Build once now so bad splits or metadata refuse the request instead of failing the job.
    spec, _, _ = build_spec(project, name, version, eligible=eligible, splits=splits,
                            licence=licence)
    with transaction.atomic():
        existing = Release.objects.filter(project=project, name=name, version=version).first()
        if existing is not None and existing.status != Release.Status.FAILED:
            raise ReleaseError(f"release {name}-{version} already exists ({existing.status})")
        release = existing or Release(project=project, name=name, version=version)
        release.config = {"splits": splits.to_json(), "licence": licence,
                          "source_date_epoch": spec.config["source_date_epoch"]}  # fmt: skip
        release.status, release.error, release.validation = Release.Status.PENDING, "", None
        release.save()
        release.clips.set(eligible.clips)
        job = jobs.enqueue(JOB_KIND, project=project, params={"release": release.pk}, user=user)
        release.job = job
        release.save(update_fields=["job"])
    return release


def release_json(release: Release) -> dict[str, Any]:
    job = release.job
    return {
        "id": release.pk, "project": release.project_id, "name": release.name,
        "version": release.version, "status": release.status, "labels_only": release.labels_only,
        "clips": release.clip_count, "poses": release.pose_count, "videos": release.video_count,
        "subjects": release.subject_count, "sha256": release.sha256,
        "manifest_sha256": release.manifest_sha256,
        "tar": Path(release.tar_file).name if release.tar_file else "",
        "download": (f"/api/releases/{release.pk}/download/"
                     if release.tar_file and not Path(release.tar_file).is_absolute() else ""),
        "validation": release.validation, "valid": (None if release.validation is None
                                                    else not release.validation),
        "error": release.error, "config": release.config,
        "job": job.pk if job else None, "job_state": job.state if job else None,
        "progress": job.progress if job else None,
        "created_at": release.created_at.isoformat(),
        "finished_at": release.finished_at.isoformat() if release.finished_at else None,
    }  # fmt: skip
