"""Segments: what a save answers with, and what it accepts (docs/design.md §5)."""

from __future__ import annotations

from rest_framework import serializers

from annotator.models.labeling import COMMENT_MAX
from annotator.services.segments import Notes, SaveResult


class SegmentSerializer(serializers.Serializer):
    """A segment as the API shows it (read-only). Declared field by field, not a
    ModelSerializer: it answers every save, and a ModelSerializer rebuilds its fields from the
    model on each use (about a millisecond of a save's CPU, bench/save_segments.py)."""

    client_uuid = serializers.UUIDField(read_only=True)
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    start_frame = serializers.IntegerField(read_only=True)
    end_frame = serializers.IntegerField(read_only=True)
    category_code = serializers.IntegerField(source="category.code", read_only=True)
    version = serializers.IntegerField(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True)
    comment = serializers.CharField(read_only=True)
    unsure = serializers.BooleanField(read_only=True)
    overlap_confirmed = serializers.BooleanField(
        read_only=True, help_text="the labeler confirmed an overlap of its category as intended"
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class SavedSegmentSerializer(SegmentSerializer):
    """A saved segment (annotator.services.segments.SaveResult) with the warnings of the rules
    it passed with a caveat."""

    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)

    def to_representation(self, result: SaveResult) -> dict:
        # The segment's own fields; ``warnings`` is not on it, so the base skips it.
        body = super().to_representation(result.segment)
        body["warnings"] = list(result.warnings)
        return body


class SegmentWriteSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False)
    assignment = serializers.IntegerField(required=False)
    start_frame = serializers.IntegerField(required=False)
    end_frame = serializers.IntegerField(required=False)
    category_code = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False)
    comment = serializers.CharField(
        required=False, allow_blank=True, max_length=COMMENT_MAX, trim_whitespace=False
    )
    unsure = serializers.BooleanField(required=False)
    overlap_confirmed = serializers.BooleanField(required=False)

    def notes(self) -> Notes:
        """The notes the request sets (validated first)."""
        v = self.validated_data
        return Notes(v.get("comment"), v.get("unsure"), v.get("overlap_confirmed"))
