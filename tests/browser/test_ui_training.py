"""Training rounds in a real browser: an admin creates a round from the training page,
two labelers label the sample video from their queues with the keyboard and submit, the admin
opens the comparison (figures as the API gives them), builds and saves the reference answer and
closes the round, and a labeler sees their score. Plus who may open which training page."""

from __future__ import annotations

import os

import pytest

from annotator.models import Assignment, ReferenceSegment, TrainingRound
from annotator.services import training
from tests.support.annotate_helpers import SIZE, make_ready_video, mark, wait_ready, wait_saved
from tests.support.browser import DEFAULT_TIMEOUT_MS, create_admin, create_labeler, login
from tests.support.factories import ProjectFactory
from tests.support.media_factory import make_numbered_video
from tests.support.paths import DOCS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORK = {"ann": [(10, 30, "1"), (50, 70, "2")], "bob": [(12, 31, "1"), (52, 69, "3")]}


def new_page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 940})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    return page


def label_from_queue(browser, base_url: str, username: str, video) -> None:
    page = new_page(browser)
    try:
        login(page, base_url, username)
        page.goto(f"{base_url}/queue/")
        page.locator(f'#queue-table tr[data-external-id="{video.external_id}"] a').click()
        wait_ready(page)
        assert not page.locator("#training-badge").is_hidden()
        for start, end, key in WORK[username]:
            mark(page, start, end, key)
        wait_saved(page)
        page.locator("#submit-button").click()
        page.keyboard.press("Enter")  # the confirmation's Submit has the focus
        page.wait_for_function(
            "document.getElementById('assignment-state').textContent === 'submitted'"
        )
        assert not page.js_errors
    finally:
        page.context.close()


