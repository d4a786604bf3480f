"""The release's plain description (:class:`ReleaseSpec`), its datasheet and class counts.

Pure (no Django). :func:`render_datasheet` writes the ``README.md`` of a release from the same
plain data the writer serialises, so the numbers in the text are the numbers in the files. The
chart drawn from :func:`class_distribution` lives in :mod:`.chart`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .processing import settings_groups

__all__ = [
    "ClassRow",
    "ReleaseSpec",
    "class_distribution",
    "render_datasheet",
    "split_json",
]


@dataclass(frozen=True)
class ReleaseSpec:
    """Everything a release holds, as plain data (rows are the CSV rows, splits the JSON).

    ``taxonomy`` is :meth:`annotator.taxonomy.Taxonomy.to_json` (or any mapping with
    ``categories``: ``code``, ``name``, ``group``, ``label_index``/``label``). ``reliability`` is
    ``{"labelers": [...], "r_matrix": [[...]], "r_avg": x}`` (the matrix indexed like
    ``labelers``; ``None`` cells for pairs with no shared video). ``cross_subject`` and
    ``emotion`` are split objects from :mod:`annotator.release.splits` or their ``to_json()``.
    ``skeleton`` maps a layout name to ``{"joints": [...], "edges": [[i, j], ...]}``.
    ``clip_settings`` maps a clip id to :func:`.processing.clip_stage_settings`: how the clip was
    processed, as stored with it; ``processing`` is a summary for the datasheet (its ``poses``
    entry says why a release without poses has none).
    """

    name: str
    version: str
    taxonomy: Mapping[str, Any]
    subjects: Sequence[Mapping[str, Any]]
    videos: Sequence[Mapping[str, Any]]
    clips: Sequence[Mapping[str, Any]]
    cross_subject: Any
    emotion: Any
    theta: float | None = None
    reliability: Mapping[str, Any] | None = None
    processing: Mapping[str, Any] = field(default_factory=dict)
    privacy: Mapping[str, Any] = field(default_factory=dict)
    software: Mapping[str, str] = field(default_factory=dict)
    config: Mapping[str, Any] = field(default_factory=dict)
    licence: str = ""
    labels_only: bool = False
    skeleton: Mapping[str, Any] = field(default_factory=dict)
    # clip id → stage → the settings stored with the clip (annotator.release.processing).
    clip_settings: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def folder_name(self) -> str:
        return f"{self.name}-{self.version}"


def split_json(split: Any) -> dict[str, Any]:
    """A split object's JSON (``to_json()``), or the mapping itself."""
    return dict(split.to_json() if hasattr(split, "to_json") else split)


def _side_ids(split: Mapping[str, Any], side: str, key: str) -> list[Any]:
    part = split.get(side)
    if isinstance(part, Mapping):
        return list(part.get(key, []))
    return list(split.get(f"{side}_{key}", []))


@dataclass(frozen=True)
class ClassRow:
    label: int
    code: str
    name: str
    group: str
    clips: int
    train: int
    test: int


def _categories(taxonomy: Mapping[str, Any]) -> list[dict[str, Any]]:
    cats = []
    for i, c in enumerate(taxonomy.get("categories", [])):
        label = c.get("label_index", c.get("label", i))
        cats.append(
            {
                "label": int(label),
                "code": str(c.get("code", label)),
                "name": str(c.get("name", "")),
                "group": str(c.get("group", "")),
            }
        )
    return sorted(cats, key=lambda c: c["label"])


def class_distribution(
    taxonomy: Mapping[str, Any], clips: Sequence[Mapping[str, Any]], cross_subject: Any = None
) -> list[ClassRow]:
    """Clips per category (in label order), and per side of the cross-subject split."""
    total = Counter(str(c["category_code"]) for c in clips)
    side_of: dict[str, str] = {}
    if cross_subject is not None:
        split = split_json(cross_subject)
        for side in ("train", "test"):
            for cid in _side_ids(split, side, "clip_ids"):
                side_of[str(cid)] = side
    per_side = {"train": Counter(), "test": Counter()}
    for c in clips:
        side = side_of.get(str(c["clip_id"]))
        if side:
            per_side[side][str(c["category_code"])] += 1
    rows = [
        ClassRow(
            c["label"],
            c["code"],
            c["name"],
            c["group"],
            total[c["code"]],
            per_side["train"][c["code"]],
            per_side["test"][c["code"]],
        )
        for c in _categories(taxonomy)
    ]
    known = {r.code for r in rows}
    for code in sorted(set(total) - known):  # codes outside the taxonomy: still counted
        rows.append(
            ClassRow(-1, code, "", "", total[code], per_side["train"][code], per_side["test"][code])
        )
    return rows


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}: {_fmt(v)}" for k, v in sorted(value.items()))
    if isinstance(value, list | tuple):
        return ", ".join(_fmt(v) for v in value)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _kv_table(items: Mapping[str, Any]) -> list[str]:
    if not items:
        return ["(not recorded)"]
    lines = ["| setting | value |", "| --- | --- |"]
    lines += [f"| {_fmt(k)} | {_fmt(v)} |" for k, v in sorted(items.items())]
    return lines


