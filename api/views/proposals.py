"""Machine proposals (docs/design.md §17): whole-video poses and proposals as jobs (admins), a
video's proposals (admins and its labelers; anyone else gets a 404, as for the video itself),
and a labeler's rejections."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from annotator.models import Project, Video
from annotator.services import proposals as proposal_service
from annotator.services.video_poses import request_video_poses
from api.permissions import IsAdmin, IsAdminOrReadOnlyMember, IsLabeler, is_admin, labeler_of
from api.serializers import (
    JobStartedSerializer,
    ProposalJobsSerializer,
    ProposalSerializer,
    VideoProposalsSerializer,
)

LabelersOnly = type(
    "IsLabeler", (IsLabeler,), {"message": "Only the video's labelers reject proposals."}
)


@extend_schema(request=None, responses={202: JobStartedSerializer})
@api_view(["POST"])
@permission_classes([IsAdmin])
def video_poses(request, video_id: int):
    """Extract the whole video's poses from its proxy (the default pose backend) as a job; the
    video's proposals follow when its project shows them. 409 when the video has no proxy or
    the pose backend cannot load."""
    video = get_object_or_404(Video.objects.select_related("project"), pk=video_id)
    job = request_video_poses(video, request.user)
    return Response(JobStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)


def _video_for(request, video_id: int) -> Video:
    videos = Video.objects.select_related("project")
    if not is_admin(request.user):
        # Blind: a video not assigned to the labeler does not exist for them.
        videos = videos.filter(assignments__labeler=labeler_of(request.user)).distinct()
    video = videos.filter(pk=video_id).first()
    if video is None:
        raise Http404("No Video matches the given query.")
    return video


@extend_schema(methods=["GET"], responses={200: VideoProposalsSerializer})
@extend_schema(methods=["POST"], request=None, responses={202: JobStartedSerializer})
@api_view(["GET", "POST"])
@permission_classes([IsAdminOrReadOnlyMember])
def video_proposals(request, video_id: int):
    """GET: the video's proposals, best first (a labeler's without those they rejected being
    hidden: ``rejected`` says which). POST (admins): make them again from the video's poses,
    as a job (202); 409 ``no_video_poses`` before the video has poses."""
    video = _video_for(request, video_id)
    if request.method == "POST":
        job = proposal_service.request_proposals(video, request.user)
        return Response(JobStartedSerializer(job).data, status=status.HTTP_202_ACCEPTED)
    labeler = None if is_admin(request.user) else labeler_of(request.user)
    enabled, rows = proposal_service.visible(video, labeler)
    rows = list(rows)
    body = {
        "video": video.pk,
        "enabled": enabled,
        "has_poses": bool(video.pose_file),
        "settings": rows[0].settings if rows else {},
        "proposals": rows,
    }
    return Response(VideoProposalsSerializer(body).data)


@extend_schema(request=None, responses={202: ProposalJobsSerializer})
@api_view(["POST"])
@permission_classes([IsAdmin])
def project_proposals(request, project_id: int):
    """Make the proposals of every video of the project that has whole-video poses: one job
    per video (202)."""
    project = get_object_or_404(Project, pk=project_id)
    jobs = proposal_service.request_project_proposals(project, request.user)
    body = {"jobs": [job.pk for job in jobs], "videos": len(jobs)}
    return Response(ProposalJobsSerializer(body).data, status=status.HTTP_202_ACCEPTED)


@extend_schema(methods=["POST", "DELETE"], request=None, responses={200: ProposalSerializer})
@api_view(["POST", "DELETE"])
@permission_classes([LabelersOnly])
def proposal_reject(request, proposal_id: int):
    """POST: hide the proposal from the calling labeler (it stays for the video's other
    labeler). DELETE: show it to them again. A proposal of a video not theirs is a 404."""
    labeler = labeler_of(request.user)
    if request.method == "POST":
        proposal = proposal_service.reject(proposal_id, labeler)
    else:
        proposal = proposal_service.restore(proposal_id, labeler)
    return Response(ProposalSerializer(proposal).data)
