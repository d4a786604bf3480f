"""What the labeler workspace needs to open one assignment, gathered in one place.

The annotate page makes one request for this instead of five, and the API offers the same thing
to other clients. Blindness is the caller's job: only the assignment's own labeler (or an admin)
may be handed this, and it never mentions another labeler's work.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.models import Assignment, Category, Guideline, Project, Video
from annotator.services.assignment import review_started
from annotator.services.training import current_guidelines
from annotator.taxonomy import IMIGUE, lane_colour


def ordered_groups(category_groups: list[str]) -> list[dict[str, str]]:
    """Lanes in iMiGUE's order for its own groups, then any others in taxonomy order."""
    known = [g for g in IMIGUE.groups if g in category_groups]
    others = [g for g in dict.fromkeys(category_groups) if g not in known]
    groups = known + others
    return [{"name": g, "colour": lane_colour(g, i)} for i, g in enumerate(groups)]


@dataclass(frozen=True)
class Workspace:
    """The assignment with its video and project, the lanes, the categories with their current
    guidelines (``guidelines`` by category code) and the general rules, and the labeler's
    shortcuts."""

    assignment: Assignment
    review_started: bool
    groups: list[dict[str, str]]
    categories: list[Category]
    guidelines: dict[int, Guideline]
    general_rules: Guideline | None
    shortcuts: dict[str, str]

    @property
    def video(self) -> Video:
        return self.assignment.video

    @property
    def project(self) -> Project:
        return self.assignment.video.project


def workspace(assignment: Assignment) -> Workspace:
    video = assignment.video
    categories = list(video.project.categories.order_by("label_index"))
    guidelines = current_guidelines(video.project)
    general = guidelines.pop(None, None)
    return Workspace(
        assignment=assignment,
        review_started=review_started(video),
        groups=ordered_groups([c.group for c in categories]),
        categories=categories,
        guidelines=guidelines,
        general_rules=general,
        shortcuts=assignment.labeler.shortcuts or {},
    )
