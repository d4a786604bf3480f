"""What the labeler workspace needs to open one assignment, gathered in one place.

The annotate page makes one request for this instead of five, and the API offers the same thing
to other clients. Blindness is the caller's job: only the assignment's own labeler (or an admin)
may be handed this, and it never mentions another labeler's work.
"""

from __future__ import annotations

from annotator.models import Assignment
from annotator.services.assignment import review_started
from annotator.services.training import current_guidelines
from annotator.taxonomy import IMIGUE, lane_colour


def ordered_groups(category_groups: list[str]) -> list[dict[str, str]]:
    """Lanes in iMiGUE's order for its own groups, then any others in taxonomy order."""
    known = [g for g in IMIGUE.groups if g in category_groups]
    others = [g for g in dict.fromkeys(category_groups) if g not in known]
    groups = known + others
    return [{"name": g, "colour": lane_colour(g, i)} for i, g in enumerate(groups)]


def _guideline(g) -> dict | None:
    if g is None:
        return None
    return {
        "version": g.version,
        "definition": g.definition,
        "inclusion": g.inclusion,
        "exclusion": g.exclusion,
    }


def workspace_config(assignment: Assignment) -> dict:
    video = assignment.video
    categories = list(video.project.categories.order_by("label_index"))
    labeler = assignment.labeler
    guidelines = current_guidelines(video.project)
    general = guidelines.pop(None, None)
    return {
        "assignment": {
            "id": assignment.pk,
            "state": assignment.state,
            "labeler": labeler.code,
            "last_frame": assignment.last_frame,
            "is_training": assignment.is_training,
            "review_started": review_started(video),
        },
        "video": {
            "id": video.pk,
            "external_id": video.external_id,
            "status": video.status,
            "fps": video.fps,
            "fps_fraction": video.fps_fraction,
            "num_frames": video.num_frames,
            "width": video.width,
            "height": video.height,
            "has_proxy": bool(video.proxy_file),
        },
        "project": {"id": video.project_id, "name": video.project.name},
        "groups": ordered_groups([c.group for c in categories]),
        "categories": [
            {
                "code": c.code,
                "name": c.name,
                "group": c.group,
                "hotkey": c.hotkey,
                "description": c.description,
                "guideline": _guideline(guidelines.get(c.code)),
            }
            for c in categories
        ],
        "general_rules": _guideline(general),
        "shortcuts": labeler.shortcuts or {},
    }
