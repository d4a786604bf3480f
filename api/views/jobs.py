import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from annotator.services.job_retry import retry_job
from api.permissions import IsAdmin
from api.serializers import JobSerializer
from jobs.models import Job, within_scope


class JobFilter(django_filters.FilterSet):
    scope = django_filters.CharFilter(
        method="filter_scope", help_text="\"project:3\" lists that project's jobs and its videos'"
    )

    class Meta:
        model = Job
        fields = ["state", "kind", "queue"]

    def filter_scope(self, queryset, name, value):
        return within_scope(queryset, value)


class JobViewSet(viewsets.ReadOnlyModelViewSet):
    """Every long task: state, progress and log. Admins only (jobs touch whole projects)."""

    queryset = Job.objects.all()
    serializer_class = JobSerializer
    permission_classes = [IsAdmin]
    filterset_class = JobFilter
    ordering_fields = ["created_at", "id"]

    @extend_schema(request=None, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request, pk=None):
        job = retry_job(self.get_object())
        return Response(JobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
