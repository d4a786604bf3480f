from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from annotator.models import Labeler, Project
from api.permissions import IsAdmin, is_admin, labeler_of
from api.serializers import LabelerCreateSerializer, LabelerSerializer, ShortcutsSerializer


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAuthenticated])
def me(request):
    labeler = labeler_of(request.user)
    return Response(
        {
            "username": request.user.username,
            "role": "admin" if is_admin(request.user) else ("labeler" if labeler else "none"),
            "labeler_code": labeler.code if labeler else None,
        }
    )


@extend_schema(request=ShortcutsSerializer, responses={200: ShortcutsSerializer})
@api_view(["GET", "PUT"])
@permission_classes([IsAuthenticated])
def shortcuts(request):
    """A labeler's keyboard shortcuts, stored on the server so they follow them across browsers."""
    labeler = labeler_of(request.user)
    if labeler is None:
        return Response({"detail": "only labelers have annotation shortcuts"}, status=403)
    if request.method == "PUT":
        data = ShortcutsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        keys = [k for k in data.validated_data["shortcuts"].values() if k]
        if len(keys) != len(set(keys)):
            return Response({"detail": "two actions share one key"}, status=400)
        labeler.shortcuts = data.validated_data["shortcuts"]
        labeler.save(update_fields=["shortcuts"])
    return Response({"shortcuts": labeler.shortcuts})


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
        users = get_user_model().objects
        if users.filter(username=fields["username"]).exists():
            return Response({"detail": f"user {fields['username']} exists"}, status=400)
        if Labeler.objects.filter(code=fields["code"]).exists():
            return Response({"detail": f"labeler code {fields['code']} exists"}, status=400)
        with transaction.atomic():
            user = users.create_user(username=fields["username"], password=fields["password"])
            labeler = Labeler.objects.create(user=user, code=fields["code"])
            if fields.get("project"):
                Project.objects.get(pk=fields["project"]).labelers.add(labeler)
        return Response(LabelerSerializer(labeler).data, status=status.HTTP_201_CREATED)
