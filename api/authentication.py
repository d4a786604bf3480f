"""Who may sign in, and for how long (docs/security.md, "Sign-in and tokens").

- :class:`ActiveAccountBackend` is Django's model backend that also refuses a labeler whose
  Labeler row is deactivated; it loads the labeler with the user, so a session request still
  costs one query.
- :class:`LabelerTokenAuthentication` loads the labeler row with the token (every labeler request
  checks it, and a segment save is latency-bound by its queries, bench/save_segments.py), refuses
  an inactive account and an expired token.
- :func:`revoke_tokens_on_credential_change` deletes a user's token when their password changes
  or their account is deactivated; sessions need no such step (Django checks the password hash
  stored in the session, and the backend re-checks the account on every request).
- :func:`lockout_response` answers a sign-in refused by django-axes.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token


def account_is_active(user) -> bool:
    """The user may act: their account is active and, for a labeler, so is their Labeler row."""
    if not getattr(user, "is_active", False):
        return False
    labeler = getattr(user, "labeler", None)  # a missing reverse one-to-one is an AttributeError
    return labeler is None or labeler.is_active


class ActiveAccountBackend(ModelBackend):
    def user_can_authenticate(self, user) -> bool:
        return account_is_active(user)

    def get_user(self, user_id):
        users = get_user_model()._default_manager.select_related("labeler")
        user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None


def token_expired(token: Token) -> bool:
    hours = settings.TOKEN_TTL_HOURS
    return bool(hours) and token.created < timezone.now() - timedelta(hours=hours)


class LabelerTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        model = self.get_model()
        try:
            token = model.objects.select_related("user__labeler").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not account_is_active(token.user):
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Token expired: ask /api/auth/token/ again.")
        return (token.user, token)


def issue_token(user) -> Token:
    """The user's token, a fresh one when the stored one has expired."""
    token, created = Token.objects.get_or_create(user=user)
    if not created and token_expired(token):
        token.delete()
        token = Token.objects.create(user=user)
    return token


def revoke_tokens_on_credential_change(sender, instance, update_fields=None, **_) -> None:
    """pre_save of the user model: a new password or a deactivation deletes the user's token,
    so whoever held it must sign in again."""
    if instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return  # e.g. last_login on every sign-in
    stored = sender._default_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["password"] != instance.password or (stored["is_active"] and not instance.is_active):
        Token.objects.filter(user_id=instance.pk).delete()


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """django-axes' answer once a username has failed too often from one address: 429, as
    ``{detail, code}`` for the API and as the sign-in page with the reason for a browser."""
    minutes = round(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    message = (
        f"Too many failed sign-ins: this account is locked for {minutes} minutes from this "
        "address. Try again later or ask an admin."
    )
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "code": "locked_out"}, status=429)
    form = AuthenticationForm(request)
    # The form is not bound: validating it would try the password again.
    form._errors = {"__all__": form.error_class([message])}
    return render(request, "frontend/login.html", {"form": form}, status=429)
