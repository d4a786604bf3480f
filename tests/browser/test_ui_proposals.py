"""Machine proposals in the workspace, walked with the keyboard (docs/design.md §17): ghost bars in
their own lane, jump to the next, accept one with its suggested category selected in the picker,
adjust its end, reject another (remembered across a reload), accept one without a suggestion;
the saved segments carry the proposal they began as and what was changed of it."""

from __future__ import annotations

import pytest

from annotator.models import Proposal, ProposalRejection, Segment
from tests.support.annotate_helpers import (
    make_workspace,
    open_workspace,
    server_segments,
    settle,
    wait_ready,
    wait_saved,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GHOSTS = ".tl-lane[data-group='Proposals'] .tl-bar.ghost"


def proposals(video):
    category = video.project.categories.get(code=5)
    rows = [((20, 40), category, 0.83), ((60, 75), None, None), ((100, 120), None, None)]
    return [
        Proposal.objects.create(
            video=video,
            start_frame=start,
            end_frame=end,
            score=10.0 - rank,
            rank=rank,
            category=cat,
            confidence=confidence,
        )
        for rank, ((start, end), cat, confidence) in enumerate(rows, start=1)
    ]


def ghost_starts(page) -> list[int]:
    return sorted(
        int(s) for s in page.locator(GHOSTS).evaluate_all("b => b.map(x => x.dataset.start)")
    )


def test_jump_accept_adjust_reject(live_server, ui_page, media_root):
    ws = make_workspace(live_server, media_root)
    first, second, third = proposals(ws.video)
    page = ui_page
    page.set_viewport_size({"width": 1440, "height": 900})
    open_workspace(page, live_server, ws)
    page.wait_for_function(f'document.querySelectorAll("{GHOSTS}").length === 3')
    assert "3 to look at" in page.locator("#proposal-count").inner_text()
    assert "#1 · C5" in page.locator(GHOSTS).first.inner_text()

    # Jump to the first proposal: the playhead goes to its start and its ghost is selected.
    page.keyboard.press("Shift+ArrowDown")
    assert settle(page) == 20
    page.wait_for_selector(f"{GHOSTS}.selected[data-start='20']")

    # Accept: the picker opens with the suggested category selected, so Enter takes it.
    page.keyboard.press("Shift+Enter")
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    assert page.locator("#picker [aria-selected='true']").get_attribute("data-code") == "5"
    page.keyboard.press("Enter")
    picker.wait_for(state="hidden")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(20, 40, 5)]
    accepted = Segment.objects.get(assignment=ws.assignment)
    assert accepted.proposal_origin["proposal"] == first.pk
    assert accepted.proposal_origin["category_code"] == 5
    assert ghost_starts(page) == [60, 100], "an accepted proposal leaves the lane"
    assert "as proposed" in page.locator("#details-origin").inner_text()

    # Adjust: the accepted segment is selected; its end moves like any segment's.
    page.keyboard.press("Control+Shift+ArrowRight")
    page.keyboard.press("Control+Shift+ArrowRight")
    page.wait_for_function(
        "document.getElementById('details-origin').textContent.includes('end changed')"
    )
    wait_saved(page)
    assert server_segments(ws.assignment) == [(20, 42, 5)]

    # Reject the next one: hidden for this labeler, and the server remembers it.
    page.keyboard.press("Shift+ArrowDown")
    assert settle(page) == 60
    page.keyboard.press("Shift+Delete")
    page.wait_for_function(f'document.querySelectorAll("{GHOSTS}").length === 1')
    assert ProposalRejection.objects.filter(proposal=second, labeler=ws.labeler).exists()
    page.reload()
    wait_ready(page)
    page.wait_for_function(f'document.querySelectorAll("{GHOSTS}").length === 1')
    assert ghost_starts(page) == [100]
    assert "1 to look at, 1 rejected" in page.locator("#proposal-count").inner_text()

    # Accept one without a suggestion: nothing is selected in the picker; a key picks.
    page.keyboard.press("Shift+ArrowDown")
    assert settle(page) == 100
    page.keyboard.press("Shift+Enter")
    picker.wait_for(state="visible")
    assert page.locator("#picker [aria-selected='true']").count() == 0
    page.keyboard.press("3")
    picker.wait_for(state="hidden")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(20, 42, 5), (100, 120, 3)]

    # What the API says of the saved segments: their origin and what changed of it.
    answer = page.evaluate(
        f"fetch('/api/segments/?assignment={ws.assignment.pk}').then(r => r.json())"
    )
    by_start = {s["start_frame"]: s for s in answer["results"]}
    assert by_start[20]["proposal_origin"]["proposal"] == first.pk
    assert by_start[20]["proposal_changes"] == ["end_frame"]
    assert by_start[100]["proposal_origin"]["proposal"] == third.pk
    assert by_start[100]["proposal_origin"]["category_code"] is None
    assert by_start[100]["proposal_changes"] == []

    # The keys are in the help, and none clashes with another command.
    page.keyboard.press("?")
    help_table = page.locator("#help-table")
    help_table.wait_for(state="visible")
    row = help_table.locator("tr", has_text="Go to the next machine proposal")
    assert row.locator("button.key").inner_text() == "Shift+↓"
    assert page.evaluate(
        "() => { const m = window.mgstudio.keymap; const keys = ['next_proposal', 'prev_proposal',"
        " 'accept_proposal', 'reject_proposal'].map(a => m.key(a));"
        " return keys.every((k, i) => !m.conflict(['next_proposal', 'prev_proposal',"
        " 'accept_proposal', 'reject_proposal'][i], k)); }"
    )
    assert page.js_errors == []


def test_an_admin_switches_proposals_off_and_the_labeler_sees_none(
    live_server, ui_page, browser, media_root
):
    from tests.support.browser import PASSWORD, create_admin, login

    ws = make_workspace(live_server, media_root)
    proposals(ws.video)
    create_admin()
    admin = ui_page
    login(admin, live_server.url, "admin", PASSWORD)
    admin.goto(f"{live_server.url}/projects/{ws.project.pk}/")
    shown = admin.get_by_label("Show proposals to labelers")
    admin.wait_for_function("document.getElementById('proposals-enabled').checked")
    assert admin.locator("#proposal-suggester option").all_inner_texts() == [
        "None: proposals without a category"
    ]
    shown.uncheck()
    admin.wait_for_function(
        "document.getElementById('proposals-status').textContent.includes('labelers see none')"
    )
    ws.project.refresh_from_db()
    assert ws.project.proposals_enabled is False

    context = browser.new_context(viewport={"width": 1440, "height": 900})
    labeler = context.new_page()
    try:
        open_workspace(labeler, live_server, ws)
        assert labeler.locator(GHOSTS).count() == 0
        assert labeler.locator("#proposal-bar").is_hidden()
        labeler.keyboard.press("Shift+ArrowDown")
        labeler.wait_for_function(
            "document.getElementById('page-notice').textContent.includes('no machine proposals')"
        )
    finally:
        context.close()
    assert admin.js_errors == []
