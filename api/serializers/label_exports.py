"""Label exports for other tools (docs/design.md §10): each is a job; these are its views."""

from __future__ import annotations

from django.urls import reverse
from rest_framework import serializers

from annotator.services.label_exports import FORMATS, export_path
from jobs.models import Job

from .fields import IsoDateTimeField


class _Ids(serializers.ListField):
    child = serializers.CharField(max_length=50)


class LabelExportRequestSerializer(serializers.Serializer):
    format = serializers.ChoiceField(choices=list(FORMATS))
    train_subjects = _Ids(
        required=False, help_text="pyskl: subject ids of xsub_train (default: every clip)"
    )
    val_subjects = _Ids(
        required=False, help_text="pyskl: subject ids of xsub_val (default: every other subject)"
    )


class LabelExportSerializer(serializers.Serializer):
    """One export: its job's state and, once written, what the file holds and where."""

    id = serializers.IntegerField(source="pk", help_text="the export's job")
    format = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()
    state = serializers.CharField()
    progress = serializers.FloatField()
    message = serializers.CharField()
    error = serializers.CharField()
    name = serializers.SerializerMethodField(help_text="the file's name ('' until written)")
    size = serializers.SerializerMethodField(help_text="bytes (null until written)")
    clips = serializers.SerializerMethodField(help_text="clips in the export (null until done)")
    files = serializers.SerializerMethodField(help_text="files written (in the zip, if any)")
    skipped = serializers.SerializerMethodField(help_text="what was left out and why (first 50)")
    skipped_count = serializers.SerializerMethodField()
    download = serializers.SerializerMethodField(help_text="'' until the file is there")
    created_at = IsoDateTimeField()
    finished_at = IsoDateTimeField(allow_null=True)

    def _result(self, job: Job) -> dict:
        return job.result or {}

    def get_format(self, job: Job) -> str:
        return str((job.params or {}).get("format", ""))

    def get_description(self, job: Job) -> str:
        return FORMATS.get(self.get_format(job), ("", ""))[0]

    def get_name(self, job: Job) -> str:
        return str(self._result(job).get("name", ""))

    def get_size(self, job: Job) -> int | None:
        return self._result(job).get("size")

    def get_clips(self, job: Job) -> int | None:
        return self._result(job).get("clips")

    def get_files(self, job: Job) -> int | None:
        return self._result(job).get("files")

    def get_skipped(self, job: Job) -> list[str]:
        return list(self._result(job).get("skipped", []))

    def get_skipped_count(self, job: Job) -> int:
        return int(self._result(job).get("skipped_count", 0))

    def get_download(self, job: Job) -> str:
        return reverse("label-export-download", args=[job.pk]) if export_path(job) else ""


class LabelExportStartedSerializer(serializers.Serializer):
    """202: the export's job (poll it, or the project's export list)."""

    job = serializers.IntegerField(source="pk")
    export = LabelExportSerializer(source="*")
