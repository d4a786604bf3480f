from pathlib import Path

from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from annotator.assignment import load_per_labeler, videos_per_pair
from annotator.models import Labeler, Project, Segment
from annotator.services import agreement as agreement_service
from annotator.services.assignment import AssignmentError, assign_unassigned, existing_pairs
from annotator.services.ingest import IngestError, request_folder_import
from annotator.services.processing import process_project, processing_summary
from annotator.services.review import project_review_summary as review_summary
from annotator.services.taxonomy import load_taxonomy_into
from annotator.taxonomy import TaxonomyError, load_taxonomy
from api.permissions import IsAdminOrReadOnlyMember, is_admin, labeler_of
from api.serializers import (
    AgreementRequestSerializer,
    CategorySerializer,
    ImportSerializer,
    ProjectSerializer,
)


class ProjectViewSet(viewsets.ModelViewSet):
    serializer_class = ProjectSerializer
    permission_classes = [IsAdminOrReadOnlyMember]
    search_fields = ["name"]

    def get_queryset(self):
        projects = Project.objects.prefetch_related("labelers")
        if is_admin(self.request.user):
            return projects
        return projects.filter(labelers=labeler_of(self.request.user))

    def destroy(self, request, pk=None):
        project = self.get_object()
        segments = Segment.objects.filter(assignment__video__project=project).count()
        if segments:
            return Response(
                {
                    "detail": f"project {project.name} holds {segments} labelled segments; "
                    "it cannot be deleted"
                },
                status=status.HTTP_409_CONFLICT,
            )
        project.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def perform_create(self, serializer):
        project = serializer.save()
        load_taxonomy_into(project)

    def perform_update(self, serializer):
        before = serializer.instance.theta
        project = serializer.save()
        if project.theta != before and agreement_service.latest_run(project) is not None:
            # A new θ is a new rule: recompute; the earlier runs stay in the history.
            agreement_service.request_run(project, trigger="theta", user=self.request.user)

    @action(detail=True, methods=["get"])
    def categories(self, request, pk=None):
        project = self.get_object()
        return Response(CategorySerializer(project.categories.all(), many=True).data)

    @extend_schema(request=dict, responses={200: dict})
    @action(detail=True, methods=["post"])
    def taxonomy(self, request, pk=None):
        """Replace the project's taxonomy with a JSON taxonomy (the format of taxonomies/)."""
        project = self.get_object()
        try:
            count = load_taxonomy_into(project, load_taxonomy(request.data))
        except TaxonomyError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response({"categories": count, "taxonomy_name": project.taxonomy_name})

    @extend_schema(request=None, responses={200: dict})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        project = self.get_object()
        try:
            created = assign_unassigned(project)
        except AssignmentError as exc:
            return Response({"detail": str(exc)}, status=400)
        codes = dict(Labeler.objects.values_list("pk", "code"))
        pairs = existing_pairs(project)
        return Response(
            {
                "created": len(created),
                "load": {codes[k]: v for k, v in sorted(load_per_labeler(pairs).items())},
                "pairs": {
                    f"{codes[a]}-{codes[b]}": n
                    for (a, b), n in sorted(videos_per_pair(pairs).items())
                },
            }
        )

    @extend_schema(request=ImportSerializer, responses={202: dict})
    @action(detail=True, methods=["post"], url_path="import")
    def import_folder(self, request, pk=None):
        project = self.get_object()
        data = ImportSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            job = request_folder_import(
                project,
                Path(data.validated_data["folder"]),
                data.validated_data["metadata"],
                user=request.user,
            )
        except IngestError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: dict})
    @action(detail=True, methods=["post"])
    def process(self, request, pk=None):
        """Send every agreed (and previously failed) clip through cut → blur → verify → poses."""
        project = self.get_object()
        started = process_project(project, request.user)
        return Response(
            {"clips": len(started), "jobs": [job.pk for job in started]},
            status=status.HTTP_202_ACCEPTED,
        )

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def processing(self, request, pk=None):
        """Clips by processing state, overall progress and the failed clips with reasons."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins see processing.")
        return Response(processing_summary(self.get_object()))

    @extend_schema(request=AgreementRequestSerializer, responses={200: dict, 202: dict})
    @action(detail=True, methods=["get", "post"])
    def agreement(self, request, pk=None):
        """GET: the latest agreement run (docs/design.md §6; keys in docs/agreement.md).
        POST {theta?}: recompute now, as a job (202); the run history is kept."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins see agreement.")
        project = self.get_object()
        if request.method == "POST":
            data = AgreementRequestSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            theta = data.validated_data.get("theta")
            job = agreement_service.request_run(
                project, trigger="manual", theta=theta, user=request.user
            )
            return Response({"job": job.pk}, status=status.HTTP_202_ACCEPTED)
        run = agreement_service.latest_run(project)
        if run is None:
            return Response({"detail": "no agreement computed yet"}, status=404)
        return Response(agreement_service.run_payload(run))

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"], url_path="agreement/history")
    def agreement_history(self, request, pk=None):
        """Every run of the project, newest first: θ, rule version, R_avg, what started it."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins see agreement.")
        runs = self.get_object().agreement_runs.order_by("-created_at", "-id")
        return Response([agreement_service.run_header(r) for r in runs])

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def review(self, request, pk=None):
        """The review queue: each compared video with its R and open/decided items."""
        if not is_admin(request.user):
            raise PermissionDenied("Only admins review.")
        return Response(review_summary(self.get_object()))

    @extend_schema(responses={200: str})
    @action(detail=True, methods=["get"], url_path="agreement/export")
    def agreement_export(self, request, pk=None):
        """The latest run's tables for papers: ?table=per_pair|per_video|per_category|r_curve|
        deltas&fmt=csv|json (not `format`: DRF reserves it), as an attachment."""
        from django.http import HttpResponse

        from api import agreement_export as export

        if not is_admin(request.user):
            raise PermissionDenied("Only admins see agreement.")
        project = self.get_object()
        query = request.query_params
        try:
            table, fmt = export.check(query.get("table"), query.get("fmt"))
        except export.ExportError as exc:
            return Response({"detail": str(exc)}, status=400)
        run = agreement_service.latest_run(project)
        if run is None:
            return Response({"detail": "no agreement computed yet"}, status=404)
        body, content_type = export.render(agreement_service.run_payload(run), table, fmt)
        response = HttpResponse(body, content_type=content_type)
        name = export.filename(project.name, run.pk, table, fmt)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
