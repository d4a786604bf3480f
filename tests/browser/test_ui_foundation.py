"""The foundation's browser pages, end to end in headless Chromium against a live server.

An admin uploads a real (tiny) video through the chunked upload widget and watches it get
ingested by a real Celery worker; a text file named .mp4 ends rejected with the reason on its row;
the uploader retries a failing chunk and resumes at the server's offset after a 409; a labeler
sees only their own queue and is refused the admin pages.
"""

from __future__ import annotations

import json
import subprocess
from urllib.parse import parse_qs, urlparse

import pytest

from tests.support.browser import UI_UPLOAD_CHUNK as CHUNK
from tests.support.browser import create_admin, create_labeler, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


def make_clip(path, seconds: int = 1) -> None:
    argv = "ffmpeg -loglevel error -y -f lavfi -i testsrc=size=160x120:rate=25 -pix_fmt yuv420p"
    subprocess.run([*argv.split(), "-t", str(seconds), str(path)], check=True)


def open_project(page, base_url, project) -> None:
    login(page, base_url, "admin")
    assert page.url.endswith("/projects/"), "an admin lands on the project list"
    page.get_by_role("link", name=project.name).click()
    page.wait_for_url(f"**/projects/{project.pk}/")


def upload_item(page, filename):
    return page.locator(f'.upload-item[data-filename="{filename}"]')


def video_row(page, external_id):
    return page.locator(f'#videos-table tbody tr[data-external-id="{external_id}"]')


def test_admin_uploads_a_video_in_chunks_and_sees_it_ingested(
    live_server, ui_page, project, upload_settings, celery_worker, tmp_path
):
    celery_worker()
    from annotator.models import Video

    page = ui_page
    create_admin()
    clip = tmp_path / "clip001.mp4"
    make_clip(clip)
    size = clip.stat().st_size
    assert size > 3 * CHUNK
    chunk_offsets = []
    page.on(
        "request",
        lambda r: (
            chunk_offsets.append(int(parse_qs(urlparse(r.url).query)["offset"][0]))
            if r.method == "PUT" and "/chunk/" in r.url
            else None
        ),
    )

    open_project(page, live_server.url, project)
    # Subject and win/lose go with the files added next.
    page.get_by_label("Subject").fill("s01")
    page.get_by_label("Win/lose").select_option("win")
    page.set_input_files("#upload-input", str(clip))

    # The card follows the file to the end of its ingest, not only to "uploaded".
    item = upload_item(page, "clip001.mp4")
    expect(item).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(item.locator(".upload-status")).to_have_text("Ready: video clip001")
    expect(item.locator(".upload-numbers")).to_have_text("25 frames at 25 fps")
    expect(item.locator("progress")).to_have_attribute("value", "100")
    assert chunk_offsets == list(range(0, size, CHUNK)), "one PUT per chunk, in order"

    row = video_row(page, "clip001")
    expect(row).to_be_visible()
    expect(row).to_have_attribute("data-status", "ready", timeout=60_000)
    cells = row.locator("td")
    expect(cells.nth(1)).to_have_text("25")  # fps
    expect(cells.nth(2)).to_have_text("25")  # frames
    expect(cells.nth(3)).to_contain_text("160×120")
    expect(page.locator("#jobs-list .job-item").first).to_have_attribute("data-state", "succeeded")

    expect(cells.nth(5)).to_have_text("s01")  # subject
    expect(cells.nth(6)).to_have_text("win")
    video = Video.objects.get(project=project, external_id="clip001")
    assert (video.status, video.size_bytes, video.num_frames) == ("ready", size, 25)
    assert (video.subject.subject_id, video.match_result) == ("s01", "win")
    assert page.js_errors == []


def test_a_text_file_named_mp4_is_refused_or_rejected_with_the_reason(
    live_server, ui_page, project, upload_settings, celery_worker, tmp_path
):
    celery_worker()
    page = ui_page
    create_admin()
    fake = tmp_path / "notavideo.mp4"
    fake.write_text("this is not a video, only text\n" * 200)

    open_project(page, live_server.url, project)
    page.set_input_files("#upload-input", str(fake))

    # Either the server refuses the file (the error is on the upload's row) or the ingest job
    # rejects it (the video row turns red and says why).
    refused = page.locator('.upload-item[data-state="failed"] .upload-error')
    rejected = page.locator(
        '#videos-table tr[data-external-id="notavideo"][data-status="rejected"]'
    )
    expect(refused.or_(rejected).first).to_be_visible(timeout=60_000)
    if rejected.count():
        message = rejected.locator(".row-error").inner_text()
        expect(rejected.locator(".badge").first).to_have_text("rejected")
        # The card says so too, and deletes the video; no Retry is offered for a bad file.
        card = upload_item(page, "notavideo.mp4")
        expect(card).to_have_attribute("data-state", "rejected")
        assert card.locator(".upload-error").inner_text().strip()
        failed = page.locator('#jobs-list .job-item[data-state="failed"]')
        expect(failed).to_contain_text("the file was rejected")
        assert failed.get_by_role("button", name="Retry").count() == 0
        card.get_by_role("button", name="Delete").click()
        expect(card).to_have_attribute("data-state", "deleted")
        expect(rejected).to_have_count(0)
        from annotator.models import Video

        assert not Video.objects.filter(project=project, external_id="notavideo").exists()
    else:
        message = refused.inner_text()
    assert message.strip(), "the reason is shown"
    assert page.js_errors == []


