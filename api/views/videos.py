from pathlib import Path

from django.conf import settings
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action

from annotator.models import Video
from api.permissions import IsAdminOrReadOnlyMember, is_admin, own_rows
from api.ranges import serve_file
from api.serializers import LabelerVideoSerializer, VideoSerializer


class VideoViewSet(viewsets.ReadOnlyModelViewSet):
    permission_classes = [IsAdminOrReadOnlyMember]
    filterset_fields = ["project", "status", "match_result", "subject"]
    ordering_fields = ["id", "external_id", "status", "created_at"]
    search_fields = ["external_id"]

    def get_queryset(self):
        videos = Video.objects.select_related("subject", "ingest_job", "pose_job").prefetch_related(
            "assignments__labeler"
        )
        # One assignment per video and labeler, so the join lists each video once.
        return own_rows(videos, self.request.user, "assignments__labeler")

    def get_serializer_class(self):
        return VideoSerializer if is_admin(self.request.user) else LabelerVideoSerializer

    def _serve(self, request, field: str):
        video = self.get_object()  # 404 for a labeler not assigned to it (blind annotation)
        # Nothing about a file is served before ingest has probed it as a video, to anyone: a
        # pending source may be any file an import or upload named (docs/security.md).
        if video.status != Video.Status.READY or video.num_frames is None:
            raise Http404("this video has not been ingested")
        relative = getattr(video, field)
        if not relative:
            raise Http404("this video has no such file yet")
        path = Path(settings.MEDIA_ROOT) / relative
        if not path.is_file():
            raise Http404("file missing on disk")
        return serve_file(request, path, relative)

    @extend_schema(responses={(200, "video/mp4"): bytes, (206, "video/mp4"): bytes})
    @action(detail=True, methods=["get"])
    def proxy(self, request, pk=None):
        """The constant-frame-rate browser proxy, with HTTP range support."""
        return self._serve(request, "proxy_file")

    @extend_schema(responses={(200, "video/mp4"): bytes, (206, "video/mp4"): bytes})
    @action(detail=True, methods=["get"])
    def source(self, request, pk=None):
        """The original file as uploaded (admins and the video's labelers only)."""
        return self._serve(request, "source_file")
