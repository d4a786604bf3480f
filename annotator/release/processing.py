"""How each clip of a release was processed, from what was stored with the clip (docs/design.md
§8-§10), never from the exporting process's settings. Pure (no Django).

Each clip has, per stage, the settings it was processed with: the face blur and the
verification from its privacy record, the poses from the settings the pose stage stored (None
when the clip has no poses). :func:`settings_groups` groups the clips by identical settings
per stage; the datasheet shows the groups with their counts, and ``stats/processing.json``
lists the clip ids of each, so that every clip's settings can be looked up.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

__all__ = ["STAGES", "clip_stage_settings", "settings_groups"]

STAGES = ("face_blur", "face_verification", "poses")


def _present(values: Mapping[str, Any]) -> dict[str, Any] | None:
    kept = {k: v for k, v in values.items() if v not in (None, "", {}, [])}
    return kept or None


def clip_stage_settings(
    privacy: Mapping[str, Any] | None, pose_settings: Mapping[str, Any] | None, has_poses: bool
) -> dict[str, dict[str, Any] | None]:
    """One clip's settings per stage (None: not recorded, or no poses)."""
    privacy = privacy or {}
    blur = {
        "detector": privacy.get("blur_detector"),
        "threshold": privacy.get("blur_threshold"),
        **dict(privacy.get("blur_settings") or {}),
    }
    verify = {
        "detector": privacy.get("verifier"),
        "threshold": privacy.get("verifier_threshold"),
        "min_face": privacy.get("verifier_min_face"),
    }
    return {
        "face_blur": _present(blur),
        "face_verification": _present(verify),
        "poses": _present(dict(pose_settings or {})) if has_poses else None,
    }


def _clip_key(clip_id: str) -> tuple:
    video, _, k = clip_id.rpartition("_")
    return (int(video), int(k)) if video.isdigit() and k.isdigit() else (float("inf"), clip_id)


def settings_groups(
    per_clip: Mapping[str, Mapping[str, Mapping[str, Any] | None]],
) -> list[dict[str, Any]]:
    """``[{"stage", "settings", "clips", "clip_ids"}]``: per stage (in :data:`STAGES` order),
    the clips that share one set of settings, the largest group first. ``settings`` None groups
    the clips with nothing recorded for the stage (no poses, or made before it was stored)."""
    groups = []
    for stage in STAGES:
        by_settings: dict[str, list[str]] = defaultdict(list)
        for clip_id, stages in per_clip.items():
            by_settings[json.dumps(stages.get(stage), sort_keys=True)].append(clip_id)
        for key, ids in sorted(by_settings.items(), key=lambda kv: (-len(kv[1]), kv[0])):
            groups.append(
                {
                    "stage": stage,
                    "settings": json.loads(key),
                    "clips": len(ids),
                    "clip_ids": sorted(ids, key=_clip_key),
                }
            )
    return groups