_STAGE_NAMES = {"face_blur": "face blur", "face_verification": "verification", "poses": "poses"}


def _stage_table(spec: ReleaseSpec) -> list[str]:
    """Each stage's settings as stored with the clips, one row per distinct set."""
    if not spec.clip_settings:
        return []
    lines = [
        "",
        "Settings each clip was processed with, as stored with the clip when it was processed "
        "(which clips are in each row: `stats/processing.json`):",
        "",
        "| stage | clips | settings |",
        "| --- | --- | --- |",
    ]
    for group in settings_groups(spec.clip_settings):
        settings = group["settings"]
        shown = (
            _fmt(settings)
            if settings
            else ("none" if group["stage"] == "poses" else "(not recorded)")
        )
        lines.append(f"| {_STAGE_NAMES[group['stage']]} | {group['clips']} | {shown} |")
    return lines


def render_datasheet(spec: ReleaseSpec, distribution: Sequence[ClassRow] | None = None) -> str:
    """The release's ``README.md``: counts, per-class table, splits, reliability, processing,
    privacy, software, licence. Deterministic: every table is sorted. ``distribution`` is
    :func:`class_distribution` of the spec when the caller has it already."""
    cs = split_json(spec.cross_subject)
    emo = split_json(spec.emotion)
    rows = (
        distribution
        if distribution is not None
        else class_distribution(spec.taxonomy, spec.clips, cs)
    )
    title = f"# {spec.name} {spec.version}"
    out = [title, ""]
    if spec.labels_only:
        out += [
            "**Labels-only release**: no video clips (`clips/` is absent); poses are included "
            "where skeletons were available.",
            "",
        ]
    elif spec.clip_settings and not any(
        (s or {}).get("poses") for s in spec.clip_settings.values()
    ):
        why = spec.processing.get("poses") or "no clip has poses"
        out += [
            f"**No poses**: this release holds the clips and their labels ({why}); `poses/` is "
            "absent.",
            "",
        ]
    out += [
        "Micro-gesture dataset exported by MG Studio in release format v1.",
        "",
        "## Counts",
        "",
        f"- videos: {len(spec.videos)}",
        f"- subjects: {len(spec.subjects)}",
        f"- clips: {len(spec.clips)}",
        f"- categories: {len([r for r in rows if r.label >= 0])}",
        f"- labels-only: {'yes' if spec.labels_only else 'no'}",
        "",
        "![class distribution](stats/class_distribution.png)",
        "",
        "| label | code | name | group | clips | train | test |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    out += [
        f"| {r.label} | {_fmt(r.code)} | {_fmt(r.name)} | {_fmt(r.group)} | {r.clips} "
        f"| {r.train} | {r.test} |"
        for r in rows
    ]
    train_c, test_c = _side_ids(cs, "train", "clip_ids"), _side_ids(cs, "test", "clip_ids")
    train_s, test_s = _side_ids(cs, "train", "subject_ids"), _side_ids(cs, "test", "subject_ids")
    absent_train = [r.code for r in rows if r.clips and not r.train]
    absent_test = [r.code for r in rows if r.clips and not r.test]
    out += [
        "",
        "## Splits",
        "",
        "Cross-subject (MG classification; `splits/cross_subject.json`): "
        f"train {len(train_s)} subjects / {len(train_c)} clips, "
        f"test {len(test_s)} subjects / {len(test_c)} clips "
        f"({_fmt(cs.get('config', {}).get('method'))}).",
        "",
    ]
    if absent_train or absent_test:
        out += [
            f"Categories with clips but none in train: {_fmt(absent_train) or 'none'}; "
            f"none in test: {_fmt(absent_test) or 'none'}.",
            "",
        ]
    for side in ("train", "test"):
        part = emo.get(side, {}) if isinstance(emo.get(side), Mapping) else {}
        n = len(_side_ids(emo, side, "video_ids"))
        out.append(
            f"- emotion {side}: {n} videos ({part.get('positive', '?')} positive, "
            f"{part.get('negative', '?')} negative)"
        )
    out += ["", "## Reliability", ""]
    theta = spec.theta if spec.theta is not None else (spec.reliability or {}).get("theta")
    out.append(f"- θ (tIoU threshold): {_fmt(theta)}")
    rel = spec.reliability or {}
    out.append(f"- R_avg: {_fmt(rel.get('r_avg'))}")
    labelers = [str(x) for x in rel.get("labelers", [])]
    matrix = rel.get("r_matrix") or []
    if labelers and matrix:
        out += [
            "",
            "| R | " + " | ".join(_fmt(x) for x in labelers) + " |",
            "| --- |" + " --- |" * len(labelers),
        ]
        for name, row in zip(labelers, matrix, strict=False):
            out.append(f"| {_fmt(name)} | " + " | ".join(_fmt(v) for v in row) + " |")
    out += ["", "## Processing", ""] + _kv_table(spec.processing) + _stage_table(spec)
    out += ["", "## Privacy", ""] + _kv_table(spec.privacy)
    out += ["", "## Software", ""] + _kv_table(spec.software)
    out += ["", "## Licence", "", spec.licence or "(not set)", ""]
    return "\n".join(out)
