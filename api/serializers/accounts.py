"""Accounts: who is signed in, a labeler's shortcuts, and labelers (admins)."""

from __future__ import annotations

from rest_framework import serializers

from annotator.models import Labeler
from api.permissions import is_admin, labeler_of


class MeSerializer(serializers.Serializer):
    """The signed-in user: their role decides which pages they get."""

    username = serializers.CharField()
    role = serializers.SerializerMethodField()
    labeler_code = serializers.SerializerMethodField()

    def get_role(self, user) -> str:
        if is_admin(user):
            return "admin"
        return "labeler" if labeler_of(user) else "none"

    def get_labeler_code(self, user) -> str | None:
        labeler = labeler_of(user)
        return labeler.code if labeler else None


class ShortcutsSerializer(serializers.Serializer):
    """A labeler's keyboard shortcuts (they follow the labeler across browsers)."""

    shortcuts = serializers.DictField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        help_text='action name → key (e.g. {"step_forward": "ArrowRight"})',
    )


class LabelerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Labeler
        fields = ["id", "code", "username", "is_active"]


class LabelerCreateSerializer(serializers.Serializer):
    """The password must also pass Django's validators (annotator.services.accounts)."""

    username = serializers.CharField(max_length=150)
    code = serializers.CharField(max_length=20)
    password = serializers.CharField(write_only=True, min_length=8)
    project = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    """Send it as ``Authorization: Token <token>``; it expires after MGSTUDIO_TOKEN_TTL_HOURS."""

    token = serializers.CharField(source="key")
