"""Labeler training: guidelines, rounds, the comparison, reference answers and a labeler's
results (never another labeler's work)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import Guideline, ReferenceSegment, TrainingRound

from .fields import IsoDateTimeField, NumberField


class RoundCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    videos = serializers.ListField(child=serializers.IntegerField(), min_length=1)


class SampleCandidateSerializer(serializers.Serializer):
    """annotator.services.training.SampleCandidate: a video, and why it cannot be a sample."""

    id = serializers.IntegerField(source="video.pk")
    external_id = serializers.CharField(source="video.external_id")
    num_frames = serializers.IntegerField(source="video.num_frames", allow_null=True)
    eligible = serializers.SerializerMethodField()
    code = serializers.CharField(help_text="not_ready | assigned | in_round; empty if eligible")
    reason = serializers.CharField()

    def get_eligible(self, candidate) -> bool:
        return not candidate.code


class ReferenceRequestSerializer(serializers.Serializer):
    video = serializers.IntegerField()
    segments = serializers.ListField(
        child=serializers.DictField(),
        help_text="[{start_frame, end_frame, category_code}]: the item's whole reference",
    )


class GuidelineRequestSerializer(serializers.Serializer):
    category_code = serializers.IntegerField(allow_null=True)
    definition = serializers.CharField(allow_blank=True, required=False)
    inclusion = serializers.CharField(allow_blank=True, required=False)
    exclusion = serializers.CharField(allow_blank=True, required=False)
    example_clips = serializers.ListField(child=serializers.IntegerField(), required=False)


class GuidelineSerializer(serializers.ModelSerializer):
    """One version of a category's guideline (category_code null: the general rules)."""

    category_code = serializers.IntegerField(source="category.code", allow_null=True)
    example_clips = serializers.ListField(child=serializers.IntegerField())
    created_at = IsoDateTimeField()
    created_by = serializers.CharField(source="created_by.get_username", allow_null=True)

    class Meta:
        model = Guideline
        fields = [
            "category_code",
            "version",
            "definition",
            "inclusion",
            "exclusion",
            "example_clips",
            "created_at",
            "created_by",
        ]


class RoundVideoSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="video_id")
    external_id = serializers.CharField(source="video.external_id")
    start_frame = serializers.IntegerField(allow_null=True)
    end_frame = serializers.IntegerField(allow_null=True)


class LabelerProgressSerializer(serializers.Serializer):
    items = serializers.IntegerField()
    submitted = serializers.IntegerField()


class RoundStatusSerializer(serializers.Serializer):
    """annotator.services.training.RoundStatus."""

    id = serializers.IntegerField(source="round.pk")
    number = serializers.IntegerField(source="round.number")
    name = serializers.CharField(source="round.name")
    state = serializers.ChoiceField(source="round.state", choices=TrainingRound.State.choices)
    theta = serializers.FloatField(source="round.theta")
    videos = RoundVideoSerializer(source="items", many=True)
    labelers = serializers.DictField(
        child=LabelerProgressSerializer(), help_text="labeler code → their items"
    )
    complete = serializers.BooleanField(help_text="every labeler has submitted every item")
    has_reference = serializers.BooleanField()
    created_at = IsoDateTimeField(source="round.created_at")
    closed_at = IsoDateTimeField(source="round.closed_at", allow_null=True)


class PairRSerializer(serializers.Serializer):
    labeler_i = serializers.CharField()
    labeler_j = serializers.CharField()
    r = NumberField()


class ConfusionSerializer(serializers.Serializer):
    categories = serializers.ListField(child=serializers.IntegerField(), min_length=2)
    count = serializers.IntegerField()


class PlaceMemberSerializer(serializers.Serializer):
    labeler = serializers.CharField()
    start_frame = serializers.IntegerField()
    end_frame = serializers.IntegerField()
    category_code = serializers.IntegerField()


class PlaceSerializer(serializers.Serializer):
    """A gesture the labelers saw differently: who missed it, how far the bounds spread."""

    video = serializers.CharField(help_text="the video's external id")
    video_id = serializers.IntegerField()
    missing = serializers.ListField(child=serializers.CharField())
    onset_spread = serializers.IntegerField()
    offset_spread = serializers.IntegerField()
    members = PlaceMemberSerializer(many=True)


