"""Labeler training: guidelines, training rounds on sample videos, reference answers."""

from django.conf import settings
from django.db import models


class Guideline(models.Model):
    """One version of a category's guideline (or, with no category, of the general boundary
    rules). Never edited: a change is a new row with the next version, so every version stays."""

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="guidelines"
    )
    category = models.ForeignKey(
        "annotator.Category",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="guidelines",
    )
    version = models.PositiveIntegerField()
    definition = models.TextField(blank=True)
    inclusion = models.TextField(blank=True, help_text="What counts")
    exclusion = models.TextField(blank=True, help_text="What does not count")
    example_clips = models.JSONField(default=list, blank=True, help_text="Clip ids")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["project", "category", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "category", "version"], name="guideline_version_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"guideline {self.category or 'general'} v{self.version}"


class TrainingRound(models.Model):
    """Every labeler labels the same sample videos, blind; then the group compares."""

    class State(models.TextChoices):
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    project = models.ForeignKey(
        "annotator.Project", on_delete=models.CASCADE, related_name="training_rounds"
    )
    number = models.PositiveIntegerField()
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    theta = models.FloatField(default=0.5)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="training_round_number"),
        ]

    def __str__(self) -> str:
        return f"round {self.number} ({self.name})"


class TrainingItem(models.Model):
    """A sample video of a round, optionally narrowed to a span (a clip as the exercise)."""

    round = models.ForeignKey(TrainingRound, on_delete=models.CASCADE, related_name="items")
    video = models.ForeignKey(
        "annotator.Video", on_delete=models.PROTECT, related_name="training_items"
    )
    start_frame = models.PositiveIntegerField(null=True, blank=True)
    end_frame = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["round", "id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "video"], name="training_item_once"),
        ]

    def __str__(self) -> str:
        return f"{self.video} in {self.round}"


class ReferenceSegment(models.Model):
    """The agreed answer for a round's item, recorded by an admin after the discussion."""

    round = models.ForeignKey(TrainingRound, on_delete=models.CASCADE, related_name="reference")
    video = models.ForeignKey("annotator.Video", on_delete=models.CASCADE, related_name="+")
    start_frame = models.PositiveIntegerField()
    end_frame = models.PositiveIntegerField()
    category = models.ForeignKey("annotator.Category", on_delete=models.PROTECT)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["round", "video", "start_frame", "end_frame"]

    def __str__(self) -> str:
        return f"reference [{self.start_frame}, {self.end_frame}] of {self.video}"
