"""The labeler workspace walked as a labeler does, at 1440×900 and with the keyboard: notes for the
reviewer, merge, duplicate, an overlap confirmed as intended, the typed go-to box, the speed box
handing the keys back, Space at the last frame, a pending mark across a reload, the category
picker, the queue's training samples, submitting while a save is in flight, and a stale tab."""

from __future__ import annotations

import pytest

from annotator.models import Assignment, Segment
from tests.support.annotate_helpers import (
    SIZE,
    go_to,
    make_ready_video,
    make_workspace,
    mark,
    server_segments,
    settle,
    wait_ready,
    wait_saved,
)
from tests.support.browser import login
from tests.support.media_factory import BITS, STRIP_HEIGHT

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDE = {"width": 1440, "height": 900}


def box(page, selector: str) -> dict:
    return page.locator(selector).bounding_box()


def live(assignment) -> list[Segment]:
    return list(
        Segment.objects.filter(assignment=assignment, is_deleted=False)
        .select_related("category")
        .order_by("start_frame")
    )


def go_to_typed(page, frame: int) -> None:
    page.keyboard.press("Control+g")
    page.keyboard.type(str(frame))
    page.keyboard.press("Enter")
    assert settle(page) == frame


def test_marking_notes_merge_and_the_picker(live_server, ui_page, media_root):
    ws = make_workspace(live_server, media_root)
    page = ui_page
    page.set_viewport_size(WIDE)
    login(page, live_server.url, "ann")
    page.goto(ws.url)
    wait_ready(page)

    # The typed go-to box, and the page's keys work again right after it.
    go_to_typed(page, 20)
    page.keyboard.press("ArrowRight")
    assert settle(page) == 21
    # The speed box hands the keys back: → then steps a frame instead of changing the speed.
    page.locator("#speed-select").focus()
    page.keyboard.press("ArrowDown")
    page.wait_for_function("document.getElementById('speed-select').value === '1.5'")
    page.keyboard.press("ArrowRight")
    assert settle(page) == 22
    assert page.locator("#speed-select").input_value() == "1.5"

    # A pending "[" survives a reload.
    go_to(page, 30)
    page.keyboard.press("[")
    page.reload()
    wait_ready(page)
    assert "Start 30" in page.locator("#mark-state").inner_text()
    go_to(page, 40)
    # The mouse rests where the picker's options will appear.
    page.mouse.move(700, 800)
    page.keyboard.press("]")
    picker = page.locator("#picker")
    picker.wait_for(state="visible")
    # The frame and its number stay in view above the picker; every category is shown at once.
    top = box(page, "#picker")["y"]
    assert top >= box(page, "#player")["y"] + box(page, "#player")["height"]
    assert top >= box(page, "#frame-readout")["y"] + box(page, "#frame-readout")["height"]
    assert page.locator("#frame-readout").is_visible()
    options = page.locator("#picker [role=option]")
    assert options.count() == 32
    groups = page.locator("#picker-groups")
    assert groups.evaluate("g => g.scrollHeight <= g.clientHeight + 1")
    last = options.nth(31).bounding_box()
    assert last["y"] + last["height"] <= 900
    # Nothing is selected, and nothing is highlighted under the resting mouse.
    assert page.locator('#picker [aria-selected="true"]').count() == 0
    under = page.evaluate(
        "() => { const o = document.elementFromPoint(700, 800).closest('[role=option]');"
        " return o ? getComputedStyle(o).backgroundColor : 'none'; }"
    )
    assert under in ("none", "rgba(0, 0, 0, 0)"), under
    page.keyboard.press("Enter")  # a reflex Enter files nothing
    assert picker.is_visible()
    page.keyboard.press("3")
    picker.wait_for(state="hidden")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(30, 40, 3)]

    # A second C3 overlapping the first: flagged; confirmed as intended, it is recorded.
    mark(page, 35, 50, "3")
    wait_saved(page)
    page.wait_for_function(
        "document.querySelector('#segment-table tr.selected').dataset.state === 'warning'"
    )
    assert "merge them" in page.locator("#details-state").inner_text()
    page.locator("#details-confirm").click()
    wait_saved(page)
    assert [s.overlap_confirmed for s in live(ws.assignment)] == [False, True]
    # Merge (Ctrl+M): one segment over both, one undo step away.
    page.keyboard.press("Control+m")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(30, 50, 3)]
    page.keyboard.press("Control+z")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(30, 40, 3), (35, 50, 3)]
    page.keyboard.press("Control+y")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(30, 50, 3)]

    # Notes for the reviewer: a comment (Ctrl+E, Enter saves) and "unsure" (Ctrl+U).
    page.keyboard.press("Control+e")
    page.keyboard.type("hand near the chin")
    page.keyboard.press("Enter")
    page.keyboard.press("Control+u")
    wait_saved(page)
    (merged,) = live(ws.assignment)
    assert (merged.comment, merged.unsure) == ("hand near the chin", True)
    # Duplicate at the playhead (Ctrl+D): same length, category and notes.
    go_to_typed(page, 100)
    page.keyboard.press("Control+d")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(30, 50, 3), (100, 120, 3)]
    assert live(ws.assignment)[1].comment == "hand near the chin"

    # Space at the last frame stays there.
    go_to_typed(page, 149)
    page.keyboard.press(" ")
    page.wait_for_timeout(300)
    assert settle(page) == 149
    assert page.evaluate("window.mgstudio.player.paused")
    assert not page.js_errors


