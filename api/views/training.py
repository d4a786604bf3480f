"""Labeler training: rounds (admins), a labeler's own results, and guidelines."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.models import Guideline, Labeler, Project, ReferenceSegment, TrainingRound
from annotator.services import training
from api.params import optional_int_param
from api.permissions import (
    AdminOrProjectLabeler,
    AdminWritesProject,
    IsAdmin,
    is_admin,
    labeler_of,
    visible_projects,
)
from api.serializers import (
    GuidelineRequestSerializer,
    GuidelineSerializer,
    ReferenceRequestSerializer,
    ReferenceSegmentSerializer,
    RoundComparisonSerializer,
    RoundCreateSerializer,
    RoundStatusSerializer,
    SampleCandidateSerializer,
    TrainingResultsSerializer,
)


class TrainingRoundViewSet(viewsets.GenericViewSet):
    """Training rounds: every labeler labels the same sample videos; then the comparison."""

    permission_classes = [IsAdmin]
    queryset = TrainingRound.objects.select_related("project")
    serializer_class = RoundStatusSerializer
    pagination_class = None

    @extend_schema(
        parameters=[OpenApiParameter("project", int)],
        responses={200: RoundStatusSerializer(many=True)},
    )
    def list(self, request):
        rounds = self.get_queryset()
        project = optional_int_param(request, "project")
        if project is not None:
            rounds = rounds.filter(project=project)
        statuses = [training.round_status(r) for r in rounds]
        return Response(RoundStatusSerializer(statuses, many=True).data)

    @extend_schema(responses={200: RoundStatusSerializer})
    def retrieve(self, request, pk=None):
        return Response(RoundStatusSerializer(training.round_status(self.get_object())).data)

    @extend_schema(request=RoundCreateSerializer, responses={201: RoundStatusSerializer})
    def create(self, request):
        data = RoundCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        project = get_object_or_404(Project, pk=data.validated_data["project"])
        round_ = training.create_round(
            project,
            data.validated_data.get("name", ""),
            data.validated_data["videos"],
            request.user,
        )
        body = RoundStatusSerializer(training.round_status(round_)).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[OpenApiParameter("project", int, required=True)],
        responses={200: SampleCandidateSerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def samples(self, request):
        """Every video of the project, each a possible sample or with the reason it is not."""
        project = get_object_or_404(Project, pk=optional_int_param(request, "project") or 0)
        candidates = training.sample_candidates(project)
        return Response(SampleCandidateSerializer(candidates, many=True).data)

    @extend_schema(responses={200: RoundComparisonSerializer})
    @action(detail=True, methods=["get"])
    def comparison(self, request, pk=None):
        """Every labeler's work side by side, once all have submitted every item."""
        return Response(RoundComparisonSerializer(training.comparison(self.get_object())).data)

    @extend_schema(
        request=ReferenceRequestSerializer, responses={200: ReferenceSegmentSerializer(many=True)}
    )
    @action(detail=True, methods=["get", "put"])
    def reference(self, request, pk=None):
        """GET: the reference answer; PUT {video, segments: [{start_frame, end_frame,
        category_code}]}: replace one item's reference."""
        round_ = self.get_object()
        if request.method == "PUT":
            data = ReferenceRequestSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            training.set_reference(
                round_, data.validated_data["video"], data.validated_data["segments"], request.user
            )
        rows = ReferenceSegment.objects.filter(round=round_).select_related("category")
        return Response(ReferenceSegmentSerializer(rows, many=True).data)

    @extend_schema(request=None, responses={200: RoundStatusSerializer})
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Closing lets each labeler see their own results."""
        round_ = training.close_round(self.get_object())
        return Response(RoundStatusSerializer(training.round_status(round_)).data)


class TrainingResultsView(APIView):
    """A labeler's own scores per closed round (?project=ID); admins pass ?labeler=CODE."""

    permission_classes = [IsAuthenticated, AdminOrProjectLabeler]

    @extend_schema(
        parameters=[
            OpenApiParameter("project", int, required=True),
            OpenApiParameter("labeler", str, description="admins: whose results"),
        ],
        responses={200: TrainingResultsSerializer},
    )
    def get(self, request):
        project = get_object_or_404(Project, pk=optional_int_param(request, "project") or 0)
        self.check_object_permissions(request, project)
        if is_admin(request.user):
            labeler = get_object_or_404(Labeler, code=request.query_params.get("labeler", ""))
        else:
            labeler = labeler_of(request.user)
        results = training.labeler_results(labeler, project)
        return Response(TrainingResultsSerializer({"labeler": labeler, "rounds": results}).data)


class GuidelinesView(APIView):
    """GET: the current guidelines (members and admins; ?history&category=CODE lists every
    version); POST: a new version (admins). A project the caller is not in is a 404."""

    permission_classes = [IsAuthenticated, AdminWritesProject]

    def _project(self, request, project_id: int) -> Project:
        project = visible_projects(request.user).filter(pk=project_id).first()
        if project is None:
            raise NotFound()
        self.check_object_permissions(request, project)
        return project

    @extend_schema(
        parameters=[
            OpenApiParameter("history", bool, description="every version, newest first"),
            OpenApiParameter("category", int, description="with history: this category's"),
        ],
        responses={200: GuidelineSerializer(many=True)},
    )
    def get(self, request, project_id: int):
        project = self._project(request, project_id)
        if request.query_params.get("history") is not None:
            code = optional_int_param(request, "category")
            rows = Guideline.objects.filter(project=project).select_related(
                "category", "created_by"
            )
            rows = (
                rows.filter(category__code=code)
                if code is not None
                else rows.filter(category__isnull=True)
            )
            return Response(GuidelineSerializer(rows.order_by("-version"), many=True).data)
        current = training.current_guidelines(project)
        return Response(GuidelineSerializer(current.values(), many=True).data)

    @extend_schema(request=GuidelineRequestSerializer, responses={201: GuidelineSerializer})
    def post(self, request, project_id: int):
        project = self._project(request, project_id)
        data = GuidelineRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        code = fields.pop("category_code")
        guideline = training.save_guideline(project, code, request.user, **fields)
        return Response(GuidelineSerializer(guideline).data, status=status.HTTP_201_CREATED)
