"""One review session end to end in a real browser: the admin opens the review queue from the
project page, walks a video's disagreements with the keyboard, keeps one with a chosen category
and adjusted bounds, drops the others, undoes and redoes decisions, and closes the review: the
clips are made."""

from __future__ import annotations

import os

import pytest

from annotator.models import Assignment, Clip, Disagreement, ReviewDecisionHistory
from annotator.services import assignment as assignment_service
from annotator.services.agreement import record_run
from annotator.services.segments import Notes, create_segment
from tests.support.annotate_helpers import make_ready_video, settle
from tests.support.browser import create_admin, create_labeler, login
from tests.support.factories import ProjectFactory
from tests.support.paths import DOCS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

A = [(10, 30, 1), (50, 65, 2), (90, 110, 3)]
B = [(12, 33, 1), (55, 80, 2), (92, 108, 4), (120, 140, 5)]


def reviewed_project(media_root):
    project = ProjectFactory(name="Review demo")
    video = make_ready_video(project, media_root)
    for username, code, segments in (("ann", "A1", A), ("bob", "B1", B)):
        labeler = create_labeler(username, code, projects=[project])
        assignment = Assignment.objects.create(video=video, labeler=labeler, position=1)
        for start, end, cat in segments:
            # The labeler's notes reach the reviewer.
            notes = (
                Notes(comment="hand at the ear?", unsure=True)
                if (code, cat) == ("A1", 3)
                else Notes()
            )
            create_segment(
                assignment,
                labeler.user,
                start_frame=start,
                end_frame=end,
                category_code=cat,
                notes=notes,
            )
        assignment_service.submit(assignment)
    record_run(project)
    return project, video


def selected_kind(page) -> str:
    return page.locator("#items-table tr.selected").get_attribute("data-kind")


def wait_open(page, n: int) -> None:
    page.wait_for_function(f"document.getElementById('review-state').textContent === '{n} open'")


