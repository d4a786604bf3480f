"""Computing and recording agreement (docs/design.md §6): rows in, pure module, rows out.

An AgreementRun is a snapshot: the θ and rule version it used, the report, and one Disagreement
row per leftover. Runs are never edited or deleted; a new submission or a new θ makes a new run,
so the history of R is kept. Only submitted, non-training assignments count.
"""

from __future__ import annotations

from collections import defaultdict

from django.db import transaction
from django.db.models import BooleanField, Count, ExpressionWrapper, Q

from annotator import agreement
from annotator.agreement.origin import by_origin
from annotator.agreement.report import project_report
from annotator.errors import NOT_FOUND, DomainError
from annotator.job_scopes import project_scope
from annotator.models import AgreementRun, Assignment, Disagreement, Project, Segment, Video
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job


class NoAgreementRun(DomainError):
    """The project has no agreement run yet (nothing submitted twice, or not computed)."""

    code = "agreement_not_computed"
    kind = NOT_FOUND

    def __init__(self) -> None:
        super().__init__("no agreement computed yet")


def _annotations(project: Project):
    """video pk → labeler code → [agreement.Segment], for videos with two or more submissions;
    and the pks of those segments that began as machine proposals (docs/design.md §17)."""
    submitted = Q(assignments__state=Assignment.State.SUBMITTED, assignments__is_training=False)
    video_ids = list(
        Video.objects.filter(project=project)
        .annotate(n=Count("assignments", filter=submitted))
        .filter(n__gte=2)
        .values_list("pk", flat=True)
    )
    annotations: dict[int, dict[str, list[agreement.Segment]]] = defaultdict(dict)
    assignments = Assignment.objects.filter(
        video_id__in=video_ids, state=Assignment.State.SUBMITTED, is_training=False
    ).select_related("labeler")
    for a in assignments:
        annotations[a.video_id][a.labeler.code] = []
    rows = (
        Segment.objects.filter(
            assignment__video_id__in=video_ids,
            assignment__state=Assignment.State.SUBMITTED,
            assignment__is_training=False,
            is_deleted=False,
        )
        # A flag, not the JSON: the origin's contents do not matter here, only that it is set.
        .annotate(
            accepted=ExpressionWrapper(
                Q(proposal_origin__isnull=False), output_field=BooleanField()
            )
        )
        .values_list(
            "pk",
            "start_frame",
            "end_frame",
            "category__code",
            "assignment__video_id",
            "assignment__labeler__code",
            "accepted",
        )
        .iterator(chunk_size=5000)
    )
    from_proposal = set()
    for pk, start, end, code, video_id, labeler, accepted in rows:
        annotations[video_id][labeler].append(agreement.Segment(pk, start, end, code))
        if accepted:
            from_proposal.add(pk)
    return annotations, from_proposal


def compute(
    project: Project, theta: float | None = None
) -> tuple[agreement.ProjectAgreement, dict]:
    """The agreement of a project's submitted work, and its report; writes nothing."""
    theta = project.theta if theta is None else theta
    annotations, from_proposal = _annotations(project)
    result = agreement.compare_project(annotations, theta)
    videos = Video.objects.filter(pk__in=list(annotations)).values_list(
        "pk", "external_id", "num_frames"
    )
    names = {pk: ext for pk, ext, _ in videos}
    frames = {pk: n for pk, _, n in videos if n}
    categories = dict(project.categories.values_list("code", "name"))
    report = project_report(result, video_names=names, num_frames=frames, category_names=categories)
    report["by_origin"] = by_origin(annotations, from_proposal, result)
    return result, report


@transaction.atomic
def record_run(
    project: Project,
    theta: float | None = None,
    *,
    trigger: str = "manual",
    user=None,
    job: Job | None = None,
) -> AgreementRun:
    """Compute and store a new run with its disagreements (the review queue's items)."""
    result, report = compute(project, theta)
    run = AgreementRun.objects.create(
        project=project,
        job=job,
        theta=result.theta,
        rule_version=result.rule_version,
        r_avg=report["r_avg"],
        per_video=report["per_video"],
        per_pair=report["per_pair"],
        summary={k: v for k, v in report.items() if k not in ("per_video", "per_pair")},
        trigger=trigger,
        created_by=user if user is not None and user.is_authenticated else None,
    )
    Disagreement.objects.bulk_create(
        [
            Disagreement(
                run=run,
                video_id=v.video,
                kind=str(d.kind),
                segment_i_id=d.a.id if d.a is not None else None,
                segment_j_id=d.b.id if d.b is not None else None,
                tiou=d.tiou,
            )
            for v in result.videos
            for d in v.result.disagreements
        ],
        batch_size=2000,
    )
    from annotator.services.review import carry_decisions, close_unanimous

    carry_decisions(run)
    close_unanimous(run)
    return run


def video_ready_for_agreement(video: Video) -> bool:
    """Two or more labelers have submitted this video (training videos never count)."""
    return (
        video.assignments.filter(state=Assignment.State.SUBMITTED, is_training=False).count() >= 2
    )


def latest_run(project: Project) -> AgreementRun | None:
    return project.agreement_runs.order_by("-created_at", "-id").first()


def current_run(project: Project) -> AgreementRun:
    """The latest run; :class:`NoAgreementRun` when there is none."""
    run = latest_run(project)
    if run is None:
        raise NoAgreementRun()
    return run


def request_run(project: Project, *, trigger: str, theta: float | None = None, user=None):
    """Queue a run as a job (POST → 202 pattern). A run already waiting in the queue will see
    this submission too, so a burst of submissions makes one run, not one each."""
    scope = project_scope(project.pk)
    waiting = Job.objects.filter(
        kind=JobKind.AGREEMENT, scope=scope, state=Job.State.QUEUED, params__theta=theta
    ).first()
    if waiting is not None:
        return waiting
    params = {"project": project.pk, "trigger": trigger, "theta": theta}
    return runner.enqueue(JobKind.AGREEMENT, scope=scope, params=params, user=user)


def run_header(run: AgreementRun) -> dict:
    return {
        "id": run.pk,
        "theta": run.theta,
        "rule_version": run.rule_version,
        "r_avg": run.r_avg,
        "trigger": run.trigger,
        "created_at": run.created_at.isoformat(),
    }


def run_payload(run: AgreementRun) -> dict:
    """A stored run as the API and `reliability --json` give it (docs/agreement.md)."""
    return {
        **run_header(run),
        **run.summary,
        "per_pair": run.per_pair,
        "per_video": run.per_video,
    }