def test_queue_training_first_and_submit_waits_for_the_save(live_server, ui_page, media_root):
    ws = make_workspace(live_server, media_root)  # real work: video 101, position 1
    sample = make_ready_video(ws.project, media_root, external_id="102")
    training = Assignment.objects.create(
        video=sample, labeler=ws.labeler, position=2, is_training=True
    )
    page = ui_page
    page.set_viewport_size(WIDE)
    login(page, live_server.url, "ann")
    page.goto(f"{live_server.url}/queue/")
    row = page.locator('#queue-table tr[data-external-id="102"]')
    assert "training" in row.locator("th").inner_text()
    assert "training" not in page.locator('#queue-table tr[data-external-id="101"] th').inner_text()
    start = page.locator("#continue-link")
    assert start.inner_text() == "Start video 102 (training)"
    start.click()
    wait_ready(page)
    assert page.url.endswith(f"/annotate/{training.pk}/")

    # The save of the last edit is held back; Submit waits for it instead of refusing.
    held = []
    page.route("**/api/segments/**", lambda route: held.append(route))
    mark(page, 10, 20, "1")
    page.wait_for_function("document.getElementById('sync-status').dataset.state === 'saving'")
    page.locator("#submit-button").click()
    page.wait_for_function("document.getElementById('page-notice').textContent.includes('Waiting')")
    assert not page.locator("#submit-dialog").is_visible()
    while not held:
        page.wait_for_timeout(50)
    held[0].continue_()
    page.unroute("**/api/segments/**")
    dialog = page.locator("#submit-dialog")
    dialog.wait_for(state="visible")
    assert "1 segment" in page.locator("#submit-summary").inner_text()
    page.keyboard.press("Enter")  # Submit has the focus
    page.wait_for_function(
        "document.getElementById('assignment-state').textContent === 'submitted'"
    )
    training.refresh_from_db()
    assert training.state == "submitted"
    assert server_segments(training) == [(10, 20, 1)]
    # Next video: the real one, one Enter away.
    nxt = page.locator("#next-video")
    nxt.wait_for(state="visible")
    assert "101" in nxt.inner_text()
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/annotate/{ws.assignment.pk}/")
    wait_ready(page)
    assert not page.js_errors


def test_a_stale_tab_marks_a_segment_deleted_elsewhere(live_server, browser, media_root):
    from annotator.services.segments import create_segment, delete_segment

    ws = make_workspace(live_server, media_root)
    seg = create_segment(
        ws.assignment, ws.labeler.user, start_frame=40, end_frame=60, category_code=5
    ).segment
    context = browser.new_context(viewport=WIDE)
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        login(page, live_server.url, "ann")
        page.goto(ws.url)
        wait_ready(page)
        delete_segment(seg, ws.labeler.user, version=1)  # "another tab"
        page.evaluate("window.dispatchEvent(new Event('focus'))")  # the tab is looked at again
        row = page.locator("#segment-table tbody tr")
        page.wait_for_function(
            "document.querySelector('#segment-table tbody tr')?.dataset.state === 'gone'"
        )
        assert row.locator(".seg-state").inner_text() == "Deleted elsewhere"
        page.locator("#submit-button").click()
        assert "deleted in another tab" in page.locator("#page-notice").inner_text()
        row.click()
        page.keyboard.press("Delete")  # deleted here too
        page.wait_for_function("document.querySelectorAll('#segment-table tbody tr').length === 0")
        wait_saved(page)
        assert server_segments(ws.assignment) == []
    finally:
        context.close()


