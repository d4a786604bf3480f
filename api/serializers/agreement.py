"""Agreement runs (docs/design.md §6; keys in docs/agreement.md) and the review queue.

A run's report is stored JSON (``AgreementRun.summary``, ``per_pair``, ``per_video``); these
serializers type it as `annotator.agreement.report.project_report` writes it. Numbers are
answered as stored (:class:`NumberField`), and a key an older run did not store is left out.
"""

from __future__ import annotations

from rest_framework import serializers

from annotator.models import AgreementRun

from .fields import IsoDateTimeField, NumberField


class AgreementRequestSerializer(serializers.Serializer):
    theta = serializers.FloatField(
        required=False, min_value=0.01, max_value=1.0, help_text="default: the project's θ"
    )


class DisagreementCountsSerializer(serializers.Serializer):
    """Leftovers by kind (docs/design.md §6)."""

    label_conflict = serializers.IntegerField(required=False)
    low_overlap = serializers.IntegerField(required=False)
    only_in_i = serializers.IntegerField(required=False)
    only_in_j = serializers.IntegerField(required=False)


class PerPairSerializer(serializers.Serializer):
    labeler_i = serializers.CharField()
    labeler_j = serializers.CharField()
    videos = serializers.IntegerField()
    m = serializers.IntegerField(help_text="matched pairs")
    n_i = serializers.IntegerField()
    n_j = serializers.IntegerField()
    r = NumberField(help_text="R of the pair, pooled over its videos")


class PerVideoSerializer(serializers.Serializer):
    video = serializers.CharField(help_text="the video's external id")
    video_key = serializers.IntegerField(help_text="the video's id")
    labeler_i = serializers.CharField()
    labeler_j = serializers.CharField()
    n_i = serializers.IntegerField()
    n_j = serializers.IntegerField()
    m = serializers.IntegerField()
    r = NumberField()
    disagreements = DisagreementCountsSerializer()


class PerCategorySerializer(serializers.Serializer):
    category = serializers.IntegerField(help_text="category code")
    name = serializers.CharField()
    m = serializers.IntegerField()
    n_i = serializers.IntegerField()
    n_j = serializers.IntegerField()
    r = NumberField()


class RCurvePointSerializer(serializers.Serializer):
    theta = NumberField()
    m = serializers.IntegerField()
    r = NumberField()


class DeltaStatsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    mean = NumberField()
    median = NumberField()
    mean_abs = NumberField()
    median_abs = NumberField()


class BoundaryDeltasSerializer(serializers.Serializer):
    """Labeler j's onset and offset minus labeler i's over matched pairs, in frames."""

    onset = DeltaStatsSerializer()
    offset = DeltaStatsSerializer()
    onsets = serializers.ListField(child=serializers.IntegerField())
    offsets = serializers.ListField(child=serializers.IntegerField())


class OriginPartSerializer(serializers.Serializer):
    """R of the segments of one origin only (annotator.agreement.origin)."""

    r_avg = NumberField()
    segments = serializers.IntegerField()
    matches = serializers.IntegerField()
    per_pair = PerPairSerializer(many=True)


class MatchesByOriginSerializer(serializers.Serializer):
    both_proposal = serializers.IntegerField()
    mixed = serializers.IntegerField(help_text="one segment from a proposal, one by hand")
    both_manual = serializers.IntegerField()


class ByOriginSerializer(serializers.Serializer):
    """R apart for segments that began as machine proposals and for those marked by hand
    (docs/design.md §17)."""

    proposal = OriginPartSerializer()
    manual = OriginPartSerializer()
    matches_by_origin = MatchesByOriginSerializer(help_text="the full run's matches")
    proposal_share = NumberField(help_text="share of the compared segments from proposals")


class AgreementRunHeaderSerializer(serializers.ModelSerializer):
    """One run in the history: θ, rule version, R_avg and what started it."""

    created_at = IsoDateTimeField()

    class Meta:
        model = AgreementRun
        fields = ["id", "theta", "rule_version", "r_avg", "trigger", "created_at"]


# The report's keys kept in AgreementRun.summary (the rest are columns of the run).
SUMMARY = (
    "videos",
    "segments",
    "matches",
    "disagreements",
    "per_category",
    "r_curve",
    "boundary_deltas",
    "frame_kappa",
    "by_origin",
)


class AgreementReportSerializer(AgreementRunHeaderSerializer):
    """A stored run as the dashboard reads it: the same keys as ``run_payload`` (the CLI's
    ``reliability --json``)."""

    videos = serializers.IntegerField(source="summary.videos", required=False)
    segments = serializers.IntegerField(source="summary.segments", required=False)
    matches = serializers.IntegerField(source="summary.matches", required=False)
    disagreements = DisagreementCountsSerializer(source="summary.disagreements", required=False)
    per_category = PerCategorySerializer(source="summary.per_category", many=True, required=False)
    r_curve = RCurvePointSerializer(source="summary.r_curve", many=True, required=False)
    boundary_deltas = BoundaryDeltasSerializer(source="summary.boundary_deltas", required=False)
    frame_kappa = NumberField(source="summary.frame_kappa", required=False)
    by_origin = ByOriginSerializer(source="summary.by_origin", required=False)
    per_pair = PerPairSerializer(many=True)
    per_video = PerVideoSerializer(many=True)

    class Meta(AgreementRunHeaderSerializer.Meta):
        fields = [*AgreementRunHeaderSerializer.Meta.fields, *SUMMARY, "per_pair", "per_video"]

    def to_representation(self, run: AgreementRun) -> dict:
        body = super().to_representation(run)
        stored = run.summary or {}
        # A key an older run's summary lacks is left out, as the stored report has it.
        return {k: v for k, v in body.items() if k not in SUMMARY or k in stored}


class ReviewQueueRowSerializer(serializers.Serializer):
    """annotator.services.review_status.ReviewQueueRow."""

    video_id = serializers.IntegerField()
    video = serializers.CharField()
    r = NumberField()
    labelers = serializers.ListField(child=serializers.CharField())
    items = serializers.IntegerField()
    open = serializers.IntegerField()
    closed = serializers.BooleanField()
