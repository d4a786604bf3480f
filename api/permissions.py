"""Who may call what (docs/design.md §15): admins (staff) do everything; labelers see only their
own work. Views declare these classes; none checks a role inline.

Object access is narrowed in the queryset (:func:`own_rows`, :func:`visible_projects`): a row a
labeler may not see is a 404, as if it did not exist, which keeps annotation blind. The object
permissions below then say what a caller who may see a row may do with it.
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework.permissions import SAFE_METHODS, BasePermission

from annotator.models import Labeler, Project


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def labeler_of(user) -> Labeler | None:
    return getattr(user, "labeler", None) if user and user.is_authenticated else None


def own_rows(rows: QuerySet, user, labeler_field: str) -> QuerySet:
    """Every row for an admin; for anyone else only the rows whose ``labeler_field`` is their
    own labeler (none for a user without one)."""
    if is_admin(user):
        return rows
    labeler = labeler_of(user)
    if labeler is None:
        return rows.none()
    return rows.filter(**{labeler_field: labeler})


def visible_projects(user) -> QuerySet:
    """Every project for an admin; a labeler's own projects for a labeler."""
    return own_rows(Project.objects.all(), user, "labelers")


class IsAdmin(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


def admin_only(message: str) -> type[IsAdmin]:
    """:class:`IsAdmin` refusing with ``message``, for an action whose refusal says what it
    guards ("Only admins see agreement.")."""
    return type("IsAdmin", (IsAdmin,), {"message": message})


class IsLabeler(BasePermission):
    """Settings of a labeler's own (their shortcuts): an admin has none."""

    message = "only labelers have annotation shortcuts"

    def has_permission(self, request, view) -> bool:
        return labeler_of(request.user) is not None


class IsAdminOrReadOnlyMember(BasePermission):
    """Admins write; labelers may read (their querysets are already narrowed to their work)."""

    message = "Only admins may change this."

    def has_permission(self, request, view) -> bool:
        if is_admin(request.user):
            return True
        return request.method in SAFE_METHODS and labeler_of(request.user) is not None


class IsAdminOrLabeler(BasePermission):
    message = "You need an admin or labeler account."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user) or labeler_of(request.user) is not None


class OwnsAssignment(BasePermission):
    """An assignment is worked on by its labeler; admins may act on any."""

    message = "This is not your assignment."

    def has_object_permission(self, request, view, assignment) -> bool:
        return is_admin(request.user) or assignment.labeler == labeler_of(request.user)


class AdminWritesProject(BasePermission):
    """On a project the caller can see (members and admins), only admins write: e.g. a new
    version of the guidelines. Checked after the lookup, so a non-member gets the lookup's 404
    first."""

    message = "Only admins edit guidelines."

    def has_object_permission(self, request, view, project) -> bool:
        return request.method in SAFE_METHODS or is_admin(request.user)


class AdminOrProjectLabeler(BasePermission):
    """Per-project data of a labeler's own: the project's labelers and admins."""

    message = "Only the project's labelers have training results."

    def has_object_permission(self, request, view, project) -> bool:
        if is_admin(request.user):
            return True
        labeler = labeler_of(request.user)
        return labeler is not None and project.labelers.filter(pk=labeler.pk).exists()
