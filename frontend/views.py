"""Server-rendered page shells. The data comes from the REST API (api/) through the ES modules in
static/frontend/; the views only check access and hand the page the ids it needs."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from annotator.job_scopes import project_of_scope
from annotator.models import Assignment, BaselineRun, Project, TrainingRound, Video
from annotator.services.baselines import paper_numbers, recipes
from jobs.models import Job


def staff_required(view):
    """Anonymous users go to the login page; signed-in non-staff users get 403."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("This page is for administrators.")
        return view(request, *args, **kwargs)

    return wrapper


@login_required
def home(request):
    return redirect("project-list" if request.user.is_staff else "queue")


@staff_required
def project_list(request):
    def videos(status: str | None = None) -> Count:
        cond = Q(videos__status=status) if status else None
        return Count("videos", filter=cond, distinct=True)

    projects = Project.objects.annotate(
        n_videos=videos(),
        n_ready=videos(Video.Status.READY),
        n_pending=Count(
            "videos",
            filter=Q(videos__status__in=[Video.Status.PENDING, Video.Status.INGESTING]),
            distinct=True,
        ),
        n_rejected=videos(Video.Status.REJECTED),
        n_labelers=Count("labelers", distinct=True),
    ).order_by("name")
    return render(request, "frontend/project_list.html", {"projects": projects})


def _project_page(request, project_id: int, template: str):
    """A page of one project whose data the page's script loads from the API."""
    project = get_object_or_404(Project, pk=project_id)
    return render(request, f"frontend/{template}", {"project": project})


@staff_required
def project_detail(request, project_id: int):
    return _project_page(request, project_id, "project_detail.html")


@staff_required
def agreement(request, project_id: int):
    """The agreement dashboard: R matrix, per video/category, R(θ), deltas, progress, downloads."""
    return _project_page(request, project_id, "agreement.html")


@staff_required
def clips(request, project_id: int):
    """The project's clips: filters, table, player, provenance and privacy report (admins)."""
    return _project_page(request, project_id, "clips.html")


@login_required
def queue(request):
    return render(request, "frontend/queue.html", {})


@login_required
def annotate(request, assignment_id: int):
    """The labeler workspace for one assignment. Blind annotation: another labeler's assignment
    is a 404, as if it did not exist; admins may open any (read-only in the page)."""
    assignment = get_object_or_404(
        Assignment.objects.select_related("video", "labeler"), pk=assignment_id
    )
    if not request.user.is_staff and assignment.labeler.user_id != request.user.pk:
        raise Http404("No such assignment.")
    return render(request, "frontend/annotate.html", {"assignment": assignment})


@staff_required
def review(request, video_id: int):
    """One video's review (docs/design.md §7): admins only, so labelers never see each other's
    work."""
    video = get_object_or_404(Video.objects.select_related("project"), pk=video_id)
    return render(request, "frontend/review.html", {"video": video})


@staff_required
def review_queue(request, project_id: int):
    return _project_page(request, project_id, "review_queue.html")


@staff_required
def job_detail(request, job_id: int):
    job = get_object_or_404(Job, pk=job_id)
    project_id = project_of_scope(job.scope)
    project = Project.objects.filter(pk=project_id).first() if project_id else None
    return render(request, "frontend/job_detail.html", {"job": job, "project": project})


# ---- labeler training ----


@staff_required
def training_admin(request, project_id: int):
    """Guidelines editor, training rounds and the "new round" form (admins)."""
    return _project_page(request, project_id, "training_admin.html")


@staff_required
def training_round(request, round_id: int):
    """One round's comparison and reference answer (admins: it shows every labeler's work)."""
    round_ = get_object_or_404(TrainingRound.objects.select_related("project"), pk=round_id)
    return render(request, "frontend/training_round.html", {"round": round_})


@login_required
def training_results(request):
    """A labeler's own scores against the reference answers, per project they are in."""
    labeler = getattr(request.user, "labeler", None)
    projects = labeler.projects.order_by("name") if labeler else Project.objects.none()
    return render(request, "frontend/training_results.html", {"projects": projects})


@login_required
def guidelines(request, project_id: int):
    """The current guidelines, readable by the project's labelers and admins (others: 404)."""
    project = get_object_or_404(Project, pk=project_id)
    labeler = getattr(request.user, "labeler", None)
    if not request.user.is_staff and not (
        labeler and project.labelers.filter(pk=labeler.pk).exists()
    ):
        raise Http404("No such project.")
    return render(request, "frontend/guidelines.html", {"project": project})


# ---- baselines ----


@staff_required
def baselines(request, project_id: int):
    """Start a baseline run on one of the project's releases; compare runs and the paper."""
    project = get_object_or_404(Project, pk=project_id)
    releases = project.releases.exclude(path="").order_by("-created_at", "-id")  # written ones
    paper = [{"model": k, "top1": v[0], "top5": v[1]} for k, v in paper_numbers().items()]
    return render(
        request,
        "frontend/baselines.html",
        {
            "project": project,
            "releases": releases,
            "recipes": recipes(),
            "paper": paper,
        },
    )


@staff_required
def baseline_run(request, run_id: int):
    """One run: live training curve, metrics against the references, confusion, artefacts."""
    run = get_object_or_404(BaselineRun.objects.select_related("release__project"), pk=run_id)
    return render(request, "frontend/baseline_run.html", {"run": run})


# ---- releases ----


@staff_required
def releases(request, project_id: int):
    """Create a release (a job, polled), list releases with counts, sha256, validation, tar."""
    return _project_page(request, project_id, "releases.html")
