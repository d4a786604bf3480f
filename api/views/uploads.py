"""Chunked browser uploads (docs/design.md §15), admins only: create, send chunks at an
offset (a wrong one is 409 with the offset to resume at), complete (202 + ingest job), abort."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.models import Project, Upload
from annotator.services.ingest import abort_upload, complete_upload, create_upload, write_chunk
from api.params import int_param
from api.permissions import IsAdmin
from api.serializers import (
    UploadCompletedSerializer,
    UploadCreateSerializer,
    UploadOffsetErrorSerializer,
    UploadReceivedSerializer,
    UploadSerializer,
)


class OctetStreamParser(BaseParser):
    """Leaves the body unread so the chunk is streamed to disk, not buffered whole."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class UploadCreateView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=UploadCreateSerializer, responses={201: UploadSerializer})
    def post(self, request):
        data = UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        project = get_object_or_404(Project, pk=fields["project"])
        upload = create_upload(
            project, fields["filename"], fields["size"], request.user, fields.get("external_id", "")
        )
        return Response(UploadSerializer(upload).data, status=status.HTTP_201_CREATED)


class UploadChunkView(APIView):
    permission_classes = [IsAdmin]
    parser_classes = [OctetStreamParser]

    @extend_schema(
        request={"application/octet-stream": bytes},
        parameters=[OpenApiParameter("offset", int, required=True)],
        responses={200: UploadReceivedSerializer, 409: UploadOffsetErrorSerializer},
    )
    def put(self, request, pk):
        upload = get_object_or_404(Upload, pk=pk)
        offset = int_param(request, "offset", "offset (bytes) is required", "offset_required")
        stream = request.stream

        def pieces():
            while True:
                block = stream.read(1 << 20) if stream is not None else b""
                if not block:
                    return
                yield block

        received = write_chunk(upload, offset, pieces())
        return Response(UploadReceivedSerializer({"received_bytes": received}).data)


class UploadAbortView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        """Cancel an upload: its partial file is removed at once."""
        abort_upload(get_object_or_404(Upload, pk=pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadCompleteView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses={202: UploadCompletedSerializer})
    def post(self, request, pk):
        video, job = complete_upload(get_object_or_404(Upload, pk=pk), request.user)
        body = UploadCompletedSerializer({"video": video, "job": job}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)
