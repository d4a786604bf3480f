"""Baseline runs (docs/design.md §11), admins only: list, detail (live curve), start (202 +
job), artefact downloads."""

from pathlib import Path

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.models import BaselineRun
from annotator.services.baselines import start_run
from api.params import optional_int_param
from api.permissions import IsAdmin
from api.ranges import serve_file
from api.serializers import (
    BaselineRunRequestSerializer,
    BaselineRunSerializer,
    BaselineRunStartedSerializer,
)


class BaselineRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET (?release=, ?project=), GET {id} (metrics with the per-epoch curve), POST {release,
    model, overrides} → 202 {job, run}; GET {id}/artefacts/{name}/ downloads an artefact."""

    serializer_class = BaselineRunSerializer
    permission_classes = [IsAdmin]
    filter_backends: list = []

    def get_queryset(self):
        rows = BaselineRun.objects.select_related("release", "job").order_by("-created_at", "-id")
        for key, field in (("release", "release_id"), ("project", "release__project_id")):
            value = optional_int_param(self.request, key)
            if value is not None:
                rows = rows.filter(**{field: value})
        return rows

    @extend_schema(
        operation_id="baseline_runs_list",
        parameters=[OpenApiParameter("release", int), OpenApiParameter("project", int)],
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=BaselineRunRequestSerializer, responses={202: BaselineRunStartedSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = BaselineRunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        run = start_run(v["release"], v["model"], v["overrides"], user=request.user)
        return Response(BaselineRunStartedSerializer(run).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"], url_path=r"artefacts/(?P<name>[a-z_]+)")
    def artefacts(self, request, pk=None, name=None):
        """One of the run's artefacts (only names listed in the run); HTTP ranges supported."""
        run = self.get_object()
        relative = (run.artefacts or {}).get(name)
        if not relative or Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise Http404("This run has no such artefact.")
        path = Path(settings.MEDIA_ROOT) / relative
        if not path.is_file():
            raise Http404("The artefact is missing.")
        response = serve_file(request, path, relative)
        disposition = "inline" if path.suffix == ".png" else "attachment"
        response["Content-Disposition"] = f'{disposition}; filename="run{run.pk}-{path.name}"'
        return response
