"""Agreement runs, disagreements, review decisions and the clips they produce (docs/design.md
§6–7)."""

from django.conf import settings
from django.db import models

from .history import AppendOnlyModel


class AgreementRun(models.Model):
    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="agreement_runs"
    )
    theta = models.FloatField()
    rule_version = models.CharField(max_length=30)
    r_avg = models.FloatField(null=True, blank=True)
    per_video = models.JSONField(default=dict, blank=True)
    per_pair = models.JSONField(default=dict, blank=True)
    # The whole report of annotator.agreement.report (per category, R(θ), deltas, κ, counts).
    summary = models.JSONField(default=dict, blank=True)
    trigger = models.CharField(max_length=30, blank=True, help_text="submission, manual, theta")
    # The job that computed the run; none for a run recorded outside the job system.
    job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "-created_at", "-id"]

    def __str__(self) -> str:
        return f"agreement θ={self.theta} ({self.created_at:%Y-%m-%d %H:%M})"


class Disagreement(models.Model):
    class Kind(models.TextChoices):
        LABEL_CONFLICT = "label_conflict", "Label conflict"
        LOW_OVERLAP = "low_overlap", "Low overlap"
        ONLY_IN_I = "only_in_i", "Only in labeler i"
        ONLY_IN_J = "only_in_j", "Only in labeler j"

    run = models.ForeignKey(AgreementRun, on_delete=models.CASCADE, related_name="disagreements")
    video = models.ForeignKey("annotator.Video", on_delete=models.CASCADE)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    segment_i = models.ForeignKey(
        "annotator.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    segment_j = models.ForeignKey(
        "annotator.Segment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tiou = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["run", "video", "id"]

    def __str__(self) -> str:
        return f"{self.kind} in {self.video}"


class ReviewDecision(models.Model):
    class Action(models.TextChoices):
        KEEP = "keep", "Keep"
        DROP = "drop", "Drop"
        # An undone decision: the row and its history stay, the item is open again.
        UNDECIDED = "", "Undecided"

    disagreement = models.OneToOneField(
        Disagreement, on_delete=models.CASCADE, related_name="decision"
    )
    action = models.CharField(max_length=10, choices=Action.choices, blank=True)
    category = models.ForeignKey(
        "annotator.Category", null=True, blank=True, on_delete=models.PROTECT
    )
    start_frame = models.PositiveIntegerField(null=True, blank=True)
    end_frame = models.PositiveIntegerField(null=True, blank=True)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    decided_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.action} ({self.disagreement})"


class ReviewDecisionHistory(AppendOnlyModel):
    decision = models.ForeignKey(ReviewDecision, on_delete=models.CASCADE, related_name="history")
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decision", "id"]
        verbose_name_plural = "review decision history"


class Clip(models.Model):
    """An agreed or adjudicated MG: the unit that is processed and released."""

    class Origin(models.TextChoices):
        MATCHED = "matched", "Matched by both labelers"
        ADJUDICATED = "adjudicated", "Kept by a reviewer"
        IMPORTED = "imported", "Imported from another dataset"

    class Status(models.TextChoices):
        AGREED = "agreed", "Agreed"
        PROCESSING = "processing", "Processing"
        PROCESSED = "processed", "Processed and verified"
        FAILED = "failed", "Processing failed"

    project = models.ForeignKey("annotator.Project", on_delete=models.CASCADE, related_name="clips")
    video = models.ForeignKey("annotator.Video", on_delete=models.CASCADE, related_name="clips")
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    category = models.ForeignKey("annotator.Category", on_delete=models.PROTECT)
    origin = models.CharField(max_length=20, choices=Origin.choices)
    provenance = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.AGREED)
    # Outputs of processing (paths under MEDIA_ROOT) and its privacy record (docs/design.md §8).
    clip_file = models.CharField(max_length=500, blank=True, help_text="Blurred, no audio")
    pose_file = models.CharField(max_length=500, blank=True)
    pose_layout = models.CharField(max_length=50, blank=True)
    # sha256 of clip_file / pose_file, taken when the file was made: a release's manifest uses
    # it instead of reading every file again (the release is validated after it is written).
    clip_sha256 = models.CharField(max_length=64, blank=True)
    pose_sha256 = models.CharField(max_length=64, blank=True)
    privacy = models.JSONField(default=dict, blank=True)
    # How the poses were made: backend, model, layout and the backend's settings (written by the
    # pose stage, as the blur settings are in `privacy`); empty when the clip has no poses.
    pose_settings = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    # The job of the processing stage the clip is in, or was in last (cut, privacy, poses).
    processing_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    processed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["video", "start_frame", "end_frame"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_frame__gte=models.F("start_frame")),
                name="clip_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.video} [{self.start_frame}, {self.end_frame}] C{self.category.code}"
