"""A project's release described as plain data: :func:`build_spec` turns the models into the
:class:`annotator.release.ReleaseSpec` (taxonomy, subjects, videos with emotion from win/lose,
clips with their ids, both splits, reliability from the latest agreement run, processing and
privacy summaries, software versions).

Determinism: the tar's mtime is ``SOURCE_DATE_EPOCH`` when set, else the latest clip timestamp
(processed or created) of the frozen clips — a function of the project's state, never "now" —
and it is frozen in the release's config.
"""

from __future__ import annotations

import os
import platform
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

from django.conf import settings

from annotator.models import Clip, Project, Video
from annotator.release import (
    ReleaseSpec,
    assign_clip_ids,
    cross_subject_from_lists,
    emotion_from_lists,
    generate_cross_subject,
    generate_emotion,
    parse_protocol,
)
from annotator.release.processing import clip_stage_settings
from annotator.release.splits import DEFAULT_EMOTION_TEST_FRACTION, DEFAULT_TEST_FRACTION

from .release_clips import NAME_RE, UNKNOWN_SUBJECT, Eligible, ReleaseError, eligible_clips
from .release_ids import assign_release_numbers

__all__ = ["SplitOptions", "build_spec", "source_date_epoch"]


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
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if v is not None
        }

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> SplitOptions:
        return cls(**(data or {}))


def _clip_ids(rows: list[dict[str, Any]], clips: Sequence[Clip]) -> None:
    """Imported clips keep k = label_id − 1 (MiGA's ids) when a video's label ids are exactly
    1..n; every other video is numbered in time order (docs/design.md §10)."""
    by_video: dict[int, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        by_video[row["video_id"]].append(i)
    for video, idx in by_video.items():
        labels = [clips[i].provenance.get("label_id") for i in idx]
        if (
            all(clips[i].origin == Clip.Origin.IMPORTED for i in idx)
            and all(isinstance(x, int) for x in labels)
            and sorted(labels) == list(range(1, len(idx) + 1))
        ):
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
    return {
        "name": project.taxonomy_name,
        "groups": groups,
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "group": c.group,
                "hotkey": c.hotkey,
                "description": c.description,
                "label_index": c.label_index,
            }
            for c in cats
        ],
    }


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
    return run.theta, {
        "labelers": labelers,
        "r_matrix": matrix,
        "r_avg": run.r_avg,
        "rule_version": run.rule_version,
        "videos": (run.summary or {}).get("videos"),
    }


def _sorted_set(values: Iterable[Any]) -> list[Any]:
    return sorted({v for v in values if v not in (None, "")}, key=str)


def _processing(project: Project, clips: Sequence[Clip], labels_only: bool) -> dict[str, Any]:
    """The datasheet's summary. How each clip was processed is in ``clip_settings``, read from
    what was stored with the clip, never from this process's settings."""
    layouts = _sorted_set(c.pose_layout for c in clips if c.pose_file)
    if labels_only:
        return {
            "source": "imported labels (no video processing)",
            "pose_layouts": layouts,
            # How many clips have imported skeletons, never the files' names: a file is named
            # after the project's own video id, which a release must not carry.
            "imported_poses": sum(1 for c in clips if (c.provenance.get("poses") or {})),
        }
    with_poses = sum(1 for c in clips if c.pose_file)
    summary: dict[str, Any] = {
        "source": "clips cut, blurred and verified by MG Studio",
        "clips_with_poses": f"{with_poses} of {len(clips)}",
        "pose_layouts": layouts,
    }
    if not with_poses:
        summary["poses"] = (
            "the project is processed without pose extraction"
            if not project.extract_poses
            else "no clip has a pose file"
        )
    return summary


