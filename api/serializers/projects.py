"""Projects: the project with its progress, categories, taxonomy, assignment balance and
clip processing."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import BaselineRun, Category, Clip, Labeler, Project
from annotator.services.progress import project_progress
from annotator.services.suggester import SuggesterRefused, check_suggester

from .fields import state_counts
from .poses import ErrorGroupSerializer


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "group", "hotkey", "description", "label_index"]


class ProjectProgressSerializer(serializers.Serializer):
    """annotator.services.progress.ProjectProgress: videos by ingest status, real assignments,
    and videos along the way to a release."""

    videos = serializers.IntegerField(source="videos.total")
    ready = serializers.IntegerField(source="videos.by_state.ready")
    pending = serializers.IntegerField(source="videos.by_state.pending")
    ingesting = serializers.IntegerField(source="videos.by_state.ingesting")
    rejected = serializers.IntegerField(source="videos.by_state.rejected")
    assigned = serializers.IntegerField(help_text="videos with real (non-training) assignments")
    submitted = serializers.IntegerField(source="assignments.by_state.submitted")
    assignments = serializers.IntegerField(source="assignments.total")
    clips = serializers.IntegerField()
    releases = serializers.IntegerField()
    labelled = serializers.IntegerField(help_text="videos whose real assignments are submitted")
    agreed = serializers.IntegerField(help_text="videos whose review is closed")
    processed = serializers.IntegerField(help_text="videos whose clips are all processed")
    released = serializers.IntegerField(help_text="videos with a clip in a release")


class ProjectSerializer(serializers.ModelSerializer):
    labelers = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=Labeler.objects.all(), required=False
    )
    progress = serializers.SerializerMethodField()
    proposal_suggester = serializers.PrimaryKeyRelatedField(
        queryset=BaselineRun.objects.select_related("release"),
        allow_null=True,
        required=False,
        help_text="the finished baseline run whose classifier suggests each proposal's category",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "description",
            "taxonomy_name",
            "theta",
            "clip_bounds_rule",
            "extract_poses",
            "video_poses",
            "proposals_enabled",
            "proposal_suggester",
            "labelers",
            "progress",
            "created_at",
        ]
        read_only_fields = ["taxonomy_name", "created_at"]

    def validate_proposal_suggester(self, run: BaselineRun | None) -> BaselineRun | None:
        if run is not None:
            if self.instance is None:
                raise SuggesterRefused(
                    "a new project has no baseline runs: pick a suggester once one is done",
                    code="suggester_other_project",
                )
            check_suggester(self.instance, run)
        return run

    @extend_schema_field(ProjectProgressSerializer)
    def get_progress(self, project: Project) -> dict:
        return ProjectProgressSerializer(project_progress(project)).data


class TaxonomyLoadedSerializer(serializers.Serializer):
    categories = serializers.IntegerField(source="categories.count")
    taxonomy_name = serializers.CharField()


class AssignedSerializer(serializers.Serializer):
    """annotator.services.assignment.Assigned: assignments made, and the balance after."""

    created = serializers.SerializerMethodField(help_text="assignments made (two per video)")
    load = serializers.DictField(
        child=serializers.IntegerField(), source="balance.load", help_text="labeler code → videos"
    )
    pairs = serializers.SerializerMethodField()

    def get_created(self, assigned) -> int:
        return len(assigned.created)

    @extend_schema_field(
        serializers.DictField(child=serializers.IntegerField(), help_text='"A-B" → shared videos')
    )
    def get_pairs(self, assigned) -> dict[str, int]:
        return {f"{a}-{b}": n for (a, b), n in assigned.balance.pairs.items()}


class ProcessStartedSerializer(serializers.Serializer):
    """The clips sent through the pipeline: one job (its first stage) each."""

    clips = serializers.SerializerMethodField()
    jobs = serializers.SerializerMethodField()

    def get_clips(self, jobs) -> int:
        return len(jobs)

    def get_jobs(self, jobs) -> list[int]:
        return [job.pk for job in jobs]


ClipStatusCountsSerializer = state_counts("ClipStatusCounts", Clip.Status.values)


class FailedClipSerializer(serializers.Serializer):
    clip = serializers.IntegerField(source="pk")
    video = serializers.CharField(source="video.external_id")
    error = serializers.CharField()


class ProcessingSummarySerializer(serializers.Serializer):
    """annotator.services.processing.ProcessingSummary."""

    clips = serializers.IntegerField(source="counts.total")
    by_status = ClipStatusCountsSerializer(source="counts.by_state")
    progress = serializers.FloatField(help_text="the share of clips processed")
    failed = FailedClipSerializer(many=True)
    errors = ErrorGroupSerializer(many=True, help_text="each distinct failure once, with its clips")
    extract_poses = serializers.BooleanField(help_text="the project's clips get poses")
    pose_backend = serializers.CharField(
        allow_null=True, help_text="POSE_BACKEND, or null when the project extracts no poses"
    )


class ImportSerializer(serializers.Serializer):
    folder = serializers.CharField()
    metadata = serializers.CharField(help_text="The metadata CSV's text")
