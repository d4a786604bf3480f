"""Dataset releases (docs/design.md §10)."""

from __future__ import annotations

from pathlib import Path

from django.urls import reverse
from rest_framework import serializers

from annotator.models import Release

from .fields import IsoDateTimeField, NumberField, OpenRecordSerializer


class _Ids(serializers.ListField):
    child = serializers.CharField(max_length=50)


class ReleaseRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    version = serializers.CharField(max_length=80, default="1.0")
    licence = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    protocol = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200_000,
        help_text="evaluation-protocol text: both splits from its subject and video lists",
    )
    train_subjects = _Ids(required=False)
    test_subjects = _Ids(required=False)
    train_videos = _Ids(required=False)
    test_videos = _Ids(required=False)
    seed = serializers.IntegerField(default=0, min_value=0, max_value=2**31 - 1)
    test_fraction = serializers.FloatField(default=0.25, min_value=0.01, max_value=0.99)


class SplitOptionsSerializer(OpenRecordSerializer):
    """annotator.services.release_spec.SplitOptions as frozen on the release."""

    protocol_text = serializers.CharField()
    train_subjects = _Ids()
    test_subjects = _Ids()
    train_videos = _Ids()
    test_videos = _Ids()
    seed = serializers.IntegerField()
    test_fraction = NumberField()
    emotion_test_fraction = NumberField()


class ReleaseConfigSerializer(OpenRecordSerializer):
    """What the release froze when it was asked for, so that writing it again is identical."""

    splits = SplitOptionsSerializer()
    licence = serializers.CharField()
    source_date_epoch = serializers.IntegerField(help_text="every file's mtime (Unix seconds)")


class ReleaseSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    clips = serializers.IntegerField(source="clip_count")
    poses = serializers.IntegerField(source="pose_count")
    videos = serializers.IntegerField(source="video_count")
    subjects = serializers.IntegerField(source="subject_count")
    tar = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField()
    validation = serializers.ListField(
        child=serializers.CharField(), allow_null=True, help_text="problems found; null: not run"
    )
    valid = serializers.SerializerMethodField()
    config = ReleaseConfigSerializer()
    job = serializers.IntegerField(source="job_id", allow_null=True)
    job_state = serializers.CharField(source="job.state", allow_null=True)
    progress = serializers.FloatField(source="job.progress", allow_null=True)
    created_at = IsoDateTimeField()
    finished_at = IsoDateTimeField(allow_null=True)

    class Meta:
        model = Release
        fields = [
            "id",
            "project",
            "name",
            "version",
            "status",
            "labels_only",
            "clips",
            "poses",
            "videos",
            "subjects",
            "sha256",
            "manifest_sha256",
            "tar",
            "download",
            "validation",
            "valid",
            "error",
            "config",
            "job",
            "job_state",
            "progress",
            "created_at",
            "finished_at",
        ]

    def get_tar(self, release: Release) -> str:
        return Path(release.tar_file).name if release.tar_file else ""

    def get_download(self, release: Release) -> str:
        """The tar's URL; "" before it is written, or when `export_release --out` wrote it
        outside MEDIA_ROOT (never served over HTTP)."""
        if not release.tar_file or Path(release.tar_file).is_absolute():
            return ""
        return reverse("release-download", args=[release.pk])

    def get_valid(self, release: Release) -> bool | None:
        return None if release.validation is None else not release.validation


class ReleaseStartedSerializer(serializers.Serializer):
    """202: the job writing the release, and the release as frozen."""

    job = serializers.IntegerField(source="job_id")
    release = ReleaseSerializer(source="*")
