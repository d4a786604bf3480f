"""Dataset releases and the baseline runs trained on them."""

from django.db import models


class Release(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        WRITING = "writing", "Writing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="releases"
    )
    name = models.CharField(max_length=100)
    version = models.CharField(max_length=30)
    clips = models.ManyToManyField("annotator.Clip", related_name="releases", blank=True)
    config = models.JSONField(default=dict, blank=True)
    manifest_sha256 = models.CharField(max_length=64, blank=True)
    path = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    # Written by the export (annotator.services.release): `path` is the folder, `tar_file` the
    # tar (relative to MEDIA_ROOT when under it, else absolute), `sha256` the tar's digest.
    tar_file = models.CharField(max_length=500, blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    clip_count = models.PositiveIntegerField(default=0)
    pose_count = models.PositiveIntegerField(default=0)
    video_count = models.PositiveIntegerField(default=0)
    subject_count = models.PositiveIntegerField(default=0)
    labels_only = models.BooleanField(default=False)
    validation = models.JSONField(
        null=True, blank=True, help_text="validate_release's problems after writing ([] = valid)"
    )
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "name", "version"], name="release_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}-{self.version}"


class BaselineRun(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="baseline_runs")
    model_name = models.CharField(max_length=50)
    config = models.JSONField(default=dict, blank=True)
    metrics = models.JSONField(default=dict, blank=True)
    artefacts = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.model_name} on {self.release}"
