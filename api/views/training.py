"""Labeler training: rounds (admins), a labeler's own results, and guidelines."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action, api_view, permission_classes
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotator.models import Guideline, Labeler, Project, ReferenceSegment, TrainingRound
from annotator.services import training
from api.permissions import IsAdmin, is_admin, labeler_of


class RoundCreateSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    videos = serializers.ListField(child=serializers.IntegerField(), min_length=1)


class ReferenceSerializer(serializers.Serializer):
    video = serializers.IntegerField()
    segments = serializers.ListField(child=serializers.DictField())


class GuidelineSerializer(serializers.Serializer):
    category_code = serializers.IntegerField(allow_null=True)
    definition = serializers.CharField(allow_blank=True, required=False)
    inclusion = serializers.CharField(allow_blank=True, required=False)
    exclusion = serializers.CharField(allow_blank=True, required=False)
    example_clips = serializers.ListField(child=serializers.IntegerField(), required=False)


class RoundStatusSerializer(serializers.Serializer):
    """What annotator.services.training.round_status returns (documentation only)."""

    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    state = serializers.ChoiceField(choices=TrainingRound.State.choices)
    theta = serializers.FloatField()
    videos = serializers.ListField(child=serializers.DictField())
    labelers = serializers.DictField(help_text="labeler code → {items, submitted}")
    complete = serializers.BooleanField()
    has_reference = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)


def _refused(exc: training.TrainingError) -> Response:
    return Response({"detail": str(exc)}, status=400)


class TrainingRoundViewSet(viewsets.GenericViewSet):
    """Training rounds: every labeler labels the same sample videos; then the comparison."""

    permission_classes = [IsAdmin]
    queryset = TrainingRound.objects.select_related("project")
    serializer_class = RoundStatusSerializer

    @extend_schema(responses={200: RoundStatusSerializer(many=True)})
    def list(self, request):
        rounds = self.get_queryset()
        if request.query_params.get("project"):
            rounds = rounds.filter(project=request.query_params["project"])
        return Response([training.round_status(r) for r in rounds])

    @extend_schema(responses={200: RoundStatusSerializer})
    def retrieve(self, request, pk=None):
        return Response(training.round_status(self.get_object()))

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundStatusSerializer})
    def create(self, request):
        data = RoundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        try:
            round_ = training.create_round(
                project,
                data.validated_data.get("name", ""),
                data.validated_data["videos"],
                request.user,
            )
        except training.TrainingError as exc:
            return _refused(exc)
        return Response(training.round_status(round_), status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        try:
            return Response(training.comparison(self.get_object()))
        except training.TrainingError as exc:
            return _refused(exc)

    @extend_schema(request=ReferenceSerializer, responses={200: dict})
    @action(detail=True, methods=["get", "put"])
    def reference(self, request, pk=None):
        """GET: the reference answer; PUT {video, segments: [{start_frame, end_frame,
        category_code}]}: replace one item's reference."""
        round_ = self.get_object()
        if request.method == "PUT":
            data = ReferenceSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            try:
                training.set_reference(
                    round_,
                    data.validated_data["video"],
                    data.validated_data["segments"],
                    request.user,
                )
            except (training.TrainingError, KeyError, ValueError) as exc:
                return Response({"detail": f"bad reference: {exc}"}, status=400)
        rows = ReferenceSegment.objects.filter(round=round_).select_related("category")
        return Response(
            [
                {
                    "video": r.video_id,
                    "start_frame": r.start_frame,
                    "end_frame": r.end_frame,
                    "category_code": r.category.code,
                }
                for r in rows
            ]
        )

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Closing lets each labeler see their own results."""
        try:
            return Response(training.round_status(training.close_round(self.get_object())))
        except training.TrainingError as exc:
            return _refused(exc)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def training_results(request):
    """A labeler's own scores per closed round (?project=ID); admins pass ?labeler=CODE."""
    project = get_object_or_404(Project, pk=request.query_params.get("project") or 0)
    if is_admin(request.user):
        labeler = get_object_or_404(Labeler, code=request.query_params.get("labeler", ""))
    else:
        labeler = labeler_of(request.user)
        if labeler is None or not project.labelers.filter(pk=labeler.pk).exists():
            raise PermissionDenied("Only the project's labelers have training results.")
    return Response({"labeler": labeler.code, "rounds": training.labeler_results(labeler, project)})


@extend_schema(request=GuidelineSerializer, responses={200: dict})
@api_view(["GET", "POST"])
@permission_classes([IsAuthenticated])
def guidelines(request, project_id: int):
    """GET: the current guidelines (members and admins); POST: a new version (admins)."""
    project = get_object_or_404(Project, pk=project_id)
    member = labeler_of(request.user)
    if not is_admin(request.user) and not (
        member and project.labelers.filter(pk=member.pk).exists()
    ):
        return Response({"detail": "Not found."}, status=404)
    if request.method == "POST":
        if not is_admin(request.user):
            raise PermissionDenied("Only admins edit guidelines.")
        data = GuidelineSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        code = fields.pop("category_code")
        try:
            g = training.save_guideline(project, code, request.user, **fields)
        except training.TrainingError as exc:
            return _refused(exc)
        return Response(training.guideline_json(g), status=status.HTTP_201_CREATED)
    if request.query_params.get("history") is not None:
        code = request.query_params.get("category")
        rows = Guideline.objects.filter(project=project).select_related("category", "created_by")
        rows = rows.filter(category__code=code) if code else rows.filter(category__isnull=True)
        return Response([training.guideline_json(g) for g in rows.order_by("-version")])
    current = training.current_guidelines(project)
    return Response([training.guideline_json(g) for g in current.values()])
