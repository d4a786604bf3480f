"""Input the database cannot hold, or that is not a number, is the request's fault: 400 or 404
with a message, never a 500 (docs/security.md, "Unvalidated input")."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    SegmentFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

HUGE = 2**63  # one past the largest id a database column holds
HUGER = 10**30


@pytest.fixture
def world():
    project = ProjectFactory()
    labeler = LabelerFactory()
    project.labelers.add(labeler)
    assignment = AssignmentFactory(video=VideoFactory(project=project), labeler=labeler)
    segment = SegmentFactory(assignment=assignment)
    admin, mine = APIClient(), APIClient()
    admin.force_authenticate(AdminFactory())
    mine.force_authenticate(labeler.user)
    return {"project": project, "assignment": assignment, "segment": segment,
            "admin": admin, "labeler": mine}  # fmt: skip


def _segment_body(world, **fields):
    body = {"assignment": world["assignment"].pk, "start_frame": 1, "end_frame": 2}
    return {**body, "category_code": 1, **fields}


# (who, method, url, body): each was a 500 before.
CASES = [
    ("labeler", "post", "/api/segments/", lambda w: _segment_body(w, category_code=HUGE)),
    ("labeler", "post", "/api/segments/", lambda w: _segment_body(w, assignment=HUGE)),
    ("labeler", "post", "/api/segments/", lambda w: _segment_body(w, assignment=-HUGE - 1)),
    (
        "labeler",
        "post",
        "/api/segments/",
        lambda w: _segment_body(w, start_frame=HUGE, end_frame=HUGE),
    ),
    ("labeler", "post", "/api/segments/", lambda w: _segment_body(w, end_frame=2**40)),
    (
        "labeler",
        "patch",
        "/api/segments/{segment}/",
        lambda w: {"version": 1, "category_code": HUGER},
    ),
    ("labeler", "delete", f"/api/segments/{{segment}}/?version={HUGE}", None),
    ("labeler", "get", f"/api/segments/?assignment={HUGE}", None),
    ("labeler", "get", "/api/training/results/?project=abc", None),
    ("labeler", "get", f"/api/training/results/?project={HUGE}", None),
    ("admin", "get", "/api/training/rounds/?project=abc", None),
    ("admin", "get", f"/api/training/rounds/?project={HUGE}", None),
    ("admin", "get", "/api/projects/{project}/guidelines/?history&category=abc", None),
    ("admin", "get", f"/api/projects/{{project}}/guidelines/?history&category={HUGE}", None),
    (
        "admin",
        "post",
        "/api/projects/{project}/guidelines/",
        lambda w: {"category_code": HUGE, "definition": "x"},
    ),
    ("admin", "get", f"/api/baseline-runs/?release={HUGE}", None),
    ("admin", "get", f"/api/baseline-runs/?project={HUGE}", None),
    ("admin", "get", "/api/baseline-runs/?release=²", None),
    ("admin", "get", f"/api/labelers/?projects={HUGE}", None),
    ("admin", "get", f"/api/videos/?project={HUGE}", None),
    ("admin", "get", f"/api/assignments/?video__project={HUGE}", None),
    (
        "admin",
        "post",
        "/api/uploads/",
        lambda w: {"project": w["project"].pk, "filename": "a.mp4", "size": HUGE},
    ),
    ("admin", "post", "/api/uploads/", lambda w: {"project": HUGE, "filename": "a.mp4", "size": 5}),
    (
        "admin",
        "post",
        "/api/labelers/",
        lambda w: {"username": "n", "code": "L77", "password": "c0rrect-h0rse", "project": HUGE},
    ),
    (
        "admin",
        "post",
        "/api/labelers/",
        lambda w: {"username": "n", "code": "L77", "password": "c0rrect-h0rse", "project": 987654},
    ),
    ("admin", "post", "/api/training/rounds/", lambda w: {"project": HUGE, "videos": [1]}),
    (
        "admin",
        "post",
        "/api/training/rounds/",
        lambda w: {"project": w["project"].pk, "videos": [HUGE]},
    ),
    ("admin", "patch", "/api/assignments/{assignment}/", lambda w: {"labeler": str(HUGE)}),
    ("admin", "post", "/api/baseline-runs/", lambda w: {"release": HUGE, "model": "lstm"}),
    (
        "admin",
        "post",
        "/api/projects/{project}/releases/",
        lambda w: {"name": "r", "version": "1", "seed": HUGE},
    ),
]


# Well-formed requests with a huge number that have a sensible answer of their own.
ANSWERED = [
    ("labeler", "patch", "/api/segments/{segment}/", lambda w: {"version": HUGE}, 409),  # stale
    (
        "labeler",
        "post",
        "/api/assignments/{assignment}/bookmark/",
        lambda w: {"last_frame": HUGE},
        200,
    ),  # clamped to the last frame
    ("admin", "get", f"/api/jobs/?scope=project:{HUGE}", None, 200),  # no job has that scope
]


def _send(world, who, method, url, body):
    ids = {k: (v.client_uuid if k == "segment" else v.pk) for k, v in world.items()
           if k in ("project", "assignment", "segment")}  # fmt: skip
    return getattr(world[who], method)(
        url.format(**ids), body(world) if body else None, format="json"
    )


@pytest.mark.parametrize("who, method, url, body", CASES, ids=[f"{c[1]} {c[2]}" for c in CASES])
def test_out_of_range_and_non_numeric_input_is_refused_with_a_message(
    world, who, method, url, body
):
    answer = _send(world, who, method, url, body)
    assert answer.status_code in (400, 404), (answer.status_code, answer.content[:300])
    assert answer.json(), "a refusal says why"


@pytest.mark.parametrize("who, method, url, body, status", ANSWERED, ids=[c[2] for c in ANSWERED])
def test_huge_numbers_with_an_answer_of_their_own(world, who, method, url, body, status):
    assert _send(world, who, method, url, body).status_code == status


def test_the_labeler_create_names_the_missing_project(world):
    body = {"username": "n", "code": "L77", "password": "c0rrect-h0rse", "project": 987654}
    answer = world["admin"].post("/api/labelers/", body, format="json")
    assert answer.status_code == 400 and answer.json()["code"] == "unknown_project"
