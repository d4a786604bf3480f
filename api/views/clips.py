from pathlib import Path

from django.conf import settings
from django.http import Http404
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.models import Clip
from annotator.services.clip_poses import clip_poses
from annotator.services.processing import process_clip
from annotator.services.progress import clip_summary
from api.permissions import IsAdmin
from api.ranges import serve_file
from api.serializers import ClipSerializer, ClipSummarySerializer, JobStartedSerializer
from api.serializers.poses import ClipPosesSerializer


class ClipFilter(filters.FilterSet):
    """The Clips page's filters; `video` stays the video's pk, `video_external_id` is its id."""

    category = filters.NumberFilter(field_name="category__code", help_text="category code")
    subject = filters.CharFilter(
        field_name="video__subject__subject_id", help_text="pseudonymous subject id"
    )
    video_external_id = filters.CharFilter(field_name="video__external_id")

    class Meta:
        model = Clip
        fields = ["project", "video", "status", "origin", "category__code"]


class ClipViewSet(viewsets.ReadOnlyModelViewSet):
    """Agreed and adjudicated clips with their processing state and privacy report (admins)."""

    queryset = Clip.objects.select_related("video", "category", "video__subject", "processing_job")
    serializer_class = ClipSerializer
    permission_classes = [IsAdmin]
    filterset_class = ClipFilter
    ordering_fields = ["id", "start_frame", "created_at"]

    @extend_schema(responses={200: ClipSummarySerializer})
    @action(detail=False, methods=["get"])
    def summary(self, request):
        """Counts of the filtered clips by origin and by status (same filters as the list)."""
        clips = self.filter_queryset(self.get_queryset())
        return Response(ClipSummarySerializer(clip_summary(clips)).data)

    @extend_schema(request=None, responses={202: JobStartedSerializer})
    @action(detail=True, methods=["post"])
    def process(self, request, pk=None):
        """(Re)process one clip, e.g. after a failure."""
        job = process_clip(self.get_object(), request.user)
        return Response(JobStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "video/mp4"): bytes, (206, "video/mp4"): bytes})
    @action(detail=True, methods=["get"])
    def video(self, request, pk=None):
        """The processed clip: blurred, no audio."""
        clip = self.get_object()
        if not clip.clip_file:
            raise Http404("this clip has not been processed")
        return serve_file(request, Path(settings.MEDIA_ROOT) / clip.clip_file, clip.clip_file)

    @extend_schema(responses={200: ClipPosesSerializer})
    @action(detail=True, methods=["get"])
    def poses(self, request, pk=None):
        """The clip's poses in the 22-joint layout with its edges, one row per frame (the
        clips page's pose overlay); 404 with code ``no_poses`` when it has none."""
        return Response(ClipPosesSerializer(clip_poses(self.get_object())).data)
