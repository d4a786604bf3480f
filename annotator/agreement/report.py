"""The JSON report of one agreement computation: what AgreementRun stores, what
`manage.py reliability --json` prints and what the dashboard draws. Keys: docs/agreement.md.

Pure (no Django): it turns a `ProjectAgreement` into plain dicts and lists.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from itertools import chain
from typing import Any

from .core import THETA_GRID
from .kappa import pooled_frame_kappa
from .pooling import ProjectAgreement, boundary_deltas, r_curve, r_per_category


def rounded(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def pair_rows(agreement: ProjectAgreement) -> list[dict[str, Any]]:
    """R_pair of every labeler pair, as the report and its exports list them."""
    return [
        {
            "labeler_i": p.labeler_i,
            "labeler_j": p.labeler_j,
            "videos": p.videos,
            "m": p.m,
            "n_i": p.n_i,
            "n_j": p.n_j,
            "r": rounded(p.r),
        }
        for p in agreement.pairs
    ]


def _counts(counts: Mapping) -> dict[str, int]:
    return {str(kind): n for kind, n in counts.items()}


def _stats(stats) -> dict[str, Any]:
    return {
        "count": stats.count,
        "mean": rounded(stats.mean, 3),
        "median": stats.median,
        "mean_abs": rounded(stats.mean_abs, 3),
        "median_abs": stats.median_abs,
    }


def project_report(
    agreement: ProjectAgreement,
    *,
    video_names: Mapping[Hashable, str] | None = None,
    num_frames: Mapping[Hashable, int] | None = None,
    category_names: Mapping[Hashable, str] | None = None,
) -> dict[str, Any]:
    """Every figure of docs/design.md §6 for one project, ready to store as JSON.

    `video_names` maps the video keys used in `agreement` to what people call them (external
    ids); `num_frames` enables frame-level κ (videos without a frame count are left out of it).
    """
    video_names = video_names or {}
    category_names = category_names or {}
    results = [v.result for v in agreement.videos]
    per_video = [
        {
            "video": video_names.get(v.video, str(v.video)),
            "video_key": v.video,
            "labeler_i": v.labeler_i,
            "labeler_j": v.labeler_j,
            "n_i": v.result.n_i,
            "n_j": v.result.n_j,
            "m": v.result.m,
            "r": rounded(v.result.r),
            "disagreements": _counts(v.result.disagreement_counts()),
        }
        for v in agreement.videos
    ]
    per_pair = pair_rows(agreement)
    per_category = [
        {
            "category": code,
            "name": category_names.get(code, ""),
            "m": pooled.m,
            "n_i": pooled.n_i,
            "n_j": pooled.n_j,
            "r": rounded(pooled.r),
        }
        for code, pooled in sorted(r_per_category(results).items())
    ]
    curve = r_curve([(r.segments_i, r.segments_j) for r in results], THETA_GRID)
    deltas = boundary_deltas(chain.from_iterable(r.matches for r in results))
    kappa = None
    if num_frames:
        kappa = pooled_frame_kappa(
            (v.result.segments_i, v.result.segments_j, num_frames[v.video])
            for v in agreement.videos
            if num_frames.get(v.video)
        )
    return {
        "theta": agreement.theta,
        "rule_version": agreement.rule_version,
        "r_avg": rounded(agreement.r_avg),
        "videos": len(per_video),
        "segments": sum(v["n_i"] + v["n_j"] for v in per_video),
        "matches": sum(v["m"] for v in per_video),
        "disagreements": _counts(agreement.disagreement_counts()),
        "per_pair": per_pair,
        "per_video": per_video,
        "per_category": per_category,
        "r_curve": [{"theta": p.theta, "m": p.m, "r": rounded(p.r)} for p in curve],
        "boundary_deltas": {
            "onset": _stats(deltas.onset),
            "offset": _stats(deltas.offset),
            "onsets": list(deltas.onsets),
            "offsets": list(deltas.offsets),
        },
        "frame_kappa": rounded(kappa),
    }
