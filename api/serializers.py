"""Serializers: shapes of the API's JSON. Validation rules live in annotator.services."""

from rest_framework import serializers

from annotator.models import (
    Assignment,
    Category,
    Clip,
    Labeler,
    Project,
    Subject,
    Video,
)
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


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "group", "hotkey", "description", "label_index"]


class ProjectSerializer(serializers.ModelSerializer):
    labelers = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Labeler.objects.all(), required=False
    )
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "taxonomy_name",
            "theta",
            "clip_bounds_rule",
            "labelers",
            "progress",
            "created_at",
        ]
        read_only_fields = ["taxonomy_name", "created_at"]

    def get_progress(self, project) -> dict:
        videos = project.videos.all()
        by_status = {s: videos.filter(status=s).count() for s in Video.Status.values}
        real = Assignment.objects.filter(video__project=project, is_training=False)
        return {
            "videos": videos.count(),
            "ready": by_status[Video.Status.READY],
            "pending": by_status[Video.Status.PENDING],
            "ingesting": by_status[Video.Status.INGESTING],
            "rejected": by_status[Video.Status.REJECTED],
            "assigned": videos.filter(assignments__is_training=False).distinct().count(),
            "submitted": real.filter(state=Assignment.State.SUBMITTED).count(),
            "assignments": real.count(),
            "clips": project.clips.count(),
            "releases": project.releases.count(),
            **self._pipeline_progress(project),
        }

    @staticmethod
    def _pipeline_progress(project) -> dict:
        """Videos along the way (the agreement dashboard): labelled = every (two or more) real
        assignment submitted; agreed = review closed; processed = has clips, all processed;
        released = has a clip in a release."""
        from django.db.models import Count, F, Q

        submitted = Q(assignments__is_training=False, assignments__state=Assignment.State.SUBMITTED)
        labelled = (
            project.videos.annotate(
                n=Count("assignments", filter=Q(assignments__is_training=False), distinct=True),
                done=Count("assignments", filter=submitted, distinct=True),
            )
            .filter(done__gte=2, done=F("n"))
            .count()
        )
        processed = (
            project.videos.annotate(
                n=Count("clips", distinct=True),
                done=Count("clips", filter=Q(clips__status=Clip.Status.PROCESSED), distinct=True),
            )
            .filter(n__gt=0, done=F("n"))
            .count()
        )
        return {
            "labelled": labelled,
            "agreed": project.videos.filter(review_closed_at__isnull=False).count(),
            "processed": processed,
            "released": project.videos.filter(clips__releases__isnull=False).distinct().count(),
        }


class SubjectSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subject
        fields = ["id", "project", "subject_id", "gender", "nationality"]


class VideoSerializer(serializers.ModelSerializer):
    subject = serializers.SlugRelatedField(slug_field="subject_id", read_only=True)
    labelers = serializers.SerializerMethodField()
    ingest_job = serializers.SerializerMethodField()
    emotion = serializers.CharField(read_only=True)

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
            "created_at",
        ]
        read_only_fields = fields

    def get_labelers(self, video) -> list[str]:
        return [a.labeler.code for a in video.assignments.all() if not a.is_training]

    def get_ingest_job(self, video) -> dict | None:
        job = video.ingest_job
        return JobSummarySerializer(job).data if job else None


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


class AssignmentVideoSerializer(serializers.ModelSerializer):
    class Meta:
        model = Video
        fields = ["id", "external_id", "status", "num_frames", "fps", "project"]


class AssignmentSerializer(serializers.ModelSerializer):
    video = AssignmentVideoSerializer(read_only=True)
    labeler = serializers.SlugRelatedField(slug_field="code", queryset=Labeler.objects.all())
    segment_count = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = [
            "id",
            "video",
            "labeler",
            "state",
            "position",
            "is_training",
            "last_frame",
            "segment_count",
            "assigned_at",
            "submitted_at",
        ]
        read_only_fields = ["state", "is_training", "assigned_at", "submitted_at"]

    def get_segment_count(self, assignment) -> int:
        return sum(1 for s in assignment.segments.all() if not s.is_deleted)


