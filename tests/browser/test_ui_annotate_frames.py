"""Frame accuracy of the labeler workspace in a real browser (test 1).

The proxy comes from a clip whose frame index is written in its pixels. At many positions,
reached by keyboard steps, clicks on the timeline, playing at 0.25× and pausing, and seeking
backwards, the index read from the frame on screen equals the number the UI shows, and a segment
marked there is saved with that frame.
"""

from __future__ import annotations

import pytest

from tests.support.annotate_helpers import (
    displayed_pixels_frame,
    make_workspace,
    open_workspace,
    server_segments,
    settle,
    wait_saved,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def assert_in_step(page) -> int:
    shown = settle(page)
    assert displayed_pixels_frame(page) == shown
    return shown


def test_keyboard_steps_show_the_exact_frame(live_server, ui_page, media_root):
    ws = make_workspace(live_server, media_root)
    page = ui_page
    open_workspace(page, live_server, ws)
    assert assert_in_step(page) == 0
    expected = 0
    for key, delta in [("ArrowRight", 1)] * 7 + [
        ("Shift+ArrowRight", 10),
        ("ArrowLeft", -1),
        ("Shift+ArrowRight", 10),
        ("Shift+ArrowLeft", 10 * -1),
        ("l", 25),
        ("j", -25),
        ("ArrowLeft", -1),
        ("ArrowLeft", -1),
    ]:
        page.keyboard.press(key)
        expected += delta
        assert assert_in_step(page) == expected, key
    assert not page.js_errors


def click_timeline(page, fraction: float) -> None:
    box = page.locator("#timeline .tl-ruler").bounding_box()
    page.mouse.click(box["x"] + box["width"] * fraction, box["y"] + box["height"] / 2)


def test_clicks_playback_and_backward_seeks_agree_with_pixels_and_saved_segment(
    live_server, ui_page, media_root
):
    ws = make_workspace(live_server, media_root)
    page = ui_page
    open_workspace(page, live_server, ws)
    seen = set()
    # Clicks on the ruler, forwards then backwards (the whole video is in view).
    for fraction in (0.1, 0.37, 0.81, 0.55, 0.2, 0.03):
        click_timeline(page, fraction)
        seen.add(assert_in_step(page))
    # Clicks inside a lane, zoomed in so each frame is many pixels wide.
    page.locator("#zoom-in").click()
    page.locator("#zoom-in").click()
    lane = page.locator("#timeline .tl-track").first.bounding_box()
    for fraction in (0.9, 0.5, 0.25):
        page.mouse.click(lane["x"] + lane["width"] * fraction, lane["y"] + 5)
        seen.add(assert_in_step(page))
    # Play at 0.25× and pause, three times, then seek backwards with the keyboard.
    page.locator("#zoom-fit").click()
    for _ in range(3):
        page.keyboard.press("<")
    page.wait_for_function("document.getElementById('speed-select').value === '0.25'")
    assert page.evaluate("document.getElementById('player').playbackRate") == 0.25
    for wait_ms in (700, 450, 900):
        before = settle(page)
        page.keyboard.press(" ")
        page.wait_for_timeout(wait_ms)
        page.keyboard.press(" ")
        after = assert_in_step(page)
        assert after > before, "playing moved forward"
        seen.add(after)
    for _ in range(4):
        page.keyboard.press("Shift+ArrowLeft")
        seen.add(assert_in_step(page))
    assert len(seen) >= 12, seen

    # A segment marked at the playhead is saved with the frames that were on screen.
    start = assert_in_step(page)
    page.keyboard.press("[")
    for _ in range(13):
        page.keyboard.press("ArrowRight")
    end = assert_in_step(page)
    page.keyboard.press("]")
    page.locator("#picker").wait_for(state="visible")
    page.keyboard.press("3")
    wait_saved(page)
    assert server_segments(ws.assignment) == [(start, end, 3)]
    assert end == start + 13
    assert not page.js_errors
