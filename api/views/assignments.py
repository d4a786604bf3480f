"""A labeler's ordered queue (their own assignments only); admins see and reassign all."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.models import Assignment, Labeler
from annotator.services import assignment as assignment_service
from annotator.services import workspace as workspace_service
from api.permissions import IsAdminOrLabeler, OwnsAssignment, admin_only, own_rows
from api.serializers import (
    AssignmentSerializer,
    BookmarkSerializer,
    ReassignSerializer,
    WorkspaceSerializer,
)

REASSIGNS = admin_only("Only admins may reassign videos.")


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = AssignmentSerializer
    permission_classes = [IsAdminOrLabeler, OwnsAssignment]
    filterset_fields = ["video", "video__project", "labeler", "state", "is_training"]
    ordering_fields = ["position", "assigned_at"]

    def get_queryset(self):
        assignments = Assignment.objects.select_related("video", "labeler").prefetch_related(
            "segments"
        )
        return own_rows(assignments, self.request.user, "labeler").order_by(
            "labeler__code", "position"
        )

    def get_permissions(self):
        if self.action == "partial_update":  # reassigning is the admins' call
            return [REASSIGNS()]
        return super().get_permissions()

    @extend_schema(request=ReassignSerializer, responses={200: AssignmentSerializer})
    def partial_update(self, request, pk=None):
        assignment = self.get_object()
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_labeler = get_object_or_404(Labeler, code=data.validated_data["labeler"])
        assignment = assignment_service.reassign(assignment, new_labeler)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = assignment_service.submit(self.get_object())
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        assignment = assignment_service.reopen(self.get_object())
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=BookmarkSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def bookmark(self, request, pk=None):
        """Remember the frame the labeler stopped at."""
        assignment = self.get_object()
        data = BookmarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_service.bookmark(assignment, data.validated_data["last_frame"])
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(responses={200: WorkspaceSerializer})
    @action(detail=True, methods=["get"])
    def workspace(self, request, pk=None):
        """Everything the annotate page needs for this assignment, minus its segments."""
        return Response(WorkspaceSerializer(workspace_service.workspace(self.get_object())).data)
