"""Machine proposals of a video (docs/design.md §17): made from its whole-video poses by the
pure detector (:mod:`annotator.proposals`), with a category from the project's suggester when
it has one, stored as Proposal rows and shown to the video's labelers as ghost bars.

- :func:`regenerate` is idempotent: a proposal whose bounds come out the same keeps its row (and
  so its id, which accepted segments and rejections refer to) and takes the new score, rank and
  suggestion; rows no longer proposed are deleted, new ones added.
- Labelers see a video's proposals only while the project shows them (``proposals_enabled``);
  a rejection hides one from that labeler only. Proposals never enter a release or R: a segment
  accepted from one is a labeler's own segment that records where it began
  (``Segment.proposal_origin``), and the dashboard reports R apart for such segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import BooleanField, Exists, OuterRef, QuerySet, Value

from annotator.errors import CONFLICT, FORBIDDEN, NOT_FOUND, DomainError
from annotator.job_scopes import video_scope
from annotator.models import Assignment, Labeler, Project, Proposal, ProposalRejection, Video
from annotator.proposals import DEFAULT_SETTINGS, ProposalSettings, propose
from jobs import runner
from jobs.kinds import JobKind
from jobs.models import Job

from .video_poses import load_video_poses

DEFAULT_FPS = 25.0  # iMiGUE's; a video imported from a label table may have no rate of its own


class ProposalsRefused(DomainError):
    code = "proposals_refused"
    kind = CONFLICT


class ProposalNotFound(DomainError):
    """No such proposal, or not on a video of the caller's (blind: never said which)."""

    code = "proposal_not_found"
    kind = NOT_FOUND

    def __init__(self) -> None:
        super().__init__("No Proposal matches the given query.")


class ProposalsAreForLabelers(DomainError):
    code = "not_a_labeler"
    kind = FORBIDDEN


# ---- jobs ----


def request_proposals(video: Video, user=None) -> Job:
    """Queue the video's proposals (202 pattern); the job already waiting or running for it
    when there is one. Refused when the video has no whole-video poses yet."""
    if not video.pose_file:
        raise ProposalsRefused(
            f"video {video.external_id} has no whole-video poses: make them first "
            "(POST /api/videos/{id}/poses/, or import skeletons)",
            code="no_video_poses",
        )
    with transaction.atomic():
        locked = Video.objects.select_for_update().get(pk=video.pk)
        waiting = Job.objects.filter(
            pk=locked.proposals_job_id, state__in=Job.ACTIVE_STATES
        ).first()
        if waiting is not None:
            return waiting
        job = runner.enqueue(
            JobKind.PROPOSALS,
            scope=video_scope(video.project_id, video.pk),
            params={"video": video.pk},
            user=user,
        )
        Video.objects.filter(pk=video.pk).update(proposals_job=job)
    video.proposals_job = job
    return job


def request_project_proposals(project: Project, user=None) -> list[Job]:
    """One proposals job per video of the project that has whole-video poses."""
    videos = project.videos.exclude(pose_file="").order_by("pk")
    return [request_proposals(video, user) for video in videos]


def after_poses(video: Video) -> Job | None:
    """New whole-video poses: propose at once when the project shows proposals."""
    if not video.project.proposals_enabled:
        return None
    return request_proposals(video)


# ---- making them ----


@dataclass
class Regenerated:
    proposals: list[Proposal]
    created: int = 0
    kept: int = 0
    deleted: int = 0
    suggester: int | None = None
    settings: dict = field(default_factory=dict)


