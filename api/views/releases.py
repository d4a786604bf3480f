"""Dataset releases (docs/design.md §10), admins only: create (202 + job), list,
download."""

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Project, Release
from annotator.services.release import (
    ReleaseError,
    SplitOptions,
    create_release,
    release_json,
)
from api.permissions import IsAdmin
from api.ranges import serve_file


class _Ids(serializers.ListField):
    child = serializers.CharField(max_length=50)


class ReleaseRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    version = serializers.CharField(max_length=80, default="1.0")
    licence = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    protocol = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200_000,
        help_text="evaluation-protocol text: both splits from its subject and video lists",
    )
    train_subjects = _Ids(required=False)
    test_subjects = _Ids(required=False)
    train_videos = _Ids(required=False)
    test_videos = _Ids(required=False)
    seed = serializers.IntegerField(default=0, min_value=0, max_value=2**31 - 1)
    test_fraction = serializers.FloatField(default=0.25, min_value=0.01, max_value=0.99)


def _refused(exc: ReleaseError) -> Response:
    return Response(
        {"detail": str(exc), "clips": [c.pk for c in exc.clips]}, status=status.HTTP_400_BAD_REQUEST
    )


@extend_schema(request=ReleaseRequestSerializer, responses={200: dict, 202: dict})
@api_view(["GET", "POST"])
@permission_classes([IsAdmin])
def project_releases(request, project_id: int):
    """GET: the project's releases (counts, sha256, validation, job). POST {name, version,
    protocol | train/test lists | seed}: freeze the eligible clips and write the release as a
    job (202 {job, release}); 400 lists the clips that block it."""
    project = get_object_or_404(Project, pk=project_id)
    if request.method == "GET":
        rows = project.releases.select_related("job").order_by("-created_at", "-id")
        return Response([release_json(r) for r in rows])
    data = ReleaseRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    v = data.validated_data
    splits = SplitOptions(
        protocol_text=v.get("protocol") or None,
        train_subjects=v.get("train_subjects"),
        test_subjects=v.get("test_subjects"),
        train_videos=v.get("train_videos"),
        test_videos=v.get("test_videos"),
        seed=v["seed"],
        test_fraction=v["test_fraction"],
    )
    try:
        release = create_release(
            project,
            v["name"],
            v["version"],
            splits=splits,
            licence=v.get("licence", ""),
            user=request.user,
        )
    except ReleaseError as exc:
        return _refused(exc)
    return Response(
        {"job": release.job_id, "release": release_json(release)}, status=status.HTTP_202_ACCEPTED
    )


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAdmin])
def release_detail(request, release_id: int):
    release = get_object_or_404(Release.objects.select_related("job"), pk=release_id)
    return Response(release_json(release))


@extend_schema(responses={(200, "application/x-tar"): bytes})
@api_view(["GET"])
@permission_classes([IsAdmin])
def release_download(request, release_id: int):
    """The release's .tar (HTTP ranges supported, so a broken download resumes)."""
    release = get_object_or_404(Release, pk=release_id)
    if release.status != Release.Status.DONE or not release.tar_file:
        raise Http404("This release has no tar yet.")
    relative = release.tar_file
    if Path(relative).is_absolute():
        # Written by `export_release --out` outside MEDIA_ROOT: not served over HTTP.
        raise Http404("This release's tar was written outside MEDIA_ROOT.")
    path = Path(settings.MEDIA_ROOT) / relative
    if not path.is_file():
        raise Http404("The release's tar is missing.")
    response = serve_file(request, path, relative)
    response["Content-Disposition"] = f'attachment; filename="{path.name}"'
    if release.sha256:
        response["X-Checksum-SHA256"] = release.sha256
    return response