class SegmentSerializer(serializers.Serializer):
    """A segment as the API shows it (read-only). Declared field by field, not a
    ModelSerializer: it answers every save, and a ModelSerializer rebuilds its fields from the
    model on each use (about a millisecond of a save's CPU, bench/save_segments.py)."""

    client_uuid = serializers.UUIDField(read_only=True)
    assignment = serializers.IntegerField(source="assignment_id", read_only=True)
    start_frame = serializers.IntegerField(read_only=True)
    end_frame = serializers.IntegerField(read_only=True)
    category_code = serializers.IntegerField(source="category.code", read_only=True)
    version = serializers.IntegerField(read_only=True)
    is_deleted = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class SegmentWriteSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(required=False)
    assignment = serializers.IntegerField(required=False)
    start_frame = serializers.IntegerField(required=False)
    end_frame = serializers.IntegerField(required=False)
    category_code = serializers.IntegerField(required=False)
    version = serializers.IntegerField(required=False)


class LabelerSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = Labeler
        fields = ["id", "code", "username", "is_active"]


class LabelerCreateSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    code = serializers.CharField(max_length=20)
    password = serializers.CharField(write_only=True, min_length=8)
    project = serializers.IntegerField(required=False)


class UploadCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    filename = serializers.CharField(max_length=255)
    size = serializers.IntegerField(min_value=1)
    external_id = serializers.CharField(max_length=50, required=False, allow_blank=True)


class ImportSerializer(serializers.Serializer):
    folder = serializers.CharField()
    metadata = serializers.CharField(help_text="The metadata CSV's text")


class ReassignSerializer(serializers.Serializer):
    labeler = serializers.CharField(help_text="The new labeler's code")


class BookmarkSerializer(serializers.Serializer):
    last_frame = serializers.IntegerField(min_value=0)


class ShortcutsSerializer(serializers.Serializer):
    shortcuts = serializers.DictField(
        child=serializers.CharField(max_length=20, allow_blank=True),
        help_text='action name → key (e.g. {"step_forward": "ArrowRight"})',
    )


class ClipSerializer(serializers.ModelSerializer):
    video_external_id = serializers.CharField(source="video.external_id", read_only=True)
    category_code = serializers.IntegerField(source="category.code", read_only=True)
    num_frames = serializers.SerializerMethodField()
    # For the Clips page: what to show and how to play the clip on the source's proxy.
    category_name = serializers.CharField(source="category.name", read_only=True)
    category_group = serializers.CharField(source="category.group", read_only=True)
    subject_id = serializers.CharField(
        source="video.subject.subject_id", read_only=True, default=None, allow_null=True
    )
    video_fps = serializers.FloatField(source="video.fps", read_only=True)
    video_fps_fraction = serializers.CharField(source="video.fps_fraction", read_only=True)
    video_num_frames = serializers.IntegerField(source="video.num_frames", read_only=True)
    has_clip_file = serializers.SerializerMethodField()
    has_proxy = serializers.SerializerMethodField()

    class Meta:
        model = Clip
        fields = [
            "id",
            "project",
            "video",
            "video_external_id",
            "start_frame",
            "end_frame",
            "num_frames",
            "category_code",
            "origin",
            "status",
            "error",
            "privacy",
            "pose_layout",
            "processed_at",
            "created_at",
            "category_name",
            "category_group",
            "subject_id",
            "video_fps",
            "video_fps_fraction",
            "video_num_frames",
            "provenance",
            "has_clip_file",
            "has_proxy",
        ]
        read_only_fields = fields

    def get_num_frames(self, clip) -> int:
        return clip.end_frame - clip.start_frame + 1

    def get_has_clip_file(self, clip) -> bool:
        return bool(clip.clip_file)

    def get_has_proxy(self, clip) -> bool:
        return bool(clip.video.proxy_file)


class AgreementRequestSerializer(serializers.Serializer):
    theta = serializers.FloatField(
        required=False, min_value=0.01, max_value=1.0, help_text="default: the project's θ"
    )
