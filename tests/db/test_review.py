"""Review and consensus on the database and through the API (docs/design.md §7)."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotator.agreement import Segment, consensus_bounds
from annotator.models import Clip, Disagreement, ReviewDecisionHistory
from annotator.services import review
from annotator.services.agreement import record_run
from tests.db.test_agreement_service import SEGMENTS_A, SEGMENTS_B, two_labelers
from tests.support.factories import AdminFactory, LabelerFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("a", "b", "rule", "expected"),
    [
        ((100, 130), (104, 133), "mean", (102, 132)),  # halves round up: 131.5 → 132
        ((100, 130), (103, 133), "mean", (102, 132)),
        ((3, 9), (4, 9), "mean", (4, 9)),
        ((100, 130), (104, 133), "union", (100, 133)),
        ((100, 130), (104, 133), "intersection", (104, 130)),
        ((0, 5), (10, 20), "intersection", (5, 13)),  # disjoint: falls back to the mean
    ],
)
def test_consensus_bounds(a, b, rule, expected):
    assert consensus_bounds(Segment(1, *a, 1), Segment(2, *b, 1), rule) == expected


def test_consensus_rule_must_be_known():
    with pytest.raises(ValueError, match="unknown consensus rule"):
        consensus_bounds(Segment(1, 0, 1, 1), Segment(2, 0, 1, 1), "median")


def worked_example():
    project = ProjectFactory()
    video = VideoFactory(project=project)
    two_labelers(project, video, SEGMENTS_A, SEGMENTS_B)
    run = record_run(project)
    items = {d.kind: d for d in Disagreement.objects.filter(run=run)}
    return project, video, run, items


def test_deciding_every_item_then_closing_makes_the_clips():
    project, video, run, items = worked_example()
    admin = AdminFactory()
    assert video.clips.count() == 0, "a video with open items has no clips yet"
    with pytest.raises(review.ReviewError, match="choose the category"):
        review.decide(items["label_conflict"], admin, action="keep")
    review.decide(items["label_conflict"], admin, action="keep", category_code=4, reason="C4 fits")
    low = review.decide(items["low_overlap"], admin, action="keep")  # defaults: mean bounds
    assert (low.start_frame, low.end_frame, low.category.code) == (203, 223, 2)
    review.decide(items["only_in_j"], admin, action="drop", reason="not an MG")
    with pytest.raises(review.ReviewError) as refused:
        review.decide(items["only_in_j"], admin, action="keep", end_frame=5000)
    assert refused.value.rule == "out_of_range"

    clips = review.close_review(video, admin)
    got = sorted((c.start_frame, c.end_frame, c.category.code, c.origin) for c in clips)
    assert got == [
        (102, 132, 1, "matched"),
        (203, 223, 2, "adjudicated"),
        (401, 419, 4, "adjudicated"),
    ]
    video.refresh_from_db()
    assert video.review_closed_at is not None
    with pytest.raises(review.ReviewError, match="closed"):
        review.decide(items["only_in_j"], admin, action="keep")
    # Raw segments and R are untouched by review.
    run.refresh_from_db()
    assert run.r_avg == pytest.approx(2 / 7, abs=1e-4)


def test_close_refused_while_items_are_open_and_undo_reopens_an_item():
    project, video, run, items = worked_example()
    admin = AdminFactory()
    for item in items.values():
        review.decide(item, admin, action="drop")
    undone = review.decide(items["low_overlap"], admin, action="")
    with pytest.raises(review.ReviewError, match="1 disagreement"):
        review.close_review(video, admin)
    assert undone.version == 2
    history = ReviewDecisionHistory.objects.filter(decision=undone).order_by("pk")
    assert [(h.before and h.before["action"], h.after["action"]) for h in history] == [
        (None, "drop"),
        ("drop", ""),
    ]
    with pytest.raises(review.DecisionConflict):
        review.decide(items["low_overlap"], admin, action="keep", version=1)


def test_a_video_without_disagreements_is_agreed_at_once():
    project = ProjectFactory()
    video = VideoFactory(project=project)
    two_labelers(project, video, [(10, 20, 1), (30, 40, 2)], [(11, 21, 1), (30, 41, 2)])
    record_run(project)
    video.refresh_from_db()
    assert video.review_closed_at is not None
    assert sorted((c.start_frame, c.end_frame) for c in video.clips.all()) == [(11, 21), (30, 41)]
    assert {c.origin for c in video.clips.all()} == {Clip.Origin.MATCHED}


def test_decisions_carry_over_to_a_new_run():
    project, video, run, items = worked_example()
    admin = AdminFactory()
    review.decide(items["label_conflict"], admin, action="drop", reason="noise")
    new_run = record_run(project, theta=0.5)
    carried = Disagreement.objects.get(run=new_run, kind="label_conflict").decision
    assert (carried.action, carried.reason) == ("drop", "noise")
    assert review.open_items(video, new_run) == 2


def test_review_api_is_admin_only_and_walks_a_video():
    project, video, run, items = worked_example()
    client = APIClient()
    labeler = LabelerFactory()
    client.force_authenticate(labeler.user)
    assert client.get(f"/api/review/videos/{video.pk}/").status_code == 403
    client.force_authenticate(AdminFactory())
    page = client.get(f"/api/review/videos/{video.pk}/").json()
    assert page["open"] == 3 and page["labelers"] == sorted(page["segments"])
    assert len(page["matches"]) == 1 and len(page["items"]) == 3
    conflict = next(i for i in page["items"] if i["kind"] == "label_conflict")
    assert conflict["suggested"] == {"start_frame": 401, "end_frame": 419, "category_code": None}
    url = f"/api/review/items/{conflict['id']}/decide/"
    assert client.post(url, {"action": "keep"}, format="json").json()["rule"] == "category"
    first = client.post(url, {"action": "keep", "category_code": 3}, format="json").json()
    stale = client.post(url, {"action": "drop", "version": 0}, format="json")
    assert stale.status_code == 409 and stale.json()["current"]["version"] == first["version"]
    assert client.post(f"/api/review/videos/{video.pk}/close/").status_code == 400
    for item in page["items"]:
        if item["id"] != conflict["id"]:
            client.post(
                f"/api/review/items/{item['id']}/decide/", {"action": "drop"}, format="json"
            )
    assert client.post(f"/api/review/videos/{video.pk}/close/").json() == {"clips": 2}
    summary = client.get(f"/api/projects/{project.pk}/review/").json()
    assert summary == [
        {
            "video_id": video.pk,
            "video": video.external_id,
            "r": 0.2857,
            "labelers": page["labelers"],
            "items": 3,
            "open": 0,
            "closed": True,
        },
    ]
