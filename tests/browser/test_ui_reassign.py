"""Reassigning a video's labelers by hand on the admin's project page, in headless Chromium.

Each labeler code in the videos table is a select of the project's labelers: picking another
labeler PATCHes the assignment; the server's refusal is shown in the row and the select reverts;
an assignment its labeler has started cannot be changed.
"""

from __future__ import annotations

import pytest

from tests.support.browser import create_admin, create_labeler, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def setup():
    """Three labelers; v7 untouched by L1 and L2; v8 started by L1 (in progress), L2 untouched."""
    from annotator.models import Assignment, Project, Video

    project = Project.objects.create(name="Reassign demo")
    create_admin()
    l1, l2, l3 = (create_labeler(f"lab{i}", f"L{i}", projects=[project]) for i in (1, 2, 3))
    v7, v8 = (
        Video.objects.create(
            project=project, external_id=name, status="ready", num_frames=100, fps=25
        )
        for name in ("v7", "v8")
    )
    return {
        "project": project,
        "v7_l1": Assignment.objects.create(video=v7, labeler=l1, position=1),
        "v7_l2": Assignment.objects.create(video=v7, labeler=l2, position=1),
        "v8_l1": Assignment.objects.create(video=v8, labeler=l1, position=2, state="in_progress"),
        "v8_l2": Assignment.objects.create(video=v8, labeler=l2, position=2),
    }


def open_project(page, base_url, project) -> None:
    login(page, base_url, "admin")
    page.goto(f"{base_url}/projects/{project.pk}/")


def video_row(page, external_id):
    return page.locator(f'#videos-table tbody tr[data-external-id="{external_id}"]')


def assignment_select(row, assignment):
    return row.locator(f'select.labeler-select[data-assignment-id="{assignment.pk}"]')


def code_of(assignment) -> str:
    assignment.refresh_from_db()
    return assignment.labeler.code


def test_admin_reassigns_an_untouched_assignment_to_the_third_labeler(live_server, ui_page, setup):
    page = ui_page
    open_project(page, live_server.url, setup["project"])
    row = video_row(page, "v7")
    first = page.get_by_role("combobox", name="Labeler 1 of video v7")
    expect(first).to_have_value("L1")
    expect(first).to_be_enabled()
    expect(first.locator("option")).to_have_text(["L1", "L2", "L3"])

    first.select_option("L3")

    # The row now shows L2 and L3 (the table re-renders with the server's data).
    expect(row.locator('select.labeler-select[data-code="L3"]')).to_have_count(1)
    expect(row.locator('select.labeler-select[data-code="L1"]')).to_have_count(0)
    expect(assignment_select(row, setup["v7_l1"])).to_have_value("L3")
    expect(assignment_select(row, setup["v7_l2"])).to_have_value("L2")
    expect(row.locator(".reassign-message")).to_have_text("Reassigned to L3.")
    assert code_of(setup["v7_l1"]) == "L3"
    assert code_of(setup["v7_l2"]) == "L2"
    assert page.js_errors == []


def test_choosing_the_videos_other_labeler_shows_the_refusal_and_reverts(
    live_server, ui_page, setup
):
    page = ui_page
    open_project(page, live_server.url, setup["project"])
    row = video_row(page, "v7")
    select = assignment_select(row, setup["v7_l1"])
    expect(select).to_have_value("L1")
    expect(select).to_be_enabled()

    select.select_option("L2")

    error = row.locator(".reassign-error")
    expect(error).to_have_text("L2 already labels video v7: a video needs two different labelers")
    expect(error).to_have_attribute("role", "alert")
    expect(select).to_have_value("L1")
    expect(select).to_be_enabled()
    assert code_of(setup["v7_l1"]) == "L1"
    assert page.js_errors == []


def test_an_assignment_in_progress_cannot_be_reassigned(live_server, ui_page, setup):
    page = ui_page
    open_project(page, live_server.url, setup["project"])
    row = video_row(page, "v8")
    started = assignment_select(row, setup["v8_l1"])
    expect(started).to_be_disabled()
    expect(started).to_have_value("L1")
    expect(started).to_have_attribute(
        "title", "L1 has started this video (in progress); it can no longer be reassigned"
    )
    expect(page.get_by_role("combobox", name="Labeler 1 of video v8")).to_be_disabled()
    untouched = page.get_by_role("combobox", name="Labeler 2 of video v8")
    expect(untouched).to_be_enabled()
    expect(untouched).to_have_value("L2")
    assert code_of(setup["v8_l1"]) == "L1"
    assert page.js_errors == []
