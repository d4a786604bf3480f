from django.conf import settings
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response
from rest_framework.views import APIView

from annotator.models import Project, Upload
from annotator.services.ingest import (
    ChunkOffsetError,
    IngestError,
    abort_upload,
    complete_upload,
    create_upload,
    write_chunk,
)
from api.permissions import IsAdmin
from api.serializers import UploadCreateSerializer


class OctetStreamParser(BaseParser):
    """Leaves the body unread so the chunk is streamed to disk, not buffered whole."""

    media_type = "application/octet-stream"

    def parse(self, stream, media_type=None, parser_context=None):
        return stream


class UploadCreateView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=UploadCreateSerializer, responses={201: dict})
    def post(self, request):
        data = UploadCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        project = get_object_or_404(Project, pk=fields["project"])
        try:
            upload = create_upload(
                project,
                fields["filename"],
                fields["size"],
                request.user,
                fields.get("external_id", ""),
            )
        except IngestError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(
            {
                "id": upload.pk,
                "chunk_size": settings.UPLOAD_CHUNK_BYTES,
                "received_bytes": upload.received_bytes,
                "external_id": upload.external_id,
            },
            status=status.HTTP_201_CREATED,
        )


class UploadChunkView(APIView):
    permission_classes = [IsAdmin]
    parser_classes = [OctetStreamParser]

    @extend_schema(
        request={"application/octet-stream": bytes},
        parameters=[OpenApiParameter("offset", int, required=True)],
        responses={200: dict, 409: dict},
    )
    def put(self, request, pk):
        upload = get_object_or_404(Upload, pk=pk)
        try:
            offset = int(request.query_params.get("offset", ""))
        except ValueError:
            return Response({"detail": "offset (bytes) is required"}, status=400)
        stream = request.stream

        def pieces():
            while True:
                block = stream.read(1 << 20) if stream is not None else b""
                if not block:
                    return
                yield block

        try:
            received = write_chunk(upload, offset, pieces())
        except ChunkOffsetError as exc:
            return Response({"detail": str(exc), "expected_offset": exc.expected}, status=409)
        except IngestError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response({"received_bytes": received})


class UploadAbortView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses={204: None})
    def post(self, request, pk):
        """Cancel an upload: its partial file is removed at once."""
        upload = get_object_or_404(Upload, pk=pk)
        if upload.state == Upload.State.COMPLETE:
            return Response({"detail": "the upload is complete"}, status=400)
        abort_upload(upload)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UploadCompleteView(APIView):
    permission_classes = [IsAdmin]

    @extend_schema(request=None, responses={202: dict})
    def post(self, request, pk):
        upload = get_object_or_404(Upload, pk=pk)
        try:
            video, job = complete_upload(upload, request.user)
        except IngestError as exc:
            return Response({"detail": str(exc)}, status=400)
        return Response(
            {"video": video.pk, "job": job.pk if job else None}, status=status.HTTP_202_ACCEPTED
        )
