"""Baseline runs (docs/design.md §11), admins only: list, detail (live curve), start (202 +
job), artefact downloads."""

from pathlib import Path

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.models import BaselineRun, Release
from annotator.services.baselines import BaselineError, recipes, run_json, start_run
from api.permissions import IsAdmin
from api.ranges import serve_file


class BaselineRunRequestSerializer(serializers.Serializer):
    release = serializers.PrimaryKeyRelatedField(queryset=Release.objects.all())
    model = serializers.ChoiceField(choices=[])
    overrides = serializers.DictField(
        required=False, default=dict, help_text="recipe entries, dotted keys for nested ones"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = list(recipes())


class BaselineRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """GET (?release=, ?project=), GET {id} (metrics with the per-epoch curve), POST {release,
    model, overrides} → 202 {job, run}; GET {id}/artefacts/{name}/ downloads an artefact."""

    permission_classes = [IsAdmin]
    filter_backends: list = []

    def get_queryset(self):
        rows = BaselineRun.objects.select_related("release", "job").order_by("-created_at", "-id")
        params = self.request.query_params
        for key, field in (("release", "release_id"), ("project", "release__project_id")):
            value = params.get(key)
            if value:
                if not value.isdigit():
                    raise serializers.ValidationError({key: "expected an id"})
                rows = rows.filter(**{field: int(value)})
        return rows

    def _json(self, runs) -> list[dict]:
        return [run_json(r) for r in runs]

    @extend_schema(
        operation_id="baseline_runs_list",
        responses={200: dict},
        parameters=[OpenApiParameter("release", int), OpenApiParameter("project", int)],
    )
    def list(self, request, *args, **kwargs):
        queryset = self.get_queryset()
        page = self.paginate_queryset(queryset)
        if page is not None:
            return self.get_paginated_response(self._json(page))
        return Response(self._json(list(queryset)))

    @extend_schema(responses={200: dict})
    def retrieve(self, request, *args, **kwargs):
        return Response(run_json(self.get_object()))

    @extend_schema(request=BaselineRunRequestSerializer, responses={202: dict})
    def create(self, request, *args, **kwargs):
        data = BaselineRunRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            run = start_run(v["release"], v["model"], v["overrides"], user=request.user)
        except BaselineError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_400_BAD_REQUEST)
        return Response({"job": run.job_id, "run": run_json(run)}, status=status.HTTP_202_ACCEPTED)

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
