"""Videos (what admins and what labelers see of them) and chunked uploads."""

from __future__ import annotations

from django.conf import settings
from rest_framework import serializers

from annotator.models import Subject, Upload, Video

from .common import JobSummarySerializer


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "project", "subject_id", "gender", "nationality"]


class VideoSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="subject_id", read_only=True)
    labelers = serializers.SerializerMethodField()
    ingest_job = JobSummarySerializer(read_only=True, allow_null=True)
    emotion = serializers.CharField(read_only=True)
    has_source = serializers.SerializerMethodField()
    has_poses = serializers.SerializerMethodField()
    pose_job = JobSummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = Video
        fields = [
            "id",
            "project",
            "external_id",
            "status",
            "error_code",
            "error",
            "fps",
            "fps_fraction",
            "num_frames",
            "width",
            "height",
            "duration",
            "has_audio",
            "video_codec",
            "size_bytes",
            "sha256",
            "subject",
            "match_result",
            "emotion",
            "labelers",
            "ingest_job",
            "has_source",
            "has_poses",
            "pose_job",
            "created_at",
        ]
        read_only_fields = fields

    def get_labelers(self, video) -> list[str]:
        return [a.labeler.code for a in video.assignments.all() if not a.is_training]

    def get_has_poses(self, video) -> bool:
        """Whole-video poses exist (the input of machine proposals, docs/design.md §17)."""
        return bool(video.pose_file)

    def get_has_source(self, video) -> bool:
        """False once a rejected source was deleted: retrying its ingest cannot help."""
        return bool(video.source_file)


class VideoMetadataSerializer(serializers.Serializer):
    """What an upload could not say (annotator.services.video_admin.set_metadata)."""

    subject_id = serializers.CharField(required=False, allow_blank=True, max_length=50)
    match_result = serializers.ChoiceField(choices=["win", "lose", ""], required=False)


class LabelerVideoSerializer(VideoSerializer):
    """What a labeler may see of a video: no other labeler, no file names or hashes."""

    class Meta(VideoSerializer.Meta):
        fields = [
            "id",
            "project",
            "external_id",
            "status",
            "fps",
            "fps_fraction",
            "num_frames",
            "width",
            "height",
            "duration",
        ]
        read_only_fields = fields


class UploadCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)
    external_id = serializers.CharField(max_length=50, required=False, allow_blank=True)


class UploadSerializer(serializers.ModelSerializer):
    """An upload just created: its id, the chunk size to send, and how much has arrived."""

    chunk_size = serializers.SerializerMethodField()

    class Meta:
        model = Upload
        fields = ["id", "chunk_size", "received_bytes", "external_id"]

    def get_chunk_size(self, upload: Upload) -> int:
        return settings.UPLOAD_CHUNK_BYTES


class UploadReceivedSerializer(serializers.Serializer):
    received_bytes = serializers.IntegerField()


class UploadCompletedSerializer(serializers.Serializer):
    """The new video and its ingest job (202): poll the job."""

    video = serializers.IntegerField(source="video.pk")
    job = serializers.IntegerField(source="job.pk", allow_null=True)
