from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from api.permissions import IsAdmin
from api.serializers import JobSerializer
from pipeline import jobs
from pipeline.models import Job


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Every long task: state, progress and log. Admins only (jobs touch whole projects)."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    permission_classes = [IsAdmin]
    filterset_fields = ["state", "kind", "project", "video", "queue"]
    ordering_fields = ["created_at", "id"]

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = self.get_object()
        try:
            job = jobs.retry_failed(job)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
