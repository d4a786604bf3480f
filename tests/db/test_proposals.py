"""Machine proposals in the app (docs/design.md §17): whole-video poses and proposals as jobs,
idempotent storage, who sees them (the project's switch, rejections per labeler, blindness), and
segments that record the proposal they began as."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotator.models import Proposal, ProposalRejection, Segment, SegmentHistory
from annotator.proposals import ProposalSettings
from annotator.services.proposals import regenerate
from annotator.services.video_poses import after_ingest, load_video_poses, store_video_poses
from jobs import runner
from jobs.models import Job
from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    VideoFactory,
)
from tests.support.synthetic_poses import with_gestures

pytestmark = pytest.mark.django_db

FRAMES = 3000
GESTURES = [(1000, 1060), (2000, 2100)]


def posed_video(project=None, gestures=GESTURES, **fields):
    video = VideoFactory(project=project or ProjectFactory(), num_frames=FRAMES, **fields)
    store_video_poses(video, with_gestures(FRAMES, gestures), {"source": "synthetic"})
    return video


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def world(media_root):
    video = posed_video(proxy_file="proxies/v.mp4")
    mine, theirs = LabelerFactory(), LabelerFactory()
    video.project.labelers.add(mine, theirs)
    assignment = AssignmentFactory(video=video, labeler=mine)
    AssignmentFactory(video=video, labeler=theirs)
    regenerate(video)
    return {
        "video": video,
        "assignment": assignment,
        "mine": client_for(mine.user),
        "theirs": client_for(theirs.user),
        "admin": client_for(AdminFactory()),
        "stranger": client_for(LabelerFactory().user),
    }


def test_poses_are_stored_in_22_joints_and_read_back(media_root):
    video = posed_video()
    video.refresh_from_db()
    assert video.pose_file == f"video_poses/{video.project_id}/{video.pk}.npz"
    assert video.pose_layout == "imigue22"
    assert video.pose_settings["frames"] == FRAMES == video.pose_settings["frames_with_subject"]
    assert len(video.pose_settings["sha256"]) == 64
    assert load_video_poses(video).shape == (FRAMES, 22, 3)


def test_regenerating_is_idempotent_and_keeps_rows_whose_bounds_stay(media_root):
    video = posed_video()
    first = regenerate(video)
    assert (first.created, first.kept, first.deleted) == (2, 0, 0)
    found = sorted((p.start_frame, p.end_frame) for p in first.proposals)
    # Each planted gesture is proposed within a few frames of its bounds.
    for (start, end), (first_frame, last_frame) in zip(found, GESTURES, strict=True):
        assert abs(start - first_frame) <= 3 and abs(end - last_frame) <= 3
    assert [p.rank for p in first.proposals] == [1, 2]
    assert first.proposals[0].settings["detector"]["high"] == 6.0
    assert first.proposals[0].settings["poses"]["source"] == "synthetic"
    ids = {p.pk for p in first.proposals}

    again = regenerate(video)
    assert (again.created, again.kept, again.deleted) == (0, 2, 0)
    assert {p.pk for p in again.proposals} == ids

    # A longer shortest duration drops the 61-frame gesture: its row goes, the other's stays.
    longer = next(p for p in first.proposals if p.start_frame > 1500)
    fewer = regenerate(video, ProposalSettings(min_seconds=80 / 25))
    assert (fewer.created, fewer.kept, fewer.deleted) == (0, 1, 1)
    assert [p.pk for p in fewer.proposals] == [longer.pk]
    assert fewer.proposals[0].settings["detector"]["min_seconds"] == 3.2


def test_after_ingest_queues_whole_video_poses_only_when_the_project_asks(media_root):
    video = VideoFactory(proxy_file="proxies/v.mp4")
    assert after_ingest(video) is None
    video.project.video_poses = True
    video.project.save()
    job = after_ingest(video)
    assert (job.kind, job.queue, job.params) == ("video_poses", "gpu", {"video": video.pk})
    assert job.scope == f"project:{video.project_id}/video:{video.pk}"
    video.refresh_from_db()
    assert video.pose_job_id == job.pk
    assert after_ingest(video).pk == job.pk, "a second request finds the queued job"


def test_admins_start_poses_and_proposals_as_jobs(world):
    video = world["video"]
    response = world["admin"].post(f"/api/videos/{video.pk}/proposals/")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert (job.kind, job.queue) == ("proposals", "gpu")
    again = world["admin"].post(f"/api/videos/{video.pk}/proposals/")
    assert again.json()["job"] == job.pk, "the queued job serves a second request"
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    job.refresh_from_db()
    assert job.result["proposals"] == 2 and job.result["kept"] == 2

    project_wide = world["admin"].post(f"/api/projects/{video.project_id}/proposals/")
    assert project_wide.status_code == 202 and project_wide.json()["videos"] == 1

    bare = VideoFactory(project=video.project, proxy_file="proxies/v.mp4", status="ingesting")
    refused = world["admin"].post(f"/api/videos/{bare.pk}/proposals/")
    assert refused.status_code == 409 and refused.json()["code"] == "no_video_poses"
    not_ready = world["admin"].post(f"/api/videos/{bare.pk}/poses/")
    assert not_ready.status_code == 409 and not_ready.json()["code"] == "video_not_ready"


def test_labelers_see_their_videos_proposals_and_the_switch_hides_them(world):
    video = world["video"]
    url = f"/api/videos/{video.pk}/proposals/"
    body = world["mine"].get(url).json()
    assert body["enabled"] and body["has_poses"] and len(body["proposals"]) == 2
    first = body["proposals"][0]
    assert set(first) == {
        "id",
        "start_frame",
        "end_frame",
        "score",
        "rank",
        "category_code",
        "confidence",
        "rejected",
    }
    assert first["rank"] == 1 and first["category_code"] is None and not first["rejected"]
    assert body["settings"]["suggester"] is None
    assert world["stranger"].get(url).status_code == 404  # blind: not their video

    video.project.proposals_enabled = False
    video.project.save()
    hidden = world["mine"].get(url).json()
    assert hidden == {**hidden, "enabled": False, "proposals": []}
    assert len(world["admin"].get(url).json()["proposals"]) == 2  # admins still see them
    rejected = world["mine"].post(f"/api/proposals/{first['id']}/reject/")
    assert rejected.status_code == 404


def test_a_rejection_hides_a_proposal_from_that_labeler_only(world):
    video = world["video"]
    url = f"/api/videos/{video.pk}/proposals/"
    target = world["mine"].get(url).json()["proposals"][1]["id"]
    response = world["mine"].post(f"/api/proposals/{target}/reject/")
    assert response.status_code == 200 and response.json()["rejected"] is True
    assert world["mine"].post(f"/api/proposals/{target}/reject/").status_code == 200  # again
    assert ProposalRejection.objects.filter(proposal_id=target).count() == 1
    mine = {p["id"]: p["rejected"] for p in world["mine"].get(url).json()["proposals"]}
    theirs = {p["id"]: p["rejected"] for p in world["theirs"].get(url).json()["proposals"]}
    assert mine[target] is True and theirs[target] is False
    # Regenerated with the same bounds, the proposal keeps its id and so the rejection.
    regenerate(video)
    assert {p["id"]: p["rejected"] for p in world["mine"].get(url).json()["proposals"]} == mine

    restored = world["mine"].delete(f"/api/proposals/{target}/reject/")
    assert restored.status_code == 200 and restored.json()["rejected"] is False
    assert not ProposalRejection.objects.exists()
    assert world["admin"].post(f"/api/proposals/{target}/reject/").status_code == 403
    assert world["stranger"].post(f"/api/proposals/{target}/reject/").status_code == 404


def test_a_segment_accepted_from_a_proposal_records_it_and_what_changed(world):
    video, assignment = world["video"], world["assignment"]
    proposal = Proposal.objects.filter(video=video).order_by("rank").first()
    body = {
        "assignment": assignment.pk,
        "start_frame": proposal.start_frame,
        "end_frame": proposal.end_frame,
        "category_code": 5,
        "proposal": proposal.pk,
    }
    created = world["mine"].post("/api/segments/", body, format="json")
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["proposal_origin"] == {
        "proposal": proposal.pk,
        "start_frame": proposal.start_frame,
        "end_frame": proposal.end_frame,
        "category_code": None,
        "confidence": None,
        "score": proposal.score,
        "rank": 1,
    }
    assert answer["proposal_changes"] == []
    segment = Segment.objects.get(client_uuid=answer["client_uuid"])
    assert segment.proposal_origin["proposal"] == proposal.pk
    history = SegmentHistory.objects.get(segment=segment, action="create")
    assert history.after["proposal"] == proposal.pk

    edited = world["mine"].patch(
        f"/api/segments/{segment.client_uuid}/",
        {"version": 1, "end_frame": proposal.end_frame + 4, "category_code": 7},
        format="json",
    )
    # No category was suggested, so choosing one is not a change of the proposal.
    assert edited.json()["proposal_changes"] == ["end_frame"]
    listed = world["mine"].get("/api/segments/", {"assignment": assignment.pk}).json()
    assert listed["results"][0]["proposal_origin"]["proposal"] == proposal.pk

    # A proposal regenerated away (or of another video) is still recorded as the origin.
    other = posed_video()
    foreign = regenerate(other).proposals[0]
    body |= {"start_frame": 10, "end_frame": 30, "proposal": foreign.pk}
    gone = world["mine"].post("/api/segments/", body, format="json").json()
    assert gone["proposal_origin"] == {"proposal": foreign.pk, "gone": True}
    assert gone["proposal_changes"] is None
    by_hand = world["mine"].post(
        "/api/segments/", body | {"start_frame": 40, "proposal": None}, format="json"
    )
    assert by_hand.status_code == 400  # null is not an id: omit the field for hand-marked ones
    plain = {k: v for k, v in body.items() if k != "proposal"} | {
        "start_frame": 40,
        "end_frame": 60,
    }
    marked = world["mine"].post("/api/segments/", plain, format="json").json()
    assert marked["proposal_origin"] is None and marked["proposal_changes"] is None
