from pathlib import Path

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.services import agreement as agreement_service
from annotator.services import projects as project_service
from annotator.services.assignment import assign
from annotator.services.ingest import request_folder_import
from annotator.services.processing import process_project, processing_summary
from annotator.services.review_status import project_review_summary
from annotator.services.taxonomy import load_taxonomy_into
from annotator.taxonomy import load_taxonomy
from api import agreement_export as export
from api.permissions import IsAdminOrReadOnlyMember, admin_only, visible_projects
from api.serializers import (
    AgreementReportSerializer,
    AgreementRequestSerializer,
    AgreementRunHeaderSerializer,
    AssignedSerializer,
    CategorySerializer,
    ImportSerializer,
    JobStartedSerializer,
    ProcessingSummarySerializer,
    ProcessStartedSerializer,
    ProjectSerializer,
    ReviewQueueRowSerializer,
    TaxonomyLoadedSerializer,
)

SEES_AGREEMENT = admin_only("Only admins see agreement.")


class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer
    permission_classes = [IsAdminOrReadOnlyMember]
    search_fields = ["name"]

    def get_queryset(self):
        return visible_projects(self.request.user).prefetch_related("labelers")

    def perform_destroy(self, project):
        project_service.delete_project(project)

    def perform_create(self, serializer):
        load_taxonomy_into(serializer.save())

    def perform_update(self, serializer):
        before = serializer.instance.theta
        project_service.theta_changed(serializer.save(), before, self.request.user)

    @extend_schema(responses={200: CategorySerializer(many=True)})
    @action(detail=True, methods=["get"], pagination_class=None)
    def categories(self, request, pk=None):
        project = self.get_object()
        return Response(CategorySerializer(project.categories.all(), many=True).data)

    @extend_schema(
        request={"application/json": {"type": "object", "description": "a JSON taxonomy"}},
        responses={200: TaxonomyLoadedSerializer},
    )
    @action(detail=True, methods=["post"])
    def taxonomy(self, request, pk=None):
        """Replace the project's taxonomy with a JSON taxonomy (the format of taxonomies/)."""
        project = self.get_object()
        load_taxonomy_into(project, load_taxonomy(request.data))
        return Response(TaxonomyLoadedSerializer(project).data)

    @extend_schema(request=None, responses={200: AssignedSerializer})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        return Response(AssignedSerializer(assign(self.get_object())).data)

    @extend_schema(request=ImportSerializer, responses={202: JobStartedSerializer})
    @action(detail=True, methods=["post"], url_path="import")
    def import_folder(self, request, pk=None):
        project = self.get_object()
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = request_folder_import(
            project,
            Path(data.validated_data["folder"]),
            data.validated_data["metadata"],
            user=request.user,
        )
        return Response(JobStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ProcessStartedSerializer})
    @action(detail=True, methods=["post"])
    def process(self, request, pk=None):
        """Send every agreed (and previously failed) clip through cut → blur → verify → poses."""
        started = process_project(self.get_object(), request.user)
        return Response(ProcessStartedSerializer(started).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={200: ProcessingSummarySerializer})
    @action(
        detail=True, methods=["get"], permission_classes=[admin_only("Only admins see processing.")]
    )
    def processing(self, request, pk=None):
        """Clips by processing state, overall progress and the failed clips with reasons."""
        summary = processing_summary(self.get_object())
        return Response(ProcessingSummarySerializer(summary).data)

    @extend_schema(methods=["GET"], request=None, responses={200: AgreementReportSerializer})
    @extend_schema(
        methods=["POST"],
        request=AgreementRequestSerializer,
        responses={202: JobStartedSerializer},
    )
    @action(detail=True, methods=["get", "post"], permission_classes=[SEES_AGREEMENT])
    def agreement(self, request, pk=None):
        """GET: the latest agreement run (docs/design.md §6; keys in docs/agreement.md).
        POST {theta?}: recompute now, as a job (202); the run history is kept."""
        project = self.get_object()
        if request.method == "POST":
            data = AgreementRequestSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            job = agreement_service.request_run(
                project, trigger="manual", theta=data.validated_data.get("theta"), user=request.user
            )
            return Response(JobStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)
        run = agreement_service.current_run(project)
        return Response(AgreementReportSerializer(run).data)

    @extend_schema(responses={200: AgreementRunHeaderSerializer(many=True)})
    @action(
        detail=True,
        methods=["get"],
        url_path="agreement/history",
        permission_classes=[SEES_AGREEMENT],
        pagination_class=None,
    )
    def agreement_history(self, request, pk=None):
        """Every run of the project, newest first: θ, rule version, R_avg, what started it."""
        runs = self.get_object().agreement_runs.order_by("-created_at", "-id")
        return Response(AgreementRunHeaderSerializer(runs, many=True).data)

    @extend_schema(responses={200: ReviewQueueRowSerializer(many=True)})
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[admin_only("Only admins review.")],
        pagination_class=None,
    )
    def review(self, request, pk=None):
        """The review queue: each compared video with its R and open/decided items."""
        rows = project_review_summary(self.get_object())
        return Response(ReviewQueueRowSerializer(rows, many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("table", str, enum=export.TABLES, required=True),
            OpenApiParameter("fmt", str, enum=export.FORMATS),
        ],
        responses={
            (200, "text/csv"): bytes,
            (200, "application/json"): bytes,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="agreement/export",
        permission_classes=[SEES_AGREEMENT],
    )
    def agreement_export(self, request, pk=None):
        """The latest run's tables for papers: ?table=per_pair|per_video|per_category|r_curve|
        deltas&fmt=csv|json (not `format`: DRF reserves it), as an attachment."""
        project = self.get_object()
        table, fmt = export.check(
            request.query_params.get("table"), request.query_params.get("fmt")
        )
        run = agreement_service.current_run(project)
        body, content_type = export.render(agreement_service.run_payload(run), table, fmt)
        response = HttpResponse(body, content_type=content_type)
        name = export.filename(project.name, run.pk, table, fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
