"""Who is signed in, a labeler's shortcuts, and labeler accounts (admins)."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotator.models import Labeler
from annotator.services import accounts
from api.permissions import IsAdmin, IsLabeler, labeler_of
from api.serializers import (
    LabelerCreateSerializer,
    LabelerSerializer,
    MeSerializer,
    ShortcutsSerializer,
)


@extend_schema(responses={200: MeSerializer})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    return Response(MeSerializer(request.user).data)


@extend_schema(request=ShortcutsSerializer, responses={200: ShortcutsSerializer})
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated, IsLabeler])
def shortcuts(request):
    """A labeler's keyboard shortcuts, stored on the server so they follow them across browsers."""
    labeler = labeler_of(request.user)
    if request.method == "PUT":
        data = ShortcutsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        labeler = accounts.save_shortcuts(labeler, data.validated_data["shortcuts"])
    return Response(ShortcutsSerializer(labeler).data)


class LabelerViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Labeler.objects.select_related("user")
    serializer_class = LabelerSerializer
    permission_classes = [IsAdmin]
    filterset_fields = ["is_active", "projects"]

    @extend_schema(request=LabelerCreateSerializer, responses={201: LabelerSerializer})
    def create(self, request):
        data = LabelerCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        labeler = accounts.create_labeler(
            fields["username"], fields["password"], fields["code"], fields.get("project") or None
        )
        return Response(LabelerSerializer(labeler).data, status=status.HTTP_201_CREATED)