# Reads the block strip of tests/support/media_factory.numbered_frame from a thumbnail canvas.
READ_THUMB = f"""(canvas) => {{
  const ctx = canvas.getContext('2d');
  const bits = {BITS}, block = canvas.width / bits;
  const y = Math.floor({STRIP_HEIGHT} * canvas.height / {SIZE[1]} / 2);
  const row = ctx.getImageData(0, y, canvas.width, 1).data;
  let value = 0;
  for (let b = 0; b < bits; b++) {{
    const x = Math.floor((b + 0.5) * block);
    value = (value << 1) | (row[4 * x] + row[4 * x + 1] + row[4 * x + 2] > 3 * 127 ? 1 : 0);
  }}
  return value;
}}"""


def test_timeline_lanes_filmstrip_and_guidelines(live_server, ui_page, media_root):
    from annotator.services.segments import create_segment
    from annotator.services.training import save_guideline

    ws = make_workspace(live_server, media_root)
    save_guideline(ws.project, None, definition="From the first frame the hand moves.")
    save_guideline(ws.project, 3, definition="A hand touches the hat.", exclusion="Waving.")
    user = ws.labeler.user
    create_segment(ws.assignment, user, start_frame=0, end_frame=0, category_code=3)  # 1 frame
    # Six overlapping Body-Hand gestures stacked in one lane.
    for n, code in enumerate((12, 13, 14, 15, 16, 17)):  # C14 has the longest name
        create_segment(
            ws.assignment, user, start_frame=20 + n, end_frame=90 + n, category_code=code
        )
    for start, code in ((100, 22), (105, 1), (110, 99), (115, 31)):  # a list longer than its box
        create_segment(
            ws.assignment, user, start_frame=start, end_frame=start + 9, category_code=code
        )
    page = ui_page
    page.set_viewport_size(WIDE)
    login(page, live_server.url, "ann")
    page.goto(ws.url)
    wait_ready(page)

    # Every lane is on screen under the player, the stacked one included.
    last = box(page, '.tl-track[data-group="Illustrative"]')
    assert last["y"] + last["height"] <= 900, last
    assert page.locator('.tl-track[data-group="Body-Hand"] .tl-bar').count() == 6
    # ... with the selected segment's card shown beside a list that scrolls.
    page.keyboard.press("ArrowUp")
    assert page.locator("#seg-details").is_visible()
    last = box(page, '.tl-track[data-group="Illustrative"]')
    assert last["y"] + last["height"] <= 900, last
    page.keyboard.press("Escape")
    # The one-frame segment at frame 0 is a visible bar beside the playhead at whole-video zoom.
    one = page.locator('.tl-bar[data-start="0"][data-end="0"]')
    assert one.bounding_box()["width"] >= 6
    # Selected, its label reads in full.
    page.keyboard.press("ArrowDown")
    assert "selected" in one.get_attribute("class")
    assert one.evaluate("b => b.scrollWidth <= b.clientWidth")
    assert one.inner_text().startswith("C3 Touching hat")
    # The segment list keeps each category name on one line.
    line = page.locator("#segment-table tbody tr td.seg-cat").first
    one_line = (
        "td => td.getBoundingClientRect().height < 2 * parseFloat(getComputedStyle(td).lineHeight)"
    )
    assert line.evaluate(one_line)

    # The filmstrip shows the frames under it, zoomed out; zoomed in, it hides.
    page.wait_for_function("document.querySelector('.tl-film')?.dataset.complete === '1'")
    thumbs = page.locator(".tl-thumb canvas")
    assert thumbs.count() >= 10
    for n in (0, thumbs.count() // 2, thumbs.count() - 1):
        canvas = thumbs.nth(n)
        assert canvas.evaluate(READ_THUMB) == int(canvas.get_attribute("data-frame"))
    for _ in range(3):
        page.locator("#zoom-in").click()
    page.locator(".tl-film-row").wait_for(state="hidden")

    # The guidelines open from the keyboard and close with Escape.
    page.keyboard.press("Control+i")
    panel = page.locator("#guidelines")
    panel.wait_for(state="visible")
    assert "From the first frame the hand moves." in panel.inner_text()
    hat = panel.locator('article[data-code="3"]')
    assert "A hand touches the hat." in hat.inner_text() and "Waving." in hat.inner_text()
    page.keyboard.press("Escape")
    panel.wait_for(state="hidden")
    page.keyboard.press("ArrowRight")  # the page's keys work again
    assert settle(page) == 1
    assert not page.js_errors