def regenerate(
    video: Video, settings: ProposalSettings = DEFAULT_SETTINGS, *, on_progress=None
) -> Regenerated:
    """Propose from the video's pose file and store the result (see the module doc)."""
    video = Video.objects.select_related("project__proposal_suggester").get(pk=video.pk)
    keypoints = load_video_poses(video)
    fps = video.fps or DEFAULT_FPS
    found = propose(keypoints, fps, settings)
    if on_progress:
        on_progress(0.5)
    run = video.project.proposal_suggester
    made = {
        "detector": settings.as_dict(),
        "fps": fps,
        "poses": {k: video.pose_settings.get(k) for k in ("backend", "source", "layout", "sha256")},
        "suggester": None,
    }
    suggestions: list[tuple[int | None, float | None]] = [(None, None)] * len(found)
    if run is not None and found:
        from .suggester import SuggesterRefused, suggest  # torch: only with a suggester

        try:
            suggestions = suggest(run, video, keypoints, [(p.start, p.end) for p in found])
            made["suggester"] = run.pk
        except SuggesterRefused as exc:
            # Proposals without categories still show where to look; the reason is kept.
            made["suggester_error"] = exc.message
    wanted = {
        (p.start, p.end): (rank, p.score, *suggestions[rank - 1])
        for rank, p in enumerate(found, start=1)
    }
    done = Regenerated([], suggester=made["suggester"], settings=made)
    with transaction.atomic():
        Video.objects.select_for_update().filter(pk=video.pk).first()  # one writer per video
        existing = {(p.start_frame, p.end_frame): p for p in video.proposals.all()}
        stale = [p.pk for bounds, p in existing.items() if bounds not in wanted]
        done.deleted = (
            Proposal.objects.filter(pk__in=stale).delete()[1].get("annotator.Proposal", 0)
        )
        changed, new = [], []
        for (start, end), (rank, score, category, confidence) in wanted.items():
            row = existing.get((start, end)) or Proposal(
                video=video, start_frame=start, end_frame=end
            )
            row.rank, row.score, row.settings = rank, score, made
            row.category_id, row.confidence = category, confidence
            (changed if row.pk else new).append(row)
        fields = ["rank", "score", "settings", "category", "confidence"]
        Proposal.objects.bulk_update(changed, fields, batch_size=500)
        try:
            Proposal.objects.bulk_create(new, batch_size=500)
        except IntegrityError as exc:  # a second writer would have had to pass the row lock
            raise ProposalsRefused(f"proposals of video {video.pk} changed meanwhile") from exc
        done.kept, done.created = len(changed), len(new)
    done.proposals = list(video.proposals.order_by("rank"))
    return done


# ---- who sees them ----


def assignment_of(video: Video, labeler: Labeler) -> Assignment | None:
    return Assignment.objects.filter(video=video, labeler=labeler).first()


def visible(video: Video, labeler: Labeler | None) -> tuple[bool, QuerySet]:
    """(shown, proposals) for an admin (``labeler`` None: every proposal, ``rejected`` False)
    or for a labeler of the video (none while the project hides them; ``rejected`` says which
    they rejected). Best first."""
    rows = video.proposals.select_related("category").order_by("rank")
    shown = video.project.proposals_enabled
    if labeler is None:
        return shown, rows.annotate(rejected=Value(False, output_field=BooleanField()))
    if not shown:
        return False, rows.none()
    mine = ProposalRejection.objects.filter(proposal=OuterRef("pk"), labeler=labeler)
    return True, rows.annotate(rejected=Exists(mine))


def _labelers_proposal(proposal_id: int, labeler: Labeler | None) -> Proposal:
    if labeler is None:
        raise ProposalsAreForLabelers("Only the video's labelers reject proposals.")
    proposal = (
        Proposal.objects.select_related("video__project")
        .filter(pk=proposal_id, video__assignments__labeler=labeler)
        .first()
    )
    if proposal is None or not proposal.video.project.proposals_enabled:
        raise ProposalNotFound()
    return proposal


def reject(proposal_id: int, labeler: Labeler | None) -> Proposal:
    """Hide the proposal from this labeler (again: no change)."""
    proposal = _labelers_proposal(proposal_id, labeler)
    ProposalRejection.objects.get_or_create(proposal=proposal, labeler=labeler)
    proposal.rejected = True
    return proposal


def restore(proposal_id: int, labeler: Labeler | None) -> Proposal:
    """Show a rejected proposal to this labeler again."""
    proposal = _labelers_proposal(proposal_id, labeler)
    ProposalRejection.objects.filter(proposal=proposal, labeler=labeler).delete()
    proposal.rejected = False
    return proposal


# ---- the origin a segment records ----


def origin_changes(
    start_frame: int, end_frame: int, category_code: int, origin: dict | None
) -> list[str] | None:
    """What the labeler changed of the proposal a segment began as: ``start_frame``,
    ``end_frame`` and ``category`` (only when a category was suggested). None for a segment
    marked by hand or whose proposal's bounds were not known when it was accepted."""
    if not origin or "start_frame" not in origin:
        return None
    changed = []
    if start_frame != origin["start_frame"]:
        changed.append("start_frame")
    if end_frame != origin["end_frame"]:
        changed.append("end_frame")
    suggested = origin.get("category_code")
    if suggested is not None and suggested != category_code:
        changed.append("category")
    return changed
