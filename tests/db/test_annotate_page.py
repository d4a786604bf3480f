"""The annotate page's access rules and the workspace payload (no browser needed)."""

from __future__ import annotations

import pytest
from django.test import Client
from rest_framework.test import APIClient

from annotator.services.workspace import ordered_groups
from tests.support.factories import AdminFactory, AssignmentFactory, LabelerFactory

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def test_only_the_assigned_labeler_and_admins_open_the_page():
    mine = AssignmentFactory()
    other = LabelerFactory()
    url = f"/annotate/{mine.pk}/"
    assert client_for(mine.labeler.user).get(url).status_code == 200
    assert client_for(other.user).get(url).status_code == 404, "blind: as if it did not exist"
    admin_page = client_for(AdminFactory()).get(url)
    assert admin_page.status_code == 200
    assert b'data-readonly="1"' in admin_page.content, "admins look, they do not label"
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302 and "/login/" in anonymous["Location"]
    assert client_for(mine.labeler.user).get("/annotate/999999/").status_code == 404


def workspace_payload(assignment) -> dict:
    """The workspace as the annotate page gets it: through the API, as its labeler."""
    client = APIClient()
    client.force_authenticate(assignment.labeler.user)
    response = client.get(f"/api/assignments/{assignment.pk}/workspace/")
    assert response.status_code == 200, response.content
    return response.json()


def test_workspace_names_no_other_labeler_and_orders_lanes_like_imigue():
    mine = AssignmentFactory()
    AssignmentFactory(video=mine.video)  # the second labeler of the same video
    config = workspace_payload(mine)
    assert config["assignment"]["labeler"] == mine.labeler.code
    assert config["video"]["num_frames"] == mine.video.num_frames
    assert [g["name"] for g in config["groups"]] == [
        "Body",
        "Head",
        "Hand",
        "Body-Hand",
        "Head-Hand",
        "Illustrative",
    ]
    assert len(config["categories"]) == 32
    assert "assignments" not in str(config)


@pytest.mark.parametrize(
    ("groups", "expected"),
    [
        (["Hand", "Body", "Hand"], ["Body", "Hand"]),
        (["Legs", "Head", "Arms"], ["Head", "Legs", "Arms"]),
        ([], []),
    ],
)
def test_lane_order(groups, expected):
    lanes = ordered_groups(groups)
    assert [g["name"] for g in lanes] == expected
    assert all(g["colour"].startswith("#") for g in lanes)


def test_workspace_carries_the_current_guidelines():
    from annotator.services.training import save_guideline

    mine = AssignmentFactory()
    project = mine.video.project
    save_guideline(project, 3, definition="old")
    save_guideline(project, 3, definition="Hand on the neck.", exclusion="Adjusting a collar.")
    save_guideline(project, None, definition="Start at the first frame of motion.")
    config = workspace_payload(mine)
    c3 = next(c for c in config["categories"] if c["code"] == 3)
    assert c3["guideline"] == {
        "version": 2,
        "definition": "Hand on the neck.",
        "inclusion": "",
        "exclusion": "Adjusting a collar.",
    }
    assert config["general_rules"]["definition"].startswith("Start")
    assert next(c for c in config["categories"] if c["code"] == 4)["guideline"] is None