def test_uploader_retries_a_failed_chunk_and_resumes_at_the_servers_offset(
    live_server, ui_page, project, upload_settings, tmp_path
):
    """The uploads API is simulated in the browser (page.route) to force a 503 and a 409."""
    page = ui_page
    create_admin()
    data = bytes(range(256)) * 20  # 5120 bytes: five chunks of 1000 and one of 120
    (tmp_path / "sim.mp4").write_bytes(data)
    (tmp_path / "bad.txt").write_bytes(b"text")
    server = {"received": bytearray(), "puts": [], "completed": False}

    def uploads_api(route, request):
        path = urlparse(request.url).path
        if request.method == "POST" and path.endswith("/api/uploads/"):
            body = json.loads(request.post_data)
            if body["filename"].endswith(".txt"):
                route.fulfill(status=400, json={"detail": "bad.txt: not a video file extension"})
            else:
                assert body["size"] == len(data) and body["project"] == project.pk
                route.fulfill(status=201, json={"id": 7, "chunk_size": 1000, "received_bytes": 0})
        elif request.method == "PUT" and path.endswith("/api/uploads/7/chunk/"):
            offset = int(parse_qs(urlparse(request.url).query)["offset"][0])
            server["puts"].append(offset)
            n = len(server["puts"])
            if n == 2:  # a transient failure: the chunk is retried after a backoff
                route.fulfill(status=503, json={"detail": "try again"})
            elif n == 5:  # the server lost the previous chunk: resume where it says
                del server["received"][2000:]
                route.fulfill(status=409, json={"detail": "gap", "expected_offset": 2000})
            else:
                assert offset == len(server["received"])
                server["received"] += request.post_data_buffer
                route.fulfill(json={"received_bytes": len(server["received"])})
        elif request.method == "POST" and path.endswith("/api/uploads/7/complete/"):
            server["completed"] = True
            route.fulfill(status=202, json={"video": 1, "job": 1})
        else:
            route.continue_()

    page.route("**/api/uploads/**", uploads_api)
    open_project(page, live_server.url, project)
    page.set_input_files("#upload-input", [str(tmp_path / "sim.mp4"), str(tmp_path / "bad.txt")])

    expect(upload_item(page, "sim.mp4")).to_have_attribute("data-state", "done", timeout=20_000)
    expect(upload_item(page, "sim.mp4").locator(".upload-numbers")).to_contain_text("100 %")
    assert bytes(server["received"]) == data and server["completed"]
    assert server["puts"] == [0, 1000, 1000, 2000, 3000, 2000, 3000, 4000, 5000]

    bad = upload_item(page, "bad.txt")
    expect(bad).to_have_attribute("data-state", "failed")
    expect(bad.locator(".upload-error")).to_have_text("bad.txt: not a video file extension")
    assert page.js_errors == []


def test_labeler_sees_only_their_own_queue_and_no_admin_pages(live_server, ui_page, project):
    from annotator.models import Assignment, Video

    page = ui_page
    me = create_labeler("lab1", "L1", projects=[project])
    other = create_labeler("lab2", "L2", projects=[project])
    v1, v2, v3 = (
        Video.objects.create(
            project=project, external_id=f"v{i}", status="ready", num_frames=250, fps=25.0
        )
        for i in (1, 2, 3)
    )
    Assignment.objects.create(video=v1, labeler=me, position=2, state="assigned")
    Assignment.objects.create(video=v2, labeler=me, position=1, state="in_progress")
    Assignment.objects.create(video=v1, labeler=other, position=1, state="submitted")
    Assignment.objects.create(video=v3, labeler=other, position=2, state="assigned")

    answers = []
    page.on("response", lambda r: answers.append((r.status, r.url)))
    login(page, live_server.url, "lab1")
    assert page.url.endswith("/queue/"), "a labeler lands on their queue"
    rows = page.locator("#queue-table tbody tr")
    expect(rows).to_have_count(2)
    # Every page has its icon: nothing the pages ask for is missing.
    page.wait_for_load_state("networkidle")
    assert not [url for status, url in answers if status == 404]
    assert any(url.endswith("/favicon.svg") and status == 200 for status, url in answers)
    icon = page.request.get(f"{live_server.url}/favicon.ico")
    assert icon.ok and icon.url.endswith("/favicon.svg")
    expect(rows.locator("th")).to_have_text(["v2", "v1"])  # queue order
    expect(rows.nth(0)).to_have_attribute("data-state", "in_progress")
    expect(rows.nth(0)).to_contain_text("in progress")
    expect(rows.nth(1)).to_contain_text("assigned")
    expect(page.locator("#queue-table")).not_to_contain_text("v3")
    expect(page.locator("#queue-table th.col-labeler")).to_be_hidden()
    expect(page.locator("#queue-summary")).to_contain_text("2 videos")

    for path in ("/projects/", f"/projects/{project.pk}/", "/jobs/1/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 403, path
    assert page.js_errors == []


def test_anonymous_users_are_sent_to_the_login_page(live_server, ui_page):
    page = ui_page
    for path in ("/", "/projects/", "/queue/"):
        page.goto(f"{live_server.url}{path}")
        assert urlparse(page.url).path == "/login/", path
    create_admin()
    login(page, live_server.url, "admin")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login/")
    page.goto(f"{live_server.url}/projects/")
    assert urlparse(page.url).path == "/login/"
