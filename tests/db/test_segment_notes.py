"""A labeler's notes on a segment for the reviewer (docs/design.md §5): a comment, "unsure" and an
overlap confirmed as intended — saved through the API's SQL path, kept in the history, and shown
to the reviewer."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from annotator.models import Assignment, Segment, SegmentHistory
from annotator.services import assignment as assignment_service
from annotator.services.agreement import record_run
from annotator.services.segments import Notes, create_segment
from api.serializers import SegmentSerializer
from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def labeler_client():
    project = ProjectFactory()
    labeler = LabelerFactory()
    project.labelers.add(labeler)
    video = VideoFactory(project=project, num_frames=500)
    assignment = AssignmentFactory(video=video, labeler=labeler)
    client = APIClient()
    client.force_authenticate(labeler.user)
    return client, assignment


def test_notes_are_saved_answered_and_kept_in_the_history(labeler_client):
    client, assignment = labeler_client
    uid = uuid.uuid4()
    body = {
        "client_uuid": str(uid),
        "assignment": assignment.pk,
        "start_frame": 10,
        "end_frame": 20,
        "category_code": 3,
        "comment": "hand near the chin",
        "unsure": True,
    }
    made = client.post("/api/segments/", body, format="json")
    assert made.status_code == 201, made.json()
    assert (made.json()["comment"], made.json()["unsure"]) == ("hand near the chin", True)
    assert made.json()["overlap_confirmed"] is False
    # A second C3 overlapping it: the warning names the rule; confirming it is recorded.
    other = client.post(
        "/api/segments/",
        {**body, "client_uuid": str(uuid.uuid4()), "start_frame": 15, "end_frame": 30},
        format="json",
    ).json()
    assert other["warnings"][0].startswith("same_category_overlap")
    confirmed = client.patch(
        f"/api/segments/{other['client_uuid']}/",
        {"version": 1, "overlap_confirmed": True, "comment": "", "unsure": False},
        format="json",
    )
    assert confirmed.status_code == 200, confirmed.json()
    answer = confirmed.json()
    assert (answer["overlap_confirmed"], answer["comment"], answer["unsure"]) == (True, "", False)
    # The SQL path wrote what the API answered; the history holds the notes once set.
    segment = Segment.objects.select_related("category").get(client_uuid=other["client_uuid"])
    assert SegmentSerializer(segment).data == {k: v for k, v in answer.items() if k != "warnings"}
    history = [h.after for h in SegmentHistory.objects.filter(segment=segment).order_by("pk")]
    assert history[0]["comment"] == "hand near the chin" and history[0]["unsure"] is True
    assert history[1]["overlap_confirmed"] is True and "comment" not in history[1]
    # A note alone leaves the frames and category as they are.
    first = Segment.objects.get(client_uuid=uid)
    client.patch(f"/api/segments/{uid}/", {"version": 1, "unsure": False}, format="json")
    first.refresh_from_db()
    assert (first.start_frame, first.end_frame, first.unsure, first.comment) == (
        10,
        20,
        False,
        "hand near the chin",
    )


def test_a_comment_longer_than_the_limit_is_refused(labeler_client):
    client, assignment = labeler_client
    response = client.post(
        "/api/segments/",
        {
            "assignment": assignment.pk,
            "start_frame": 1,
            "end_frame": 2,
            "category_code": 1,
            "comment": "x" * 2001,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "comment" in response.json()
    assert not assignment.segments.exists()


def test_the_reviewer_sees_the_notes():
    project = ProjectFactory()
    video = VideoFactory(project=project, num_frames=300)
    assignments = []
    for code in ("A1", "B1"):
        labeler = LabelerFactory(code=code)
        project.labelers.add(labeler)
        assignments.append(Assignment.objects.create(video=video, labeler=labeler, position=1))
    a, b = assignments
    create_segment(
        a,
        a.labeler.user,
        start_frame=10,
        end_frame=30,
        category_code=1,
        notes=Notes(comment="only a glance", unsure=True),
    )
    create_segment(b, b.labeler.user, start_frame=100, end_frame=120, category_code=2)
    for assignment in assignments:
        assignment_service.submit(assignment)
    record_run(project)
    client = APIClient()
    client.force_authenticate(AdminFactory())
    body = client.get(f"/api/review/videos/{video.pk}/").json()
    (noted,) = body["segments"]["A1"]
    assert (noted["comment"], noted["unsure"], noted["overlap_confirmed"]) == (
        "only a glance",
        True,
        False,
    )
    item = next(i for i in body["items"] if i["segment_i"])
    assert item["segment_i"]["comment"] == "only a glance"
