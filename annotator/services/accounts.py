"""Labeler accounts and a labeler's own settings."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from annotator.errors import DomainError
from annotator.models import Labeler, Project


class AccountError(DomainError, ValueError):
    """An account change refused; the message says why."""

    code = "account_refused"


def check_password(password: str, username: str) -> None:
    """Django's password validators (settings.AUTH_PASSWORD_VALIDATORS) for a new account:
    refused with every reason, e.g. too common, all digits or too close to the username."""
    try:
        validate_password(password, user=get_user_model()(username=username))
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages), code="weak_password") from None


@transaction.atomic
def create_labeler(username: str, password: str, code: str, project: int | None = None) -> Labeler:
    """A user and its labeler profile, optionally added to one project."""
    users = get_user_model().objects
    if users.filter(username=username).exists():
        raise AccountError(f"user {username} exists", code="username_taken")
    if Labeler.objects.filter(code=code).exists():
        raise AccountError(f"labeler code {code} exists", code="labeler_code_taken")
    target = None
    if project is not None:
        target = Project.objects.filter(pk=project).first()
        if target is None:
            raise AccountError(f"project {project} does not exist", code="unknown_project")
    check_password(password, username)
    user = users.create_user(username=username, password=password)
    labeler = Labeler.objects.create(user=user, code=code)
    if target is not None:
        target.labelers.add(labeler)
    return labeler


@transaction.atomic
def set_labeler_active(labeler: Labeler, active: bool) -> Labeler:
    """(De)activate a labeler and their user account together. Deactivation takes effect at
    once: every request re-checks both flags (api/authentication.py), and saving the user
    deletes their API token. Their assignments and segments stay as they are."""
    labeler.is_active = active
    labeler.save(update_fields=["is_active"])
    user = labeler.user
    user.is_active = active
    user.save(update_fields=["is_active"])
    return labeler


def save_shortcuts(labeler: Labeler, shortcuts: dict[str, str]) -> Labeler:
    """Store a labeler's keyboard shortcuts (action → key; "" unbinds an action) so they follow
    the labeler across browsers. One key cannot serve two actions."""
    keys = [k for k in shortcuts.values() if k]
    if len(keys) != len(set(keys)):
        raise AccountError("two actions share one key", code="shortcut_clash")
    labeler.shortcuts = shortcuts
    labeler.save(update_fields=["shortcuts"])
    return labeler
