"""Review (docs/design.md §7), admins only: labelers never see it (blind until and through
review)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Disagreement, Video
from annotator.services import review as review_service
from annotator.services.review_status import video_review
from api.permissions import IsAdmin
from api.serializers import (
    DecisionRequestSerializer,
    ReviewClosedSerializer,
    ReviewDecisionSerializer,
    VideoReviewSerializer,
)


@extend_schema(responses={200: VideoReviewSerializer})
@api_view(["GET"])
@permission_classes([IsAdmin])
def review_detail(request, video_id: int):
    """One video's review: both labelers' segments, matches, disagreements with decisions."""
    video = get_object_or_404(Video.objects.select_related("project"), pk=video_id)
    return Response(VideoReviewSerializer(video_review(video)).data)


@extend_schema(request=DecisionRequestSerializer, responses={200: ReviewDecisionSerializer})
@api_view(["POST"])
@permission_classes([IsAdmin])
def decide(request, item_id: int):
    """Keep (category, bounds), drop, or undo ("") one disagreement; `version` guards against a
    second reviewer's change (409)."""
    item = get_object_or_404(
        Disagreement.objects.select_related("segment_i__category", "segment_j__category"),
        pk=item_id,
    )
    data = DecisionRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    decision = review_service.decide(item, request.user, **data.validated_data)
    return Response(ReviewDecisionSerializer(decision).data)


@extend_schema(request=None, responses={200: ReviewClosedSerializer})
@api_view(["POST"])
@permission_classes([IsAdmin])
def close(request, video_id: int):
    """All decided: fix the review and make the video's clips."""
    video = get_object_or_404(Video, pk=video_id)
    clips = review_service.close_review(video, request.user)
    return Response(ReviewClosedSerializer(clips).data)
