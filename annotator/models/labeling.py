"""Labelers, their assignments and the segments they mark, with append-only history."""

import uuid

from django.conf import settings
from django.db import models

from .history import AppendOnlyModel

COMMENT_MAX = 2000
NOTE_FIELDS = ("comment", "unsure", "overlap_confirmed")


class Labeler(models.Model):
    """A trained person who marks MGs. Admins are staff users and need no Labeler row."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labeler"
    )
    code = models.CharField(max_length=20, unique=True, help_text="Short pseudonym, e.g. L1")
    is_active = models.BooleanField(default=True)
    shortcuts = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class Assignment(models.Model):
    class State(models.TextChoices):
        ASSIGNED = "assigned", "Assigned"
        IN_PROGRESS = "in_progress", "In progress"
        SUBMITTED = "submitted", "Submitted"

    video = models.ForeignKey(
        "annotator.Video", on_delete=models.CASCADE, related_name="assignments"
    )
    labeler = models.ForeignKey(Labeler, on_delete=models.PROTECT, related_name="assignments")
    state = models.CharField(max_length=20, choices=State.choices, default=State.ASSIGNED)
    position = models.PositiveIntegerField(help_text="Order in the labeler's queue")
    is_training = models.BooleanField(default=False)
    training_round = models.ForeignKey(
        "annotator.TrainingRound",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignments",
    )
    last_frame = models.PositiveIntegerField(default=0, help_text="Where the labeler stopped")
    assigned_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["labeler", "position"]
        constraints = [
            models.UniqueConstraint(fields=["video", "labeler"], name="one_assignment_per_labeler"),
        ]

    def __str__(self) -> str:
        return f"{self.video} → {self.labeler}"


class Segment(models.Model):
    """One MG instance as a labeler marked it: frames are 0-based, end inclusive (docs/design.md
    §4)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="segments")
    client_uuid = models.UUIDField(default=uuid.uuid4, unique=True)
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    category = models.ForeignKey("annotator.Category", on_delete=models.PROTECT)
    version = models.PositiveIntegerField(default=1)
    is_deleted = models.BooleanField(default=False)
    # The labeler's notes for the reviewer (docs/design.md §5): a comment, "unsure", and that an
    # overlap with another segment of the same category is intended.
    comment = models.TextField(blank=True, default="", max_length=COMMENT_MAX)
    unsure = models.BooleanField(default=False)
    overlap_confirmed = models.BooleanField(default=False)
    # The machine proposal the segment was accepted from, as it was then (its id, bounds,
    # suggested category; docs/design.md §17), or null for a segment marked by hand. Kept as a
    # copy, not a key: proposals are regenerated, the record of where a segment began is not.
    proposal_origin = models.JSONField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["assignment", "start_frame", "end_frame"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_frame__gte=models.F("start_frame")),
                name="segment_start_before_end",
            ),
        ]

    def __str__(self) -> str:
        return f"[{self.start_frame}, {self.end_frame}] C{self.category.code}"

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame + 1

    def snapshot(self) -> dict:
        """The history's view of the segment; the notes appear once set (absent: empty)."""
        snap = {
            "start_frame": self.start_frame,
            "end_frame": self.end_frame,
            "category_code": self.category.code,
            "version": self.version,
            "is_deleted": self.is_deleted,
        }
        for note in NOTE_FIELDS:
            if getattr(self, note):
                snap[note] = getattr(self, note)
        if self.proposal_origin:
            snap["proposal"] = self.proposal_origin.get("proposal")
        return snap


class SegmentHistory(AppendOnlyModel):
    class Action(models.TextChoices):
        CREATE = "create", "Create"
        UPDATE = "update", "Update"
        DELETE = "delete", "Delete"
        IMPORT = "import", "Import"

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="history")
    action = models.CharField(max_length=10, choices=Action.choices)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["segment", "id"]
        verbose_name_plural = "segment history"
