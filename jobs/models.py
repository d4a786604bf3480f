"""The Job row: the single record of every piece of long work (docs/design.md §13).

A job knows nothing of the domain. What it works on is in ``params`` (ids the handler reads)
and in ``scope``, a short label the enqueuing code chooses ("project:3/video:12") so that jobs
can be listed and filtered per project. Domain rows point at their job with a foreign key of
their own; the job never points back.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q, QuerySet


class Job(models.Model):
    class State(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        RETRYING = "retrying", "Waiting to retry"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    ACTIVE_STATES = (State.QUEUED, State.RUNNING, State.RETRYING)

    kind = models.CharField(max_length=50)
    queue = models.CharField(max_length=20, default="media")
    scope = models.CharField(max_length=100, blank=True, db_index=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.QUEUED)
    progress = models.FloatField(default=0.0, help_text="0..1")
    message = models.CharField(max_length=255, blank=True)
    log = models.TextField(blank=True)
    params = models.JSONField(default=dict, blank=True)
    result = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    max_attempts = models.PositiveIntegerField(default=3)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    worker = models.CharField(max_length=200, blank=True)
    # The process running the current attempt (jobs.ownership): a worker's name is no proof.
    owner_machine = models.CharField(max_length=200, blank=True)
    owner_pid = models.PositiveIntegerField(null=True, blank=True)
    owner_started = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["state", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"job {self.pk} {self.kind} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state in self.ACTIVE_STATES

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


def within_scope(jobs: QuerySet[Job], scope: str) -> QuerySet[Job]:
    """Jobs whose scope is ``scope`` or lies under it ("project:3" finds "project:3/video:9")."""
    scope = scope.rstrip("/")
    return jobs.filter(Q(scope=scope) | Q(scope__startswith=scope + "/"))
