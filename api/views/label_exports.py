"""Label exports for other tools (docs/design.md §10), admins only: list a project's exports,
start one (202 + job), download a finished one."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Project
from annotator.services.label_exports import export_path, label_exports, start_label_export
from api.permissions import IsAdmin
from api.ranges import serve_file
from api.serializers.label_exports import (
    LabelExportRequestSerializer,
    LabelExportSerializer,
    LabelExportStartedSerializer,
)
from jobs.kinds import JobKind
from jobs.models import Job


@extend_schema(methods=["GET"], responses={200: LabelExportSerializer(many=True)})
@extend_schema(
    methods=["POST"],
    request=LabelExportRequestSerializer,
    responses={202: LabelExportStartedSerializer},
)
@api_view(["GET", "POST"])
@permission_classes([IsAdmin])
def project_label_exports(request, project_id: int):
    """GET: the project's label exports, newest first. POST {format, train_subjects?,
    val_subjects?}: write the project's clips in that format as a job (202 {job, export})."""
    project = get_object_or_404(Project, pk=project_id)
    if request.method == "GET":
        return Response(LabelExportSerializer(label_exports(project), many=True).data)
    data = LabelExportRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    job = start_label_export(
        project,
        v["format"],
        train_subjects=v.get("train_subjects"),
        val_subjects=v.get("val_subjects"),
        user=request.user,
    )
    return Response(LabelExportStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses={(200, "application/octet-stream"): bytes})
@api_view(["GET"])
@permission_classes([IsAdmin])
def label_export_download(request, job_id: int):
    """The export's file (HTTP ranges supported)."""
    job = get_object_or_404(Job, pk=job_id, kind=JobKind.LABEL_EXPORT)
    path = export_path(job)
    if path is None:
        raise Http404("This export has no file (not finished, failed, or removed).")
    response = serve_file(request, path, job.result["file"])
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    return response
