"""Review (docs/design.md §7): one video's review, decisions, closing."""

from __future__ import annotations

from rest_framework import serializers

from annotator.models import AgreementRun, Clip, ReviewDecision, Segment, Video

from .agreement import PerVideoSerializer
from .fields import IsoDateTimeField


class DecisionRequestSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["keep", "drop", ""], allow_blank=True)
    category_code = serializers.IntegerField(required=False, allow_null=True)
    start_frame = serializers.IntegerField(required=False, allow_null=True)
    end_frame = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True)


class ReviewDecisionSerializer(serializers.ModelSerializer):
    """A decision; ``version`` guards against a second reviewer's change (409)."""

    category_code = serializers.IntegerField(source="category.code", allow_null=True)
    reviewer = serializers.CharField(source="reviewer.get_username")
    decided_at = IsoDateTimeField()

    class Meta:
        model = ReviewDecision
        fields = [
            "action",
            "category_code",
            "start_frame",
            "end_frame",
            "reason",
            "version",
            "reviewer",
            "decided_at",
        ]


class ReviewSegmentSerializer(serializers.ModelSerializer):
    """A submitted segment with the labeler's notes for the reviewer."""

    category_code = serializers.IntegerField(source="category.code")

    class Meta:
        model = Segment
        fields = [
            "id",
            "client_uuid",
            "start_frame",
            "end_frame",
            "category_code",
            "comment",
            "unsure",
            "overlap_confirmed",
        ]


class KeepSerializer(serializers.Serializer):
    """What "keep" would make: the category is null while the labelers dispute it."""

    start_frame = serializers.IntegerField()
    end_frame = serializers.IntegerField()
    category_code = serializers.IntegerField(allow_null=True)


class ReviewItemSerializer(serializers.Serializer):
    """annotator.services.review_status.ReviewItem: one disagreement to decide."""

    id = serializers.IntegerField(source="disagreement.pk")
    kind = serializers.CharField(source="disagreement.kind")
    tiou = serializers.SerializerMethodField()
    segment_i = ReviewSegmentSerializer(source="disagreement.segment_i", allow_null=True)
    segment_j = ReviewSegmentSerializer(source="disagreement.segment_j", allow_null=True)
    start_frame = serializers.IntegerField()
    end_frame = serializers.IntegerField()
    suggested = KeepSerializer()
    decision = ReviewDecisionSerializer(allow_null=True)

    def get_tiou(self, item) -> float:
        return round(item.disagreement.tiou or 0.0, 4)


class MatchSerializer(serializers.Serializer):
    labeler_i = serializers.CharField()
    labeler_j = serializers.CharField()
    tiou = serializers.SerializerMethodField()
    segment_i = serializers.IntegerField(source="segment_i.pk")
    segment_j = serializers.IntegerField(source="segment_j.pk")

    def get_tiou(self, pair) -> float:
        return round(pair.tiou, 4)


class ReviewVideoSerializer(serializers.ModelSerializer):
    has_proxy = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = ["id", "external_id", "fps", "fps_fraction", "num_frames", "has_proxy"]

    def get_has_proxy(self, video: Video) -> bool:
        return bool(video.proxy_file)


class ReviewRunSerializer(serializers.ModelSerializer):
    class Meta:
        model = AgreementRun
        fields = ["id", "theta", "rule_version"]


class ReviewClipSerializer(serializers.ModelSerializer):
    category_code = serializers.IntegerField(source="category.code")

    class Meta:
        model = Clip
        fields = ["id", "start_frame", "end_frame", "category_code", "origin", "status"]


class VideoReviewSerializer(serializers.Serializer):
    """annotator.services.review_status.VideoReview (admins only: it names both labelers)."""

    video = ReviewVideoSerializer()
    run = ReviewRunSerializer()
    comparisons = PerVideoSerializer(many=True)
    clip_bounds_rule = serializers.CharField(source="video.project.clip_bounds_rule")
    closed = serializers.SerializerMethodField()
    closed_at = IsoDateTimeField(source="video.review_closed_at", allow_null=True)
    labelers = serializers.ListField(child=serializers.CharField())
    segments = serializers.DictField(
        child=ReviewSegmentSerializer(many=True), help_text="labeler code → submitted segments"
    )
    matches = MatchSerializer(many=True)
    items = ReviewItemSerializer(many=True)
    open = serializers.IntegerField(help_text="items without a keep/drop decision")
    clips = ReviewClipSerializer(many=True)

    def get_closed(self, review) -> bool:
        return review.video.review_closed_at is not None


class ReviewClosedSerializer(serializers.Serializer):
    """The clips the closed review made."""

    clips = serializers.SerializerMethodField()

    def get_clips(self, clips: list[Clip]) -> int:
        return len(clips)
