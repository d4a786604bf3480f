"""Signing in for a token, who is signed in, a labeler's shortcuts, and labeler accounts
(admins)."""

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
)
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response

from annotator.models import Labeler
from annotator.services import accounts
from api.authentication import issue_token
from api.errors import BadRequest
from api.permissions import IsAdmin, IsLabeler, labeler_of
from api.serializers import (
    LabelerCreateSerializer,
    LabelerSerializer,
    MeSerializer,
    ShortcutsSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)


@extend_schema(request=TokenRequestSerializer, responses={200: TokenSerializer}, auth=[])
@api_view(["POST"])
@authentication_classes([])
@permission_classes([AllowAny])
def obtain_token(request):
    """``{username, password}`` → ``{token}``. The credentials go through ``authenticate`` with
    the Django request, so django-axes counts a failure here as on the login page and, once the
    account is locked for this address, its middleware answers 429 whatever the password."""
    data = TokenRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    user = authenticate(
        request._request,
        username=data.validated_data["username"],
        password=data.validated_data["password"],
    )
    if user is None:
        raise BadRequest("Unable to log in with provided credentials.", code="invalid_credentials")
    return Response(TokenSerializer(issue_token(user)).data)


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

    @extend_schema(request=None, responses={200: LabelerSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """The labeler can no longer sign in; their token is deleted and their sessions stop
        working on their next request. Their work stays."""
        labeler = accounts.set_labeler_active(self.get_object(), False)
        return Response(LabelerSerializer(labeler).data)

    @extend_schema(request=None, responses={200: LabelerSerializer})
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        """Undo a deactivation: the labeler signs in again (with a new token)."""
        labeler = accounts.set_labeler_active(self.get_object(), True)
        return Response(LabelerSerializer(labeler).data)