def test_a_review_session_from_queue_to_clips(live_server, ui_page, media_root, tmp_path):
    """Keyboard review at 1440×900: a decision keeps its item selected (u undoes exactly it,
    ↓ goes to the item below, n to the next open one); 1/2 take a labeler's category; Shift+→
    steps 10 frames and </> change the speed; every lane stays on screen under the form."""
    project, video = reviewed_project(media_root)
    create_admin()
    page = ui_page
    page.set_viewport_size({"width": 1440, "height": 900})
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Review queue").click()
    row = page.locator(f'#review-table tr[data-video-id="{video.pk}"]')
    assert row.locator("td").nth(3).inner_text() == "3"  # open items
    row.get_by_role("link").click()
    page.wait_for_selector("#review-app.ready")
    items = page.locator("#items-table tbody tr")
    assert items.count() == 3
    assert page.locator(".tl-track[data-group='A1'] .tl-bar").count() == 3
    assert page.locator(".tl-track[data-group='B1'] .tl-bar").count() == 4
    assert items.nth(2).locator("td").first.inner_text() == "Only in j (B1)"
    # The form does not push the lanes below the fold: the last lane ends on screen.
    assert page.locator("#decision-form").is_visible()
    lane = page.locator(".tl-track[data-group='Kept']").bounding_box()
    assert lane["y"] + lane["height"] <= 900, lane

    # The first open item is selected and the player sits at its start.
    assert selected_kind(page) == "low_overlap"
    assert settle(page) == 50
    page.keyboard.press("k")  # keep with the suggested (mean) bounds and the shared category
    wait_open(page, 2)
    assert selected_kind(page) == "low_overlap", "the decided item stays selected"
    page.keyboard.press("u")  # undoes that very decision
    wait_open(page, 3)
    page.keyboard.press("k")
    wait_open(page, 2)
    page.keyboard.press("n")  # explicitly on to the next open item
    page.wait_for_function(
        "document.querySelector('#items-table tr.selected')?.dataset.kind === 'label_conflict'"
    )
    assert page.locator("#decision-notes").inner_text() == (
        "Labelers' notes — A1: unsure “hand at the ear?”"
    )
    # Label conflict: 2 takes the second labeler's category, 1 the first's.
    assert page.locator("#keep-category").input_value() == ""
    page.keyboard.press("2")
    assert page.locator("#keep-category").input_value() == "4"
    page.keyboard.press("1")
    assert page.locator("#keep-category").input_value() == "3"
    page.keyboard.press("2")
    page.locator("#keep-reason").fill("the hand reaches the neck")
    page.locator("#keep-reason").press("Tab")  # leave the text box: keys drive the page again
    start = settle(page)
    page.keyboard.press("Shift+ArrowRight")  # ten frames
    assert settle(page) == start + 10
    page.keyboard.press(">")
    assert page.evaluate("window.mgstudio.player.video.playbackRate") == 1.5
    assert page.locator("#speed-select").input_value() == "1.5"
    page.keyboard.press("<")
    assert page.evaluate("window.mgstudio.player.video.playbackRate") == 1
    for _ in range(start + 10 - 94):
        page.keyboard.press("ArrowLeft")
    assert settle(page) == 94
    page.keyboard.press("]")
    page.wait_for_function("document.getElementById('keep-end').value === '94'")
    page.keyboard.press("k")
    wait_open(page, 1)
    assert selected_kind(page) == "label_conflict"
    page.keyboard.press("ArrowDown")  # the item below, not one past it
    assert selected_kind(page) == "only_in_j"
    page.keyboard.press("d")
    wait_open(page, 0)
    # Moving away and pressing u still undoes the newest decision, and selects its item.
    page.keyboard.press("ArrowUp")
    assert selected_kind(page) == "label_conflict"
    page.keyboard.press("u")
    wait_open(page, 1)
    assert selected_kind(page) == "only_in_j"
    assert page.locator("#close-button").is_disabled()
    page.keyboard.press("d")
    wait_open(page, 0)

    target = tmp_path / "review-page.png"
    if os.environ.get("MGSTUDIO_DOCS_SCREENSHOTS") == "1":
        target = DOCS / "review-page.png"
    page.screenshot(path=str(target), full_page=True)

    page.locator("#close-button").click()
    page.wait_for_function("document.getElementById('review-state').textContent === 'closed'")
    assert "3 clips made" in page.locator("#page-notice").inner_text()
    clips = sorted(
        (c.start_frame, c.end_frame, c.category.code, c.origin)
        for c in Clip.objects.filter(video=video)
    )
    assert clips == [
        (11, 32, 1, "matched"),  # mean of [10, 30] and [12, 33], halves up
        (53, 73, 2, "adjudicated"),
        (91, 94, 4, "adjudicated"),  # start suggested (mean), end set at the playhead
    ]
    only_j = Disagreement.objects.get(video=video, kind="only_in_j")
    actions = [
        h.after["action"]
        for h in ReviewDecisionHistory.objects.filter(decision__disagreement=only_j).order_by("pk")
    ]
    assert actions == ["drop", "", "drop"]
    low = Disagreement.objects.get(video=video, kind="low_overlap")
    actions = [
        h.after["action"]
        for h in ReviewDecisionHistory.objects.filter(decision__disagreement=low).order_by("pk")
    ]
    assert actions == ["keep", "", "keep"]
    assert not page.js_errors


def test_labelers_never_see_review(live_server, ui_page, media_root):
    project, video = reviewed_project(media_root)
    page = ui_page
    login(page, live_server.url, "ann")
    assert page.goto(f"{live_server.url}/review/{video.pk}/").status == 403
    assert page.goto(f"{live_server.url}/projects/{project.pk}/review/").status == 403
    assert page.request.get(f"{live_server.url}/api/review/videos/{video.pk}/").status == 403
