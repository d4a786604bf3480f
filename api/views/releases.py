"""Dataset releases (docs/design.md §10), admins only: create (202 + job), list,
download."""

from pathlib import Path

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Project, Release
from annotator.services.release import SplitOptions, create_release
from api.permissions import IsAdmin
from api.ranges import serve_file
from api.serializers import ReleaseRequestSerializer, ReleaseSerializer, ReleaseStartedSerializer


@extend_schema(methods=["GET"], responses={200: ReleaseSerializer(many=True)})
@extend_schema(
    methods=["POST"], request=ReleaseRequestSerializer, responses={202: ReleaseStartedSerializer}
)
@api_view(["GET", "POST"])
@permission_classes([IsAdmin])
def project_releases(request, project_id: int):
    """GET: the project's releases (counts, sha256, validation, job). POST {name, version,
    protocol | train/test lists | seed}: freeze the eligible clips and write the release as a
    job (202 {job, release}); 400 lists the clips that block it."""
    project = get_object_or_404(Project, pk=project_id)
    if request.method == "GET":
        rows = project.releases.select_related("job").order_by("-created_at", "-id")
        return Response(ReleaseSerializer(rows, many=True).data)
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
    release = create_release(
        project, v["name"], v["version"], splits=splits, licence=v["licence"], user=request.user
    )
    return Response(ReleaseStartedSerializer(release).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(responses={200: ReleaseSerializer})
@api_view(["GET"])
@permission_classes([IsAdmin])
def release_detail(request, release_id: int):
    release = get_object_or_404(Release.objects.select_related("job"), pk=release_id)
    return Response(ReleaseSerializer(release).data)


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
