"""The browser pages. Included at the site root (path "") by mgstudio.urls."""

from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    # Browsers and crawlers ask for /favicon.ico whatever the page's <link rel="icon"> says.
    path("favicon.ico", RedirectView.as_view(url=static("frontend/favicon.svg"), permanent=True)),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="frontend/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    # Django's LogoutView accepts POST only (a GET link could log users out cross-site).
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("projects/", views.project_list, name="project-list"),
    path("projects/<int:project_id>/", views.project_detail, name="project-detail"),
    path("projects/<int:project_id>/agreement/", views.agreement, name="agreement"),
    path("projects/<int:project_id>/clips/", views.clips, name="clips"),
    path("queue/", views.queue, name="queue"),
    path("annotate/<int:assignment_id>/", views.annotate, name="annotate"),
    path("review/<int:video_id>/", views.review, name="review"),
    path("projects/<int:project_id>/review/", views.review_queue, name="review-queue"),
    path("jobs/<int:job_id>/", views.job_detail, name="job-detail"),
    path("projects/<int:project_id>/training/", views.training_admin, name="training-admin"),
    path("training/rounds/<int:round_id>/", views.training_round, name="training-round"),
    path("training/", views.training_results, name="training-results"),
    path("projects/<int:project_id>/guidelines/", views.guidelines, name="guidelines"),
    path("projects/<int:project_id>/releases/", views.releases, name="releases"),
    path("projects/<int:project_id>/baselines/", views.baselines, name="baselines"),
    path("baselines/runs/<int:run_id>/", views.baseline_run, name="baseline-run"),
]