def _clip_settings(
    clips: Sequence[Clip], rows: Sequence[dict[str, Any]], labels_only: bool
) -> dict[str, dict[str, Any]]:
    if labels_only:
        return {}
    return {
        row["clip_id"]: clip_stage_settings(c.privacy, c.pose_settings, bool(c.pose_file))
        for c, row in zip(clips, rows, strict=True)
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

    config = {
        **split.config,
        "given_train_subject_ids": [str(x) for x in train or []],
        "given_test_subject_ids": [str(x) for x in test or []],
    }
    return replace(split, config=config)


def source_date_epoch(clips: Sequence[Clip]) -> int:
    """The release's fixed mtime: ``SOURCE_DATE_EPOCH``, else the latest clip timestamp."""
    env = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if env.isdigit():
        return int(env)
    stamps = [c.processed_at or c.created_at for c in clips]
    return int(max(s for s in stamps if s).timestamp()) if any(stamps) else 0


def build_spec(
    project: Project,
    name: str,
    version: str,
    *,
    eligible: Eligible | None = None,
    splits: SplitOptions | None = None,
    licence: str = "",
    mtime: int | None = None,
) -> tuple[ReleaseSpec, dict[str, Path], dict[str, Path]]:
    """The release's :class:`ReleaseSpec`, and the clip/pose source files by clip id."""
    if not NAME_RE.match(name) or not NAME_RE.match(version):
        raise ReleaseError(
            f"name and version must be 1..80 of A-Z a-z 0-9 . _ - (got {name!r}, {version!r})",
            code="bad_release_name",
        )
    eligible = eligible or eligible_clips(project)
    splits = splits or SplitOptions()
    clips = eligible.clips
    videos = sorted({c.video_id: c.video for c in clips}.values(), key=lambda v: v.pk)
    numbers = assign_release_numbers(project, videos)
    # Video ids given in a protocol or a request are the project's own; the release's are the
    # numbers (the same for videos named by a free number).
    by_external = {v.external_id.strip(): numbers[v.pk] for v in videos}

    def given_videos(ids: Iterable[Any] | None) -> list[Any]:
        return [by_external.get(str(i).strip(), i) for i in ids or []]

    no_emotion = [v for v in videos if v.match_result not in ("win", "lose")]
    if no_emotion:
        raise ReleaseError(
            "videos without win/lose (the release's emotion column): "
            + ", ".join(v.external_id or str(v.pk) for v in no_emotion[:50]),
            code="videos_without_emotion",
        )

    def subject_of(video: Video) -> str:
        return video.subject.subject_id if video.subject else UNKNOWN_SUBJECT

    subjects: dict[str, dict[str, Any]] = {}
    for v in videos:
        s = v.subject
        subjects[subject_of(v)] = {
            "subject_id": subject_of(v),
            "gender": s.gender if s else "",
            "nationality": s.nationality if s else "",
        }
    last_end: dict[int, int] = defaultdict(int)
    for c in clips:
        last_end[c.video_id] = max(last_end[c.video_id], c.end_frame)
    video_rows = [
        {
            "video_id": numbers[v.pk],
            "subject_id": subject_of(v),
            "fps": float(v.fps or 25.0),
            "num_frames": int(v.num_frames or last_end[v.pk] + 1),
            "width": int(v.width or 0),
            "height": int(v.height or 0),
            "emotion": v.emotion,
        }
        for v in videos
    ]
    rows = [
        {
            "video_id": numbers[c.video_id],
            "subject_id": subject_of(c.video),
            "category_code": c.category.code,
            "label": c.category.label_index,
            "start_frame": c.start_frame,
            "end_frame": c.end_frame,
            "num_frames": c.end_frame - c.start_frame + 1,
            "origin": c.origin,
        }
        for c in clips
    ]
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
            raise ReleaseError(f"protocol: {exc}", code="bad_protocol") from exc
        cross = cross_subject_from_lists(
            rows,
            here(lists.train_subjects),
            here(lists.test_subjects),
            categories,
            source="protocol",
        )
        cross = _with_given(cross, lists.train_subjects, lists.test_subjects)
        emotion = emotion_from_lists(
            video_rows,
            given_videos(lists.train_videos),
            given_videos(lists.test_videos),
            source="protocol",
        )
    else:
        try:
            if splits.train_subjects is not None or splits.test_subjects is not None:
                cross = cross_subject_from_lists(
                    rows, here(splits.train_subjects), here(splits.test_subjects), categories
                )
                cross = _with_given(cross, splits.train_subjects, splits.test_subjects)
            else:
                cross = generate_cross_subject(rows, splits.test_fraction, splits.seed, categories)
            if splits.train_videos is not None or splits.test_videos is not None:
                emotion = emotion_from_lists(
                    video_rows, given_videos(splits.train_videos), given_videos(splits.test_videos)
                )
            else:
                emotion = generate_emotion(video_rows, splits.emotion_test_fraction, splits.seed)
        except ValueError as exc:
            raise ReleaseError(f"splits: {exc}", code="bad_splits") from exc

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
        name=name,
        version=version,
        taxonomy=_taxonomy(project),
        subjects=list(subjects.values()),
        videos=video_rows,
        clips=rows,
        cross_subject=cross,
        emotion=emotion,
        theta=theta,
        reliability=reliability,
        processing=_processing(project, clips, eligible.labels_only),
        privacy=_privacy(clips, eligible.labels_only),
        software=_software(),
        config={
            "splits": splits.to_json(),
            "video_ids": "release_numbers",
            "source_date_epoch": mtime,
            "clips": len(rows),
        },
        licence=licence,
        labels_only=eligible.labels_only,
        skeleton=_skeleton(c.pose_layout for c in clips if c.pose_file),
        clip_settings=_clip_settings(clips, rows, eligible.labels_only),
    )
    return spec, clip_files, pose_files
