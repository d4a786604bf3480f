"""Segments: what a save answers with, and what it accepts (docs/design.md §5)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import Segment
from annotator.models.labeling import COMMENT_MAX
from annotator.services.proposals import origin_changes
from annotator.services.segments import Notes, SaveResult


class ProposalOriginSerializer(serializers.Serializer):
    """The machine proposal a segment was accepted from, as it was then (docs/design.md §17)."""

    proposal = serializers.IntegerField()
    start_frame = serializers.IntegerField(required=False)
    end_frame = serializers.IntegerField(required=False)
    category_code = serializers.IntegerField(
        required=False, allow_null=True, help_text="the suggested category, if any"
    )
    confidence = serializers.FloatField(required=False, allow_null=True)
    score = serializers.FloatField(required=False)
    rank = serializers.IntegerField(required=False)
    gone = serializers.BooleanField(
        required=False, help_text="the proposal had been regenerated away when it was accepted"
    )

    def to_representation(self, origin: dict) -> dict:
        # As stored: a key the origin lacks (a gone proposal's bounds) is left out, not null.
        return {k: v for k, v in super().to_representation(origin).items() if k in origin}


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
    proposal_origin = ProposalOriginSerializer(read_only=True, allow_null=True)
    proposal_changes = serializers.SerializerMethodField(
        help_text="what differs from the proposal it began as: start_frame, end_frame, category "
        "(null for a segment marked by hand)"
    )
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(["start_frame", "end_frame", "category"]),
            allow_null=True,
        )
    )
    def get_proposal_changes(self, segment: Segment) -> list[str] | None:
        return origin_changes(
            segment.start_frame, segment.end_frame, segment.category.code, segment.proposal_origin
        )


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
    proposal = serializers.IntegerField(
        required=False, min_value=1, help_text="create only: the machine proposal accepted"
    )

    def notes(self) -> Notes:
        """The notes the request sets (validated first)."""
        v = self.validated_data
        return Notes(v.get("comment"), v.get("unsure"), v.get("overlap_confirmed"))
