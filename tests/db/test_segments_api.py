"""Saving segments through the API: the rules of docs/design.md §5, idempotency, stale writes,
history."""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from annotator.models import AppendOnlyError, Assignment, SegmentHistory
from tests.support.factories import AssignmentFactory, LabelerFactory, ProjectFactory, VideoFactory


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


def _post(client, assignment, **fields):
    body = {"assignment": assignment.pk, "start_frame": 10, "end_frame": 20, "category_code": 1}
    body.update(fields)
    return client.post("/api/segments/", body, format="json")


RULES = [
    # (case, fields, rule named in the 400)
    ("start after end", {"start_frame": 30, "end_frame": 20}, "start_after_end"),
    ("end past the last frame", {"start_frame": 490, "end_frame": 500}, "out_of_range"),
    ("negative start", {"start_frame": -1}, "out_of_range"),
    ("unknown category", {"category_code": 77}, "unknown_category"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("case,fields,rule", RULES, ids=[r[0] for r in RULES])
def test_invalid_segment_is_refused_naming_the_rule(labeler_client, case, fields, rule):
    client, assignment = labeler_client
    response = _post(client, assignment, **fields)
    assert response.status_code == 400
    assert response.json()["rule"] == rule
    assert not assignment.segments.exists()


@pytest.mark.django_db
def test_segment_on_last_frame_is_accepted_inclusive_end(labeler_client):
    client, assignment = labeler_client
    response = _post(client, assignment, start_frame=499, end_frame=499)
    assert response.status_code == 201, response.json()
    assert response.json()["end_frame"] == 499


@pytest.mark.django_db
def test_exact_duplicate_refused_but_overlap_of_other_category_allowed(labeler_client):
    client, assignment = labeler_client
    assert _post(client, assignment).status_code == 201
    dup = _post(client, assignment)
    assert dup.status_code == 400 and dup.json()["rule"] == "duplicate"
    other = _post(client, assignment, category_code=2)
    assert other.status_code == 201 and other.json()["warnings"] == []


@pytest.mark.django_db
def test_same_category_overlap_is_saved_with_a_warning(labeler_client):
    client, assignment = labeler_client
    _post(client, assignment)
    response = _post(client, assignment, start_frame=20, end_frame=40)  # shares frame 20
    assert response.status_code == 201
    assert response.json()["warnings"][0].startswith("same_category_overlap")


@pytest.mark.django_db
def test_retried_create_with_same_client_uuid_makes_one_segment(labeler_client):
    client, assignment = labeler_client
    key = str(uuid.uuid4())
    first = _post(client, assignment, client_uuid=key)
    again = _post(client, assignment, client_uuid=key)
    assert (first.status_code, again.status_code) == (201, 200)
    assert assignment.segments.count() == 1


@pytest.mark.django_db
def test_stale_write_from_a_second_tab_gets_409_with_the_current_version(labeler_client):
    client, assignment = labeler_client
    key = _post(client, assignment).json()["client_uuid"]
    tab1 = client.patch(f"/api/segments/{key}/", {"version": 1, "end_frame": 25}, format="json")
    assert tab1.status_code == 200 and tab1.json()["version"] == 2
    tab2 = client.patch(f"/api/segments/{key}/", {"version": 1, "end_frame": 30}, format="json")
    assert tab2.status_code == 409
    assert tab2.json()["current"]["end_frame"] == 25 and tab2.json()["current"]["version"] == 2


@pytest.mark.django_db
def test_delete_is_a_flag_and_every_change_is_in_the_history(labeler_client):
    client, assignment = labeler_client
    key = _post(client, assignment).json()["client_uuid"]
    client.patch(f"/api/segments/{key}/", {"version": 1, "category_code": 3}, format="json")
    assert client.delete(f"/api/segments/{key}/?version=2").status_code == 200
    history = list(SegmentHistory.objects.filter(segment__client_uuid=key).order_by("id"))
    assert [h.action for h in history] == ["create", "update", "delete"]
    assert history[1].before["category_code"] == 1 and history[1].after["category_code"] == 3
    assert history[2].after["is_deleted"] is True


@pytest.mark.django_db
def test_history_rows_are_append_only(labeler_client):
    client, assignment = labeler_client
    _post(client, assignment)
    row = SegmentHistory.objects.get()
    row.after = {}
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        SegmentHistory.objects.all().update(action="delete")
    with pytest.raises(AppendOnlyError):
        SegmentHistory.objects.all().delete()


@pytest.mark.django_db
def test_first_segment_starts_the_assignment_and_submit_locks_it(labeler_client):
    client, assignment = labeler_client
    _post(client, assignment)
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.IN_PROGRESS
    assert client.post(f"/api/assignments/{assignment.pk}/submit/").status_code == 200
    locked = _post(client, assignment, start_frame=100, end_frame=110)
    assert locked.status_code == 400 and locked.json()["rule"] == "submitted"


@pytest.mark.django_db
def test_reopen_until_review_starts(labeler_client):
    from annotator.models import AgreementRun, Disagreement

    client, assignment = labeler_client
    client.post(f"/api/assignments/{assignment.pk}/submit/")
    reopened = client.post(f"/api/assignments/{assignment.pk}/reopen/")
    assert reopened.status_code == 200 and reopened.json()["state"] == "in_progress"
    client.post(f"/api/assignments/{assignment.pk}/submit/")
    run = AgreementRun.objects.create(project=assignment.video.project, theta=0.5, rule_version="1")
    Disagreement.objects.create(run=run, video=assignment.video, kind="only_in_i")
    refused = client.post(f"/api/assignments/{assignment.pk}/reopen/")
    assert refused.status_code == 400 and "review" in refused.json()["detail"]


@pytest.mark.django_db
def test_bookmark_is_clamped_to_the_video(labeler_client):
    client, assignment = labeler_client
    url = f"/api/assignments/{assignment.pk}/bookmark/"
    assert client.post(url, {"last_frame": 123}, format="json").json()["last_frame"] == 123
    assert client.post(url, {"last_frame": 10_000}, format="json").json()["last_frame"] == 499


@pytest.mark.django_db
def test_shortcuts_are_stored_per_labeler_and_must_not_collide(labeler_client):
    client, _ = labeler_client
    keys = {"step_forward": "ArrowRight", "step_back": "ArrowLeft"}
    assert client.put("/api/me/shortcuts/", {"shortcuts": keys}, format="json").status_code == 200
    assert client.get("/api/me/shortcuts/").json() == {"shortcuts": keys}
    clash = {"step_forward": "x", "step_back": "x"}
    response = client.put("/api/me/shortcuts/", {"shortcuts": clash}, format="json")
    assert response.status_code == 400 and "share one key" in response.json()["detail"]


@pytest.mark.django_db
def test_a_malformed_segment_uuid_is_a_404_not_a_crash():
    from tests.support.factories import SegmentFactory

    segment = SegmentFactory()
    client = APIClient()
    client.force_authenticate(segment.assignment.labeler.user)
    url = "/api/segments/not-a-uuid/"
    assert client.patch(url, {"version": 1, "end_frame": 30}, format="json").status_code == 404
    assert client.delete(url + "?version=1").status_code == 404


@pytest.mark.django_db
def test_a_created_segment_reads_back_exactly_as_answered(labeler_client):
    """The create path writes its rows with SQL of its own (annotator/services/segment_sql.py):
    read back through the models, the row, its history and the assignment are what the API
    answered and what the ORM would have written."""
    from annotator.models import Segment
    from api.serializers import SegmentSerializer

    client, assignment = labeler_client
    uid = uuid.uuid4()
    answer = _post(client, assignment, client_uuid=str(uid), category_code=5).json()
    segment = Segment.objects.select_related("category").get(client_uuid=uid)
    assert SegmentSerializer(segment).data == {k: v for k, v in answer.items() if k != "warnings"}
    assert (segment.assignment_id, segment.category.project_id) == (
        assignment.pk,
        assignment.video.project_id,
    )
    assert (segment.version, segment.is_deleted) == (1, False)
    user = assignment.labeler.user
    assert segment.created_by == user and segment.updated_by == user
    assert segment.created_at == segment.updated_at
    (history,) = SegmentHistory.objects.filter(segment=segment)
    assert (history.action, history.before, history.user) == ("create", None, user)
    assert history.after == segment.snapshot() and history.at == segment.created_at
    assignment.refresh_from_db()
    assert assignment.state == Assignment.State.IN_PROGRESS
    # The same uuid again is the same segment, answered 200 with the stored row.
    again = _post(client, assignment, client_uuid=str(uid), category_code=5)
    assert again.status_code == 200 and again.json()["created_at"] == answer["created_at"]


@pytest.mark.django_db
def test_an_edit_and_a_delete_read_back_exactly_as_answered(labeler_client):
    """Updates and deletes also write their rows with SQL of their own: the stored row and
    each history entry match the answers."""
    from annotator.models import Segment
    from api.serializers import SegmentSerializer

    client, assignment = labeler_client
    uid = uuid.uuid4()
    made = _post(client, assignment, client_uuid=str(uid)).json()
    edited = client.patch(
        f"/api/segments/{uid}/", {"version": 1, "end_frame": 25, "category_code": 7}, format="json"
    ).json()
    segment = Segment.objects.select_related("category").get(client_uuid=uid)
    assert SegmentSerializer(segment).data == {k: v for k, v in edited.items() if k != "warnings"}
    assert (segment.version, segment.end_frame, segment.category.code) == (2, 25, 7)
    assert segment.updated_at > segment.created_at and edited["created_at"] == made["created_at"]
    gone = client.delete(f"/api/segments/{uid}/?version=2").json()
    segment.refresh_from_db()
    assert SegmentSerializer(segment).data == gone and segment.is_deleted
    actions = [
        (h.action, h.before, h.after, h.user_id, h.at)
        for h in SegmentHistory.objects.filter(segment=segment).order_by("id")
    ]
    user = assignment.labeler.user_id
    assert [a[0] for a in actions] == ["create", "update", "delete"]
    assert actions[1][1] == actions[0][2] and actions[2][1] == actions[1][2]
    assert actions[1][2] == {
        "start_frame": 10,
        "end_frame": 25,
        "category_code": 7,
        "version": 2,
        "is_deleted": False,
    }
    assert actions[2][2] == dict(actions[1][2], version=3, is_deleted=True)
    assert {a[3] for a in actions} == {user} and actions[2][4] == segment.updated_at
