"""Clips (agreed and adjudicated gestures) with their processing state and privacy report."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import Clip
from annotator.services.clip_provenance import members_of
from annotator.services.processing import clip_stage

from .fields import state_counts
from .poses import ClipStageSerializer, PoseSettingsSerializer


class ProvenanceMemberSerializer(serializers.Serializer):
    """annotator.services.clip_provenance.Member: a labeler's segment behind a clip."""

    labeler = serializers.CharField()
    start_frame = serializers.IntegerField()
    end_frame = serializers.IntegerField()
    category = serializers.IntegerField()


class ClipListSerializer(serializers.ListSerializer):
    """Reads the labelers' segments behind a whole page of clips at once."""

    def to_representation(self, data):
        clips = list(data.all() if hasattr(data, "all") else data)
        self.child.context["members"] = members_of(clips)
        return super().to_representation(clips)


class ClipSerializer(serializers.ModelSerializer):
    video_external_id = serializers.CharField(source="video.external_id", read_only=True)
    category_code = serializers.IntegerField(source="category.code", read_only=True)
    num_frames = serializers.SerializerMethodField()
    # For the Clips page: what to show and how to play the clip on the source's proxy.
    category_name = serializers.CharField(source="category.name", read_only=True)
    category_group = serializers.CharField(source="category.group", read_only=True)
    subject_id = serializers.CharField(
        source="video.subject.subject_id", read_only=True, default=None, allow_null=True
    )
    video_fps = serializers.FloatField(source="video.fps", read_only=True)
    video_fps_fraction = serializers.CharField(source="video.fps_fraction", read_only=True)
    video_num_frames = serializers.IntegerField(source="video.num_frames", read_only=True)
    has_clip_file = serializers.SerializerMethodField()
    has_proxy = serializers.SerializerMethodField()
    # The processing page's per-clip stage (cut / blur / verify / poses) and how poses were made.
    stage = serializers.SerializerMethodField()
    pose_settings = PoseSettingsSerializer(read_only=True)
    # Provenance said with labeler codes and frames (the provenance itself holds segment uuids).
    members = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
            "project",
            "video",
            "video_external_id",
            "start_frame",
            "end_frame",
            "num_frames",
            "category_code",
            "origin",
            "status",
            "error",
            "privacy",
            "pose_layout",
            "processed_at",
            "created_at",
            "category_name",
            "category_group",
            "subject_id",
            "video_fps",
            "video_fps_fraction",
            "video_num_frames",
            "provenance",
            "has_clip_file",
            "has_proxy",
            "stage",
            "pose_settings",
            "members",
        ]
        read_only_fields = fields
        list_serializer_class = ClipListSerializer

    @extend_schema_field(ProvenanceMemberSerializer(many=True))
    def get_members(self, clip) -> list[dict]:
        members = self.context.get("members")
        found = members[clip.pk] if members and clip.pk in members else members_of([clip])[clip.pk]
        return ProvenanceMemberSerializer(found, many=True).data

    def get_num_frames(self, clip) -> int:
        return clip.end_frame - clip.start_frame + 1

    def get_has_clip_file(self, clip) -> bool:
        return bool(clip.clip_file)

    def get_has_proxy(self, clip) -> bool:
        return bool(clip.video.proxy_file)

    @extend_schema_field(ClipStageSerializer(allow_null=True))
    def get_stage(self, clip) -> dict | None:
        stage = clip_stage(clip)
        return None if stage is None else ClipStageSerializer(stage).data


# A filtered count: only the origins and statuses the filtered clips have.
ClipOriginPresentSerializer = state_counts(
    "ClipOriginPresent", Clip.Origin.values, every_state=False
)
ClipStatusPresentSerializer = state_counts(
    "ClipStatusPresent", Clip.Status.values, every_state=False
)


class ClipSummarySerializer(serializers.Serializer):
    """annotator.services.progress.ClipSummary: the filtered clips by origin and status."""

    count = serializers.IntegerField()
    by_origin = ClipOriginPresentSerializer()
    by_status = ClipStatusPresentSerializer()
