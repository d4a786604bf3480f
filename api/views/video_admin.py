"""The videos API with an admin's edits after upload (annotator.services.video_admin): the
subject and win/lose of a video, and deleting one nothing depends on (a rejected upload)."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.services import video_admin
from api.permissions import IsAdmin
from api.serializers import VideoMetadataSerializer, VideoSerializer
from api.views.videos import VideoViewSet


class ManagedVideoViewSet(VideoViewSet):
    """Videos (read as before), plus: PATCH metadata/ and DELETE (admins)."""

    http_method_names = ["get", "patch", "delete", "head", "options"]

    def get_permissions(self):
        if self.action in ("metadata", "destroy"):
            return [IsAdmin()]
        return super().get_permissions()

    @extend_schema(request=VideoMetadataSerializer, responses={200: VideoSerializer})
    @action(detail=True, methods=["patch"])
    def metadata(self, request, pk=None):
        """Set the subject (pseudonymous id) and win/lose of a video."""
        data = VideoMetadataSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        video = video_admin.set_metadata(self.get_object(), **data.validated_data)
        return Response(VideoSerializer(self.get_queryset().get(pk=video.pk)).data)

    @extend_schema(responses={204: None})
    def destroy(self, request, pk=None):
        """Delete a video nothing depends on (409 video_in_use otherwise), with its files."""
        video_admin.delete_video(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
