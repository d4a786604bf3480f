"""Who may do what: admins (staff) do everything; labelers see only their own work."""

from rest_framework.permissions import SAFE_METHODS, BasePermission


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff)


def labeler_of(user):
    return getattr(user, "labeler", None) if user and user.is_authenticated else None


class IsAdmin(BasePermission):
    message = "Only admins may do this."

    def has_permission(self, request, view) -> bool:
        return is_admin(request.user)


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