class RoundComparisonSerializer(RoundStatusSerializer):
    """annotator.services.training.RoundComparison: the round's status and how its labelers
    compare."""

    pair_r = serializers.SerializerMethodField()
    mean_r = serializers.DictField(
        child=NumberField(), source="report.mean_r", help_text="labeler code → mean R"
    )
    fleiss_kappa = NumberField(source="report.fleiss_kappa")
    confusions = serializers.SerializerMethodField()
    places = serializers.SerializerMethodField()
    segments = serializers.SerializerMethodField()

    @extend_schema_field(PairRSerializer(many=True))
    def get_pair_r(self, c) -> list[dict]:
        rows = [{"labeler_i": a, "labeler_j": b, "r": r} for (a, b), r in c.report.pair_r.items()]
        return PairRSerializer(rows, many=True).data

    @extend_schema_field(ConfusionSerializer(many=True))
    def get_confusions(self, c) -> list[dict]:
        rows = sorted(c.report.confusions.items(), key=lambda kv: -kv[1])
        return [{"categories": list(pair), "count": n} for pair, n in rows]

    @extend_schema_field(PlaceSerializer(many=True))
    def get_places(self, c) -> list[dict]:
        rows = [
            {
                "video": c.video_names[p.video],
                "video_id": p.video,
                "missing": list(p.missing),
                "onset_spread": p.onset_spread,
                "offset_spread": p.offset_spread,
                "members": [
                    {
                        "labeler": li,
                        "start_frame": s.start,
                        "end_frame": s.end,
                        "category_code": s.category,
                    }
                    for li, s in p.members
                ],
            }
            for p in c.places
        ]
        return PlaceSerializer(rows, many=True).data

    @extend_schema_field(
        serializers.DictField(
            child=serializers.DictField(
                child=serializers.ListField(
                    child=serializers.ListField(child=serializers.IntegerField())
                )
            ),
            help_text="video external id → labeler code → [[start_frame, end_frame, code]]",
        )
    )
    def get_segments(self, c) -> dict:
        return {
            c.video_names[v]: {
                li: [[s.start, s.end, s.category] for s in segs] for li, segs in by.items()
            }
            for v, by in c.annotations.items()
        }


class ReferenceSegmentSerializer(serializers.ModelSerializer):
    category_code = serializers.IntegerField(source="category.code")

    class Meta:
        model = ReferenceSegment
        fields = ["video", "start_frame", "end_frame", "category_code"]


class ReferenceConfusionSerializer(serializers.Serializer):
    reference = serializers.IntegerField(help_text="the reference's category code")
    labeler = serializers.IntegerField(help_text="the labeler's category code")
    count = serializers.IntegerField()


class ReferenceScoreSerializer(serializers.Serializer):
    """annotator.agreement.multirater.ReferenceScore: a labeler against the reference."""

    r = NumberField()
    matches = serializers.IntegerField()
    n_reference = serializers.IntegerField()
    n_labeler = serializers.IntegerField()
    onset_error = NumberField(help_text="mean |labeler − reference| onset, frames")
    offset_error = NumberField()
    confusions = serializers.SerializerMethodField()

    @extend_schema_field(ReferenceConfusionSerializer(many=True))
    def get_confusions(self, score) -> list[dict]:
        return [
            {"reference": a, "labeler": b, "count": n} for (a, b), n in score.confusions.items()
        ]


class RoundResultSerializer(serializers.Serializer):
    """annotator.services.training.RoundResult."""

    round = serializers.IntegerField(source="round.number")
    name = serializers.CharField(source="round.name")
    closed_at = IsoDateTimeField(source="round.closed_at")
    segments = serializers.IntegerField(help_text="segments the labeler drew in the round")
    score = ReferenceScoreSerializer(allow_null=True)


class TrainingResultsSerializer(serializers.Serializer):
    labeler = serializers.CharField(source="labeler.code")
    rounds = RoundResultSerializer(many=True)
