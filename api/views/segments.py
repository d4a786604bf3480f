"""A labeler's own segments, keyed by the client's uuid (docs/design.md §5)."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.response import Response

from annotator.models import Segment
from annotator.services import segments as segment_service
from api.errors import BadRequest
from api.params import int_param
from api.permissions import IsAdminOrLabeler, is_admin, own_rows
from api.serializers import SavedSegmentSerializer, SegmentSerializer, SegmentWriteSerializer

VERSION_REQUIRED = "version is required (optimistic concurrency)"


class SegmentViewSet(viewsets.ModelViewSet):
    """A labeler's own segments (blind: never another labeler's). Raw segments are written only
    by their labeler: an admin's write is refused (403), and another labeler's segment is a 404
    to a labeler, as if it did not exist (docs/design.md §15)."""

    serializer_class = SegmentSerializer
    permission_classes = [IsAdminOrLabeler]
    lookup_field = "client_uuid"
    filterset_fields = ["assignment", "assignment__video", "is_deleted"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        segments = Segment.objects.select_related("category", "assignment")
        return own_rows(segments, self.request.user, "assignment__labeler")

    def _writer(self) -> dict:
        """Who writes: the caller must own the segment; a labeler is never told that another
        labeler's segment exists."""
        return {"owner": self.request.user, "blind": not is_admin(self.request.user)}

    @extend_schema(
        request=SegmentWriteSerializer,
        responses={201: SavedSegmentSerializer, 200: SavedSegmentSerializer},
    )
    def create(self, request):
        """Idempotent per client uuid: a retried POST answers 200 with the segment it made."""
        data = SegmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        missing = [
            f
            for f in ("assignment", "start_frame", "end_frame", "category_code")
            if f not in fields
        ]
        if missing:
            raise BadRequest(f"missing fields: {', '.join(missing)}", code="missing_fields")
        # The service locks the assignment and checks it is the caller's in one query.
        result = segment_service.create_segment(
            fields["assignment"],
            request.user,
            start_frame=fields["start_frame"],
            end_frame=fields["end_frame"],
            category_code=fields["category_code"],
            client_uuid=fields.get("client_uuid"),
            owner=request.user,
            notes=data.notes(),
            proposal=fields.get("proposal"),
        )
        return Response(
            SavedSegmentSerializer(result).data,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
        )

    @extend_schema(request=SegmentWriteSerializer, responses={200: SavedSegmentSerializer})
    def partial_update(self, request, client_uuid=None):
        data = SegmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if "version" not in fields:
            raise BadRequest(VERSION_REQUIRED, code="version_required")
        result = segment_service.update_segment(
            client_uuid,
            request.user,
            version=fields["version"],
            start_frame=fields.get("start_frame"),
            end_frame=fields.get("end_frame"),
            category_code=fields.get("category_code"),
            notes=data.notes(),
            **self._writer(),
        )
        return Response(SavedSegmentSerializer(result).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        parameters=[OpenApiParameter("version", int, required=True)],
        responses={200: SegmentSerializer},
    )
    def destroy(self, request, client_uuid=None):
        """Deleting flags the segment (its history stays) and answers it."""
        version = int_param(request, "version", VERSION_REQUIRED, "version_required")
        segment = segment_service.delete_segment(
            client_uuid, request.user, version=version, **self._writer()
        )
        return Response(SegmentSerializer(segment).data)
