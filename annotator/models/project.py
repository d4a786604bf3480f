"""Projects, their taxonomy, subjects and videos."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Project(models.Model):
    class BoundsRule(models.TextChoices):
        MEAN = "mean", "Mean of the two labelers' bounds"
        UNION = "union", "Union"
        INTERSECTION = "intersection", "Intersection"

    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)
    taxonomy_name = models.CharField(max_length=100, default="iMiGUE")
    theta = models.FloatField(default=0.5, help_text="tIoU threshold of the agreement rule")
    clip_bounds_rule = models.CharField(
        max_length=20, choices=BoundsRule.choices, default=BoundsRule.MEAN
    )
    labelers = models.ManyToManyField("annotator.Labeler", related_name="projects", blank=True)
    # Processing extracts poses (docs/design.md §8-9); off, clips end processed once verified.
    extract_poses = models.BooleanField(default=True)
    # Machine proposals (docs/design.md §17): whole-video poses after ingest (slow on a CPU, so
    # off unless asked), whether labelers are shown proposals, and the finished baseline run
    # whose classifier suggests each proposal's category.
    video_poses = models.BooleanField(default=False)
    proposals_enabled = models.BooleanField(default=True)
    proposal_suggester = models.ForeignKey(
        "annotator.BaselineRun",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="categories")
    code = models.IntegerField()
    name = models.CharField(max_length=100)
    group = models.CharField(max_length=50)
    hotkey = models.CharField(max_length=10, blank=True)
    description = models.TextField(blank=True)
    label_index = models.PositiveIntegerField(help_text="0..N-1 class index used by models")

    class Meta:
        ordering = ["project", "label_index"]
        constraints = [
            models.UniqueConstraint(fields=["project", "code"], name="category_code_unique"),
            models.UniqueConstraint(fields=["project", "name"], name="category_name_unique"),
        ]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return f"C{self.code} {self.name}"


class Subject(models.Model):
    """A person in the videos, known only by a pseudonymous id (never a name)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="subjects")
    subject_id = models.CharField(max_length=50)
    gender = models.CharField(max_length=20, blank=True)
    nationality = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["project", "subject_id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "subject_id"], name="subject_id_unique"),
        ]

    def __str__(self) -> str:
        return f"subject {self.subject_id}"


class Video(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for ingest"
        INGESTING = "ingesting", "Probing and making the proxy"
        READY = "ready", "Ready"
        REJECTED = "rejected", "Rejected"
        NO_MEDIA = "no_media", "Labels only (no source file)"

    class MatchResult(models.TextChoices):
        WIN = "win", "Win"
        LOSE = "lose", "Lose"
        UNKNOWN = "", "Unknown"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="videos")
    external_id = models.CharField(
        max_length=50, help_text="The dataset's video id (iMiGUE's video_id)"
    )
    original_name = models.CharField(
        max_length=255, blank=True, help_text="Uploaded file name; never written to a release"
    )
    source_file = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT")
    proxy_file = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT")
    sha256 = models.CharField(max_length=64, blank=True)
    size_bytes = models.BigIntegerField(null=True, blank=True)
    fps = models.FloatField(null=True, blank=True)
    fps_fraction = models.CharField(max_length=30, blank=True)
    num_frames = models.PositiveIntegerField(null=True, blank=True)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    duration = models.FloatField(null=True, blank=True)
    has_audio = models.BooleanField(null=True, blank=True)
    video_codec = models.CharField(max_length=30, blank=True)
    subject = models.ForeignKey(
        Subject, null=True, blank=True, on_delete=models.SET_NULL, related_name="videos"
    )
    match_result = models.CharField(
        max_length=10, choices=MatchResult.choices, default=MatchResult.UNKNOWN, blank=True
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=50, blank=True)
    error = models.TextField(blank=True)
    # The latest hash, probe and proxy of the source (docs/design.md §13).
    ingest_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Review (docs/design.md §7): closed by an admin once every disagreement is decided; its clips
    # are then made and the decisions can no longer be undone.
    review_closed_at = models.DateTimeField(null=True, blank=True)
    review_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The video's number in every release (docs/design.md §10), given at its first release and
    # never changed (annotator.services.release_ids); never written into a release beside its id.
    release_number = models.PositiveIntegerField(null=True, blank=True)
    # The whole video's poses in the 22-joint layout (docs/design.md §17): extracted from the
    # proxy by the `video_poses` job, or cut from imported OpenPose skeletons. Never released.
    pose_file = models.CharField(max_length=500, blank=True, help_text="Path under MEDIA_ROOT")
    pose_layout = models.CharField(max_length=30, blank=True)
    pose_settings = models.JSONField(default=dict, blank=True)
    pose_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    proposals_job = models.ForeignKey(
        "jobs.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["project", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "release_number"], name="video_release_number_unique"
            ),
            models.UniqueConstraint(
                fields=["project", "external_id"], name="video_external_id_unique"
            ),
            # A duplicate upload is refused by content, not by name; rejected rows keep their
            # hash for the record without blocking the original.
            models.UniqueConstraint(
                fields=["project", "sha256"],
                condition=~Q(sha256="") & ~Q(status="rejected"),
                name="video_content_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"video {self.external_id}"

    @property
    def emotion(self) -> str:
        return {"win": "positive", "lose": "negative"}.get(self.match_result, "")

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY


class Upload(models.Model):
    """A video arriving in chunks from the browser; becomes a Video when complete."""

    class State(models.TextChoices):
        RECEIVING = "receiving", "Receiving"
        COMPLETE = "complete", "Complete"
        ABORTED = "aborted", "Aborted"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="uploads")
    filename = models.CharField(max_length=255)
    external_id = models.CharField(max_length=50, blank=True)
    size_bytes = models.BigIntegerField()
    received_bytes = models.BigIntegerField(default=0)
    state = models.CharField(max_length=20, choices=State.choices, default=State.RECEIVING)
    video = models.ForeignKey(Video, null=True, blank=True, on_delete=models.SET_NULL)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"upload {self.filename} ({self.received_bytes}/{self.size_bytes})"