def test_a_training_round_from_creation_to_results(
    live_server, ui_page, browser, media_root, tmp_path, upload_settings, celery_worker
):
    project = ProjectFactory(name="Training demo")
    video = make_ready_video(project, media_root)
    make_ready_video(project, media_root, external_id="102", num_frames=60)
    taken = make_ready_video(project, media_root, external_id="103", num_frames=60)
    labelers = [create_labeler(u, c, projects=[project]) for u, c in (("ann", "A1"), ("bob", "B1"))]
    Assignment.objects.create(video=taken, labeler=labelers[0], position=1)  # real work
    create_admin()
    page = ui_page
    page.set_viewport_size({"width": 1440, "height": 940})
    login(page, live_server.url, "admin")

    # The admin creates the round on the training page, linked from the project page.
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Training", exact=True).first.click()
    page.wait_for_selector("#training-app.ready")
    # Only possible samples are listed; the others are named with the reason.
    assert page.locator(f'#round-videos input[value="{taken.pk}"]').count() == 0
    missing = page.locator("#round-videos-missing")
    assert missing.inner_text() == "1 assigned as real work: 103"
    # A new sample uploaded from the form is listed, ticked, once ingested.
    celery_worker()
    clip = tmp_path / "sample104.mp4"
    make_numbered_video(clip, 30, size=SIZE)
    page.set_input_files("#sample-input", str(clip))
    card = page.locator('#sample-uploads .upload-item[data-filename="sample104.mp4"]')
    card.wait_for()
    page.wait_for_function(
        "document.querySelector('#sample-uploads .upload-item')?.dataset.state === 'ready'",
        timeout=60_000,
    )
    uploaded = page.locator('#round-videos input[data-external-id="sample104"]')
    uploaded.wait_for()
    assert uploaded.is_checked()
    uploaded.uncheck()
    page.locator("#round-name").fill("Calibration")
    page.locator(f'#round-videos input[value="{video.pk}"]').check()
    page.locator("#round-create").click()
    row = page.locator("#rounds-table tbody tr")
    row.wait_for()
    assert "A1 0/1" in row.inner_text() and "B1 0/1" in row.inner_text()
    assert "“Calibration” created" in page.locator("#page-notice").inner_text()
    round_ = TrainingRound.objects.get(project=project)
    assert round_.name == "Calibration"
    assert Assignment.objects.filter(video=video, is_training=True).count() == 2
    # The sample is now listed as a sample of round 1.
    page.wait_for_function(
        "document.getElementById('round-videos-missing').textContent.includes('round')"
    )
    assert page.locator(f'#round-videos input[value="{video.pk}"]').count() == 0

    # Guidelines: two saves are two versions; the history lists the older one.
    page.locator("#guideline-target").select_option("1")
    for text in ("Hand touches the head.", "A hand touches the head or hair."):
        page.locator("#guideline-definition").fill(text)
        page.locator("#guideline-save").click()
        page.wait_for_function(
            "document.getElementById('guideline-version').textContent.startsWith('version "
            f"{1 if text.startswith('Hand') else 2}')"
        )
    page.locator("#history-toggle").click()
    page.locator('#history-list li[data-version="1"]').wait_for()
    assert "Hand touches the head." in page.locator("#history-list").inner_text()

    # Each labeler labels the sample from their queue, blind, and submits.
    for username in WORK:
        label_from_queue(browser, live_server.url, username, video)

    # The comparison: figures as the API computes them.
    page.goto(f"{live_server.url}/training/rounds/{round_.pk}/")
    page.wait_for_selector("#round-app.ready")
    api = page.request.get(f"{live_server.url}/api/training/rounds/{round_.pk}/comparison/").json()
    [pair] = api["pair_r"]
    cell = page.locator('#pair-matrix td[data-pair="A1|B1"]')
    assert float(cell.get_attribute("data-r")) == pytest.approx(pair["r"])
    assert cell.inner_text() == f"{pair['r']:.2f}"
    kappa = page.locator("#fleiss-kappa")
    assert float(kappa.get_attribute("data-kappa")) == pytest.approx(api["fleiss_kappa"])
    assert kappa.inner_text() == f"{api['fleiss_kappa']:.3f}"
    assert pair["r"] == pytest.approx(0.5)  # C1 matches; [50,70] C2 vs [52,69] C3 conflict
    assert page.locator(".tl-track[data-group='A1'] .tl-bar").count() == 2
    assert page.locator(".tl-track[data-group='B1'] .tl-bar").count() == 2
    assert api["confusions"] == [{"categories": [2, 3], "count": 1}]
    confusion = page.locator("#confusion-table tbody tr").inner_text()
    assert confusion.startswith("C2 ") and " ↔ C3 " in confusion and confusion.endswith("1")
    places = page.locator("#places-table tbody tr")
    assert places.count() == len(api["places"]) >= 1
    places.first.click()
    start, end = (
        int(places.first.get_attribute("data-start")),
        int(places.first.get_attribute("data-end")),
    )
    page.wait_for_function(
        f"window.mgstudio.player.loop && window.mgstudio.player.loop.start === {start}"
        f" && window.mgstudio.player.loop.end === {end}"
    )

    # The reference: a place's consensus (median bounds, majority category), then A1's segments
    # replace it; one category is edited; save.
    page.locator('#places-table tr[data-start="10"] button.consensus').click()
    added = page.locator("#reference-table tbody tr")
    assert added.count() == 1
    assert (added.get_attribute("data-start"), added.get_attribute("data-end")) == ("11", "31")
    assert added.get_attribute("data-category") == "1"
    page.locator("#copy-labeler").select_option("A1")
    page.locator("#copy-button").click()
    assert page.locator("#reference-table tbody tr").count() == 2
    assert page.locator(".tl-track[data-group='Reference'] .tl-bar").count() == 2
    page.locator("#reference-table tbody tr").last.locator(".ref-category").select_option("3")
    page.locator("#save-reference").click()
    page.wait_for_function("document.getElementById('reference-dirty').dataset.dirty === 'false'")
    saved = sorted(
        (r.start_frame, r.end_frame, r.category.code)
        for r in ReferenceSegment.objects.filter(round=round_)
    )
    assert saved == [(10, 30, 1), (50, 70, 3)]
    page.evaluate("window.mgstudio.player.video.pause()")

    target = tmp_path / "training-comparison.png"
    if os.environ.get("MGSTUDIO_DOCS_SCREENSHOTS") == "1":
        target = DOCS / "training-comparison.png"
    page.screenshot(path=str(target), full_page=True)

    page.locator("#close-round").click()
    page.wait_for_function("document.getElementById('round-state').dataset.state === 'closed'")
    round_.refresh_from_db()
    assert round_.state == "closed"
    assert not page.js_errors

    # The admin's training page charts every labeler's R against the reference over rounds.
    page.goto(f"{live_server.url}/projects/{project.pk}/training/")
    page.wait_for_selector("#training-app.ready")
    for code in ("A1", "B1"):
        point = page.locator(f'.labeler-progress[data-labeler="{code}"] circle.point')
        assert point.count() == 1
    assert float(
        page.locator('.labeler-progress[data-labeler="B1"] circle.point').get_attribute("data-r")
    ) == pytest.approx(1.0)
    assert not page.js_errors

    # The labeler sees their own score on /training/, as the API gives it.
    labeler_page = new_page(browser)
    try:
        login(labeler_page, live_server.url, "bob")
        labeler_page.get_by_role("link", name="Training").click()
        labeler_page.wait_for_selector("#results-app.ready")
        result = labeler_page.locator('.results-table tr[data-round="1"] td.r')
        expected = training.labeler_results(
            Assignment.objects.get(video=video, labeler__code="B1").labeler, project
        )[0].score.r
        assert float(result.get_attribute("data-r")) == pytest.approx(expected)
        assert expected == pytest.approx(1.0)  # bob's C1 matches, and C3 is the reference's
        assert labeler_page.locator(".progress-chart circle.point").count() == 1
        # The results table's header reads in full: nothing clipped, nothing to scroll to.
        wrap = labeler_page.locator(".results-layout .table-wrap")
        assert wrap.evaluate("w => w.scrollWidth <= w.clientWidth")
        for th in labeler_page.locator(".results-table thead th").all():
            assert th.evaluate("t => t.scrollWidth <= t.clientWidth"), th.inner_text()
        assert not labeler_page.js_errors
    finally:
        labeler_page.context.close()


def test_who_may_open_the_training_pages(live_server, ui_page, media_root):
    project = ProjectFactory(name="Training access")
    video = make_ready_video(project, media_root)
    create_labeler("ann", "A1", projects=[project])
    create_labeler("bob", "B1", projects=[project])
    create_labeler("eve", "E1")
    round_ = training.create_round(project, "R1", [video.pk])
    training.save_guideline(project, None, definition="Start at the first frame of motion.")
    page = ui_page
    login(page, live_server.url, "ann")
    assert page.goto(f"{live_server.url}/projects/{project.pk}/training/").status == 403
    assert page.goto(f"{live_server.url}/training/rounds/{round_.pk}/").status == 403
    assert page.goto(f"{live_server.url}/projects/{project.pk}/guidelines/").status == 200
    page.wait_for_selector("#guidelines-app.ready")
    assert "first frame of motion" in page.locator("#general-rules").inner_text()
    assert page.locator(".guideline-group").count() >= 1
    assert page.goto(f"{live_server.url}/training/").status == 200
    page.wait_for_selector("#results-app.ready")
    assert "No closed training round yet." in page.inner_text("#results-app")
    page.context.clear_cookies()
    login(page, live_server.url, "eve")
    assert page.goto(f"{live_server.url}/projects/{project.pk}/guidelines/").status == 404
    assert not page.js_errors
