"""A project can swap the iMiGUE taxonomy for its own JSON taxonomy (point 4)."""

import pytest
from rest_framework.test import APIClient

from annotator.taxonomy import IMIGUE
from tests.support.factories import AdminFactory, ProjectFactory, SegmentFactory

CUSTOM = {
    "name": "tiny",
    "groups": ["Head", "Hand"],
    "categories": [
        {"code": 1, "name": "Nod", "group": "Head", "hotkey": "n", "description": "head down-up"},
        {"code": 2, "name": "Fidget", "group": "Hand", "hotkey": "f", "description": "fingers"},
    ],
}


@pytest.fixture
def admin_api():
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


@pytest.mark.django_db
def test_new_project_gets_the_imigue_taxonomy(admin_api):
    created = admin_api.post("/api/projects/", {"name": "fresh"}, format="json").json()
    categories = admin_api.get(f"/api/projects/{created['id']}/categories/").json()
    assert len(categories) == 32 == len(IMIGUE.categories)
    assert categories[-1]["code"] == 99 and categories[-1]["label_index"] == 31


@pytest.mark.django_db
def test_load_a_custom_taxonomy(admin_api):
    project = ProjectFactory()
    response = admin_api.post(f"/api/projects/{project.pk}/taxonomy/", CUSTOM, format="json")
    assert response.json() == {"categories": 2, "taxonomy_name": "tiny"}
    names = [c["name"] for c in admin_api.get(f"/api/projects/{project.pk}/categories/").json()]
    assert names == ["Nod", "Fidget"]


@pytest.mark.django_db
def test_a_bad_taxonomy_is_refused_with_the_entry_named(admin_api):
    project = ProjectFactory()
    bad = {**CUSTOM, "categories": [dict(CUSTOM["categories"][0], group="Legs")]}
    response = admin_api.post(f"/api/projects/{project.pk}/taxonomy/", bad, format="json")
    assert response.status_code == 400 and "Legs" in response.json()["detail"]
    assert project.categories.count() == 32  # nothing changed


@pytest.mark.django_db
def test_a_category_in_use_cannot_be_removed(admin_api):
    segment = SegmentFactory()  # uses code 1 of the project's iMiGUE taxonomy
    project = segment.assignment.video.project
    only_two = {**CUSTOM, "categories": [dict(CUSTOM["categories"][1], code=2)]}
    response = admin_api.post(f"/api/projects/{project.pk}/taxonomy/", only_two, format="json")
    assert response.status_code == 400 and "used by segments" in response.json()["detail"]
    assert project.categories.count() == 32
