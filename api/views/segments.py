from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from annotator.models import Assignment, Segment
from annotator.services import segments as segment_service
from api.permissions import IsAdminOrLabeler, is_admin, labeler_of
from api.serializers import SegmentSerializer, SegmentWriteSerializer


def _rule_error(exc: segment_service.SegmentRuleError) -> Response:
    return Response({"detail": str(exc), "rule": exc.rule}, status=400)


def _conflict(exc: segment_service.VersionConflict) -> Response:
    return Response(
        {"detail": str(exc), "current": SegmentSerializer(exc.current).data}, status=409
    )


class SegmentViewSet(viewsets.ModelViewSet):
    """A labeler's own segments (blind: never another labeler's). Keyed by the client uuid."""

    serializer_class = SegmentSerializer
    permission_classes = [IsAdminOrLabeler]
    lookup_field = "client_uuid"
    filterset_fields = ["assignment", "assignment__video", "is_deleted"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        segments = Segment.objects.select_related("category", "assignment")
        if is_admin(self.request.user):
            return segments
        return segments.filter(assignment__labeler=labeler_of(self.request.user))

    @extend_schema(request=SegmentWriteSerializer, responses={201: SegmentSerializer})
    def create(self, request):
        data = SegmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        missing = [
            f
            for f in ("assignment", "start_frame", "end_frame", "category_code")
            if f not in fields
        ]
        if missing:
            return Response({"detail": f"missing fields: {', '.join(missing)}"}, status=400)
        try:
            # The service locks the assignment and checks it is the caller's in one query.
            result = segment_service.create_segment(
                fields["assignment"],
                request.user,
                start_frame=fields["start_frame"],
                end_frame=fields["end_frame"],
                category_code=fields["category_code"],
                client_uuid=fields.get("client_uuid"),
                owner=request.user,
            )
        except Assignment.DoesNotExist:
            raise NotFound("no such assignment") from None
        except segment_service.NotYourAssignment as exc:
            raise PermissionDenied(str(exc)) from None
        except segment_service.SegmentRuleError as exc:
            return _rule_error(exc)
        body = dict(SegmentSerializer(result.segment).data, warnings=result.warnings)
        return Response(body, status=status.HTTP_201_CREATED if result.created else 200)

    @extend_schema(request=SegmentWriteSerializer, responses={200: SegmentSerializer})
    def _locked_write(self, write, client_uuid, **kwargs):
        """Run a service write that locks the segment and checks its owner in one query; map
        its refusals to HTTP (another labeler's segment is a 404: blind annotation)."""
        try:
            return write(client_uuid, self.request.user, owner=self.request.user, **kwargs)
        except (Segment.DoesNotExist, DjangoValidationError):  # unknown, or not a uuid at all
            raise NotFound("No Segment matches the given query.") from None
        except segment_service.NotYourAssignment as exc:
            if is_admin(self.request.user):
                raise PermissionDenied(str(exc)) from None
            raise NotFound("No Segment matches the given query.") from None

    def partial_update(self, request, client_uuid=None):
        data = SegmentWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        if "version" not in fields:
            return Response({"detail": "version is required (optimistic concurrency)"}, 400)
        try:
            result = self._locked_write(
                segment_service.update_segment,
                client_uuid,
                version=fields["version"],
                start_frame=fields.get("start_frame"),
                end_frame=fields.get("end_frame"),
                category_code=fields.get("category_code"),
            )
        except segment_service.SegmentRuleError as exc:
            return _rule_error(exc)
        except segment_service.VersionConflict as exc:
            return _conflict(exc)
        return Response(dict(SegmentSerializer(result.segment).data, warnings=result.warnings))

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    def destroy(self, request, client_uuid=None):
        try:
            version = int(request.query_params.get("version", ""))
        except ValueError:
            return Response({"detail": "version is required (optimistic concurrency)"}, 400)
        try:
            segment = self._locked_write(
                segment_service.delete_segment, client_uuid, version=version
            )
        except segment_service.SegmentRuleError as exc:
            return _rule_error(exc)
        except segment_service.VersionConflict as exc:
            return _conflict(exc)
        return Response(SegmentSerializer(segment).data)
