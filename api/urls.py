from django.conf import settings
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from api.views.accounts import LabelerViewSet, me, obtain_token, shortcuts
from api.views.assignments import AssignmentViewSet
from api.views.baselines import BaselineRunViewSet
from api.views.clips import ClipViewSet
from api.views.jobs import JobViewSet
from api.views.label_exports import label_export_download, project_label_exports
from api.views.projects import ProjectViewSet
from api.views.proposals import project_proposals, proposal_reject, video_poses, video_proposals
from api.views.releases import project_releases, release_detail, release_download
from api.views.review import close as review_close
from api.views.review import decide as review_decide
from api.views.review import review_detail
from api.views.segments import SegmentViewSet
from api.views.training import GuidelinesView, TrainingResultsView, TrainingRoundViewSet
from api.views.uploads import (
    UploadAbortView,
    UploadChunkView,
    UploadCompleteView,
    UploadCreateView,
)
from api.views.video_admin import ManagedVideoViewSet

router = DefaultRouter()
router.register("projects", ProjectViewSet, basename="project")
router.register("videos", ManagedVideoViewSet, basename="video")
router.register("assignments", AssignmentViewSet, basename="assignment")
router.register("segments", SegmentViewSet, basename="segment")
router.register("jobs", JobViewSet, basename="job")
router.register("clips", ClipViewSet, basename="clip")
router.register("labelers", LabelerViewSet, basename="labeler")
router.register("training/rounds", TrainingRoundViewSet, basename="training-round")
router.register("baseline-runs", BaselineRunViewSet, basename="baseline-run")

urlpatterns = [
    path("me/", me, name="me"),
    path("me/shortcuts/", shortcuts, name="shortcuts"),
    path("auth/token/", obtain_token, name="token"),
    path("uploads/", UploadCreateView.as_view(), name="upload-create"),
    path("uploads/<int:pk>/chunk/", UploadChunkView.as_view(), name="upload-chunk"),
    path("uploads/<int:pk>/complete/", UploadCompleteView.as_view(), name="upload-complete"),
    path("uploads/<int:pk>/abort/", UploadAbortView.as_view(), name="upload-abort"),
    path("review/videos/<int:video_id>/", review_detail, name="review-detail"),
    path("review/videos/<int:video_id>/close/", review_close, name="review-close"),
    path("review/items/<int:item_id>/decide/", review_decide, name="review-decide"),
    path("training/results/", TrainingResultsView.as_view(), name="training-results"),
    path("projects/<int:project_id>/guidelines/", GuidelinesView.as_view(), name="guidelines"),
    path("projects/<int:project_id>/releases/", project_releases, name="project-releases"),
    path("releases/<int:release_id>/", release_detail, name="release-detail"),
    path("releases/<int:release_id>/download/", release_download, name="release-download"),
    path(
        "projects/<int:project_id>/label-exports/",
        project_label_exports,
        name="project-label-exports",
    ),
    path(
        "label-exports/<int:job_id>/download/", label_export_download, name="label-export-download"
    ),
    path("videos/<int:video_id>/poses/", video_poses, name="video-poses"),
    path("videos/<int:video_id>/proposals/", video_proposals, name="video-proposals"),
    path("projects/<int:project_id>/proposals/", project_proposals, name="project-proposals"),
    path("proposals/<int:proposal_id>/reject/", proposal_reject, name="proposal-reject"),
    path("", include(router.urls)),
]
# The API's map is for development and the demo; a deployment publishes it only when asked
# (settings.API_DOCS, docs/security.md).
if settings.API_DOCS:
    urlpatterns[-1:-1] = [
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    ]
