"""Cancelling an upload in the browser removes its partial file on the server at once."""

import time

import pytest

from tests.browser.test_ui_foundation import expect, make_clip, open_project, upload_item
from tests.support.browser import UI_UPLOAD_CHUNK as CHUNK
from tests.support.browser import create_admin

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cancel_mid_upload_aborts_it_on_the_server(
    live_server, ui_page, project, upload_settings, media_root, tmp_path
):
    from annotator.models import Upload

    page = ui_page
    create_admin()
    clip = tmp_path / "long.mp4"
    make_clip(clip, seconds=3)
    held = []

    def hold_third_chunk(route, request):
        # Hold the third chunk unanswered, like a slow network, so Cancel happens mid-upload.
        if "offset=" + str(2 * CHUNK) in request.url:
            held.append(route)
        else:
            route.continue_()

    page.route("**/api/uploads/*/chunk/*", hold_third_chunk)
    open_project(page, live_server.url, project)
    page.set_input_files("#upload-input", str(clip))
    item = upload_item(page, "long.mp4")
    deadline = time.monotonic() + 20
    while not held and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert held, "the upload never reached its third chunk"
    upload = Upload.objects.get()
    part = media_root / "uploads" / f"{upload.pk}.part"
    assert part.stat().st_size == 2 * CHUNK

    item.get_by_role("button", name="Cancel").click()
    expect(item).to_have_attribute("data-state", "cancelled", timeout=10_000)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        upload.refresh_from_db()
        if upload.state == "aborted" and not part.exists():
            break
        time.sleep(0.1)
    assert upload.state == "aborted" and not part.exists()
    assert page.js_errors == []
