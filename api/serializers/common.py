"""Jobs (docs/design.md §13) and the shapes every area shares: a started job, an error."""

from __future__ import annotations

from rest_framework import serializers

from jobs.models import Job


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = [
            "id",
            "kind",
            "queue",
            "state",
            "progress",
            "message",
            "log",
            "error",
            "attempts",
            "max_attempts",
            "params",
            "result",
            "scope",
            "created_at",
            "started_at",
            "finished_at",
            "heartbeat_at",
            "worker",
        ]
        read_only_fields = fields


class JobSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "state", "progress", "message", "error"]


class JobStartedSerializer(serializers.Serializer):
    """202 for long work: the job to poll at ``GET /api/jobs/{job}/``."""

    job = serializers.IntegerField(source="pk")


class ErrorSerializer(serializers.Serializer):
    """Every refusal (api.errors): a message for people and a stable code for programs; some
    add fields of their own (``rule``, ``clips``, ``expected_offset``, ``current``)."""

    detail = serializers.CharField()
    code = serializers.CharField()


class UploadOffsetErrorSerializer(ErrorSerializer):
    expected_offset = serializers.IntegerField(help_text="resume the upload at this byte")
