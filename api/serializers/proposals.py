"""Machine proposals (docs/design.md §17): a video's candidate segments as the timeline draws
them, and the jobs that make poses and proposals."""

from __future__ import annotations

from rest_framework import serializers

from annotator.models import Proposal


class ProposalSerializer(serializers.ModelSerializer):
    """One proposal: frames (0-based, end inclusive), its score and rank (1 = most likely),
    the suggested category and its probability (null without a suggester), and whether the
    caller rejected it."""

    category_code = serializers.IntegerField(
        source="category.code", read_only=True, allow_null=True, default=None
    )
    rejected = serializers.BooleanField(read_only=True)

    class Meta:
        model = Proposal
        fields = [
            "id",
            "start_frame",
            "end_frame",
            "score",
            "rank",
            "category_code",
            "confidence",
            "rejected",
        ]
        read_only_fields = fields


class DetectorSettingsSerializer(serializers.Serializer):
    """annotator.proposals.ProposalSettings: hysteresis thresholds, duration limits, windows."""

    high = serializers.FloatField()
    low_ratio = serializers.FloatField()
    min_seconds = serializers.FloatField()
    max_seconds = serializers.FloatField()
    rest_seconds = serializers.FloatField()
    smooth_seconds = serializers.FloatField()
    trim = serializers.FloatField()


class PoseSourceSerializer(serializers.Serializer):
    """Where the whole-video poses came from (a pose backend on the proxy, or an import)."""

    backend = serializers.CharField(allow_null=True, required=False)
    source = serializers.CharField(allow_null=True, required=False)
    layout = serializers.CharField(allow_null=True, required=False)
    sha256 = serializers.CharField(allow_null=True, required=False)


class ProposalMakingSerializer(serializers.Serializer):
    """How a video's proposals were made (empty before there are any)."""

    detector = DetectorSettingsSerializer(required=False)
    fps = serializers.FloatField(required=False)
    poses = PoseSourceSerializer(required=False)
    suggester = serializers.IntegerField(
        required=False, allow_null=True, help_text="the baseline run that suggested categories"
    )
    suggester_error = serializers.CharField(
        required=False, help_text="why the project's suggester gave no categories this time"
    )

    def to_representation(self, made: dict) -> dict:
        # As stored: keys a video's proposals lack (no suggester error) are left out.
        return {k: v for k, v in super().to_representation(made).items() if k in made}


class VideoProposalsSerializer(serializers.Serializer):
    """A video's proposals for the caller. ``enabled`` is the project's switch: while it is off
    labelers get none (admins still see the stored ones)."""

    video = serializers.IntegerField()
    enabled = serializers.BooleanField()
    has_poses = serializers.BooleanField(help_text="the video has whole-video poses")
    settings = ProposalMakingSerializer(help_text="how the proposals were made")
    proposals = ProposalSerializer(many=True)


class ProposalJobsSerializer(serializers.Serializer):
    """202 for a project's proposals: one job per video with whole-video poses."""

    jobs = serializers.ListField(child=serializers.IntegerField())
    videos = serializers.IntegerField()
