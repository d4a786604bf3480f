"""The labels the domain gives its jobs (``Job.scope``), so an admin can list one project's or one
video's jobs. Only this module writes them; the jobs app treats them as opaque text."""

from __future__ import annotations


def project_scope(project_id: int) -> str:
    return f"project:{project_id}"


def video_scope(project_id: int, video_id: int) -> str:
    return f"{project_scope(project_id)}/video:{video_id}"


def project_of_scope(scope: str) -> int | None:
    """The project a scope lies in ("project:3/video:9" → 3), or None."""
    head = scope.split("/", 1)[0]
    name, _, value = head.partition(":")
    return int(value) if name == "project" and value.isdigit() else None


def clip_scope(project_id: int, video_id: int, clip_id: int) -> str:
    return f"{video_scope(project_id, video_id)}/clip:{clip_id}"
