"""A labeler's queue: assignments, and the workspace that opens one (docs/annotation.md)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from annotator.models import Assignment, Category, Guideline, Labeler, Video
from annotator.services.workspace import Workspace


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


class ReassignSerializer(serializers.Serializer):
    labeler = serializers.CharField(help_text="The new labeler's code")


class BookmarkSerializer(serializers.Serializer):
    last_frame = serializers.IntegerField(min_value=0)


class GuidelineTextSerializer(serializers.ModelSerializer):
    """A guideline as the workspace shows it beside a category."""

    class Meta:
        model = Guideline
        fields = ["version", "definition", "inclusion", "exclusion"]


class WorkspaceAssignmentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="assignment.pk")
    state = serializers.ChoiceField(source="assignment.state", choices=Assignment.State.choices)
    labeler = serializers.CharField(source="assignment.labeler.code")
    last_frame = serializers.IntegerField(source="assignment.last_frame")
    is_training = serializers.BooleanField(source="assignment.is_training")
    review_started = serializers.BooleanField(
        help_text="review has started: the work can no longer be reopened"
    )


class WorkspaceVideoSerializer(serializers.ModelSerializer):
    has_proxy = serializers.SerializerMethodField()

    class Meta:
        model = Video
        fields = [
            "id",
            "external_id",
            "status",
            "fps",
            "fps_fraction",
            "num_frames",
            "width",
            "height",
            "has_proxy",
        ]

    def get_has_proxy(self, video: Video) -> bool:
        return bool(video.proxy_file)


class WorkspaceProjectSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()


class LaneSerializer(serializers.Serializer):
    name = serializers.CharField()
    colour = serializers.CharField(help_text="CSS colour of the lane")


class WorkspaceCategorySerializer(serializers.ModelSerializer):
    """A category with its current guideline (null when it has none)."""

    guideline = serializers.SerializerMethodField()

    class Meta:
        model = Category
        fields = ["code", "name", "group", "hotkey", "description", "guideline"]

    @extend_schema_field(GuidelineTextSerializer(allow_null=True))
    def get_guideline(self, category: Category) -> dict | None:
        guideline = self.context["guidelines"].get(category.code)
        return GuidelineTextSerializer(guideline).data if guideline else None


class WorkspaceSerializer(serializers.Serializer):
    """annotator.services.workspace.Workspace: what the annotate page opens one assignment
    with. Names no other labeler."""

    assignment = WorkspaceAssignmentSerializer(source="*")
    video = WorkspaceVideoSerializer()
    project = WorkspaceProjectSerializer()
    groups = LaneSerializer(many=True)
    categories = serializers.SerializerMethodField()
    general_rules = GuidelineTextSerializer(allow_null=True)
    shortcuts = serializers.DictField(
        child=serializers.CharField(), help_text="action name → key (the labeler's own)"
    )

    @extend_schema_field(WorkspaceCategorySerializer(many=True))
    def get_categories(self, workspace: Workspace) -> list[dict]:
        context = {"guidelines": workspace.guidelines}
        return WorkspaceCategorySerializer(workspace.categories, many=True, context=context).data
