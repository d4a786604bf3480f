"""Review (docs/design.md §7), admins only: labelers never see it (blind until and through
review)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Disagreement, Video
from annotator.services import review as review_service
from api.permissions import IsAdmin


class DecisionSerializer(serializers.Serializer):
    action = serializers.ChoiceField(choices=["keep", "drop", ""], allow_blank=True)
    category_code = serializers.IntegerField(required=False, allow_null=True)
    start_frame = serializers.IntegerField(required=False, allow_null=True)
    end_frame = serializers.IntegerField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    version = serializers.IntegerField(required=False, allow_null=True)


def _refused(exc: review_service.ReviewError) -> Response:
    return Response({"detail": str(exc), "rule": exc.rule}, status=400)


@extend_schema(responses={200: dict})
@api_view(["GET"])
@permission_classes([IsAdmin])
def review_detail(request, video_id: int):
    """One video's review: both labelers' segments, matches, disagreements with decisions."""
    video = get_object_or_404(Video.objects.select_related("project"), pk=video_id)
    try:
        return Response(review_service.review_payload(video))
    except review_service.ReviewError as exc:
        return Response({"detail": str(exc), "rule": exc.rule}, status=404)


@extend_schema(request=DecisionSerializer, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAdmin])
def decide(request, item_id: int):
    """Keep (category, bounds), drop, or undo ("") one disagreement; `version` guards against a
    second reviewer's change (409)."""
    item = get_object_or_404(
        Disagreement.objects.select_related("segment_i__category", "segment_j__category"),
        pk=item_id,
    )
    data = DecisionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    try:
        decision = review_service.decide(item, request.user, **data.validated_data)
    except review_service.ReviewError as exc:
        return _refused(exc)
    except review_service.DecisionConflict as exc:
        return Response(
            {"detail": str(exc), "current": review_service.decision_json(exc.current)}, status=409
        )
    return Response(review_service.decision_json(decision))


@extend_schema(request=None, responses={200: dict})
@api_view(["POST"])
@permission_classes([IsAdmin])
def close(request, video_id: int):
    """All decided: fix the review and make the video's clips."""
    video = get_object_or_404(Video, pk=video_id)
    try:
        clips = review_service.close_review(video, request.user)
    except review_service.ReviewError as exc:
        return _refused(exc)
    return Response({"clips": len(clips)}, status=status.HTTP_200_OK)
