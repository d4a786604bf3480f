"""A project's life cycle beyond its taxonomy (:mod:`.taxonomy`): a θ change and deletion."""

from __future__ import annotations

from annotator.errors import CONFLICT, DomainError
from annotator.models import Project, Segment

from . import agreement


class ProjectNotEmpty(DomainError):
    """Labelled work is never thrown away with its project."""

    code = "project_has_segments"
    kind = CONFLICT


def delete_project(project: Project) -> None:
    segments = Segment.objects.filter(assignment__video__project=project).count()
    if segments:
        raise ProjectNotEmpty(
            f"project {project.name} holds {segments} labelled segments; it cannot be deleted"
        )
    project.delete()


def theta_changed(project: Project, before: float, user=None) -> None:
    """A new θ is a new matching rule: once agreement has been computed, recompute it (as a
    job); the earlier runs stay in the history (docs/design.md §6)."""
    if project.theta != before and agreement.latest_run(project) is not None:
        agreement.request_run(project, trigger="theta", user=user)
