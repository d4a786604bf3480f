from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from annotator.models import Assignment, Labeler
from annotator.services import assignment as assignment_service
from annotator.services.workspace import workspace_config
from api.permissions import IsAdminOrLabeler, is_admin, labeler_of
from api.serializers import AssignmentSerializer, BookmarkSerializer, ReassignSerializer


class AssignmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A labeler's ordered queue (their own assignments only); admins see and reassign all."""

    serializer_class = AssignmentSerializer
    permission_classes = [IsAdminOrLabeler]
    filterset_fields = ["video", "video__project", "labeler", "state", "is_training"]
    ordering_fields = ["position", "assigned_at"]

    def get_queryset(self):
        assignments = Assignment.objects.select_related("video", "labeler").prefetch_related(
            "segments"
        )
        if is_admin(self.request.user):
            return assignments.order_by("labeler__code", "position")
        return assignments.filter(labeler=labeler_of(self.request.user)).order_by("position")

    def _own(self, assignment):
        if not is_admin(self.request.user) and assignment.labeler != labeler_of(self.request.user):
            raise PermissionDenied("This is not your assignment.")

    @extend_schema(request=ReassignSerializer, responses={200: AssignmentSerializer})
    def partial_update(self, request, pk=None):
        if not is_admin(request.user):
            raise PermissionDenied("Only admins may reassign videos.")
        assignment = self.get_object()
        data = ReassignSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new_labeler = get_object_or_404(Labeler, code=data.validated_data["labeler"])
        try:
            assignment = assignment_service.reassign(assignment, new_labeler)
        except assignment_service.AssignmentError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assignment = self.get_object()
        self._own(assignment)
        assignment = assignment_service.submit(assignment)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        assignment = self.get_object()
        self._own(assignment)
        try:
            assignment = assignment_service.reopen(assignment)
        except assignment_service.AssignmentError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(request=BookmarkSerializer, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def bookmark(self, request, pk=None):
        """Remember the frame the labeler stopped at."""
        assignment = self.get_object()
        self._own(assignment)
        data = BookmarkSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = assignment_service.bookmark(assignment, data.validated_data["last_frame"])
        return Response(AssignmentSerializer(assignment).data)

    @extend_schema(responses={200: dict})
    @action(detail=True, methods=["get"])
    def workspace(self, request, pk=None):
        """Everything the annotate page needs for this assignment, minus its segments."""
        assignment = self.get_object()
        self._own(assignment)
        return Response(workspace_config(assignment))
