"""The releases page's label exports panel in headless Chromium: pick a format, "Export labels"
queues the job, the panel follows it to "succeeded" and offers the file, which downloads with
the format's content. No Celery worker runs here: the test runs the queued job itself."""

from __future__ import annotations

import time
import zipfile

import pytest

from tests.support.browser import create_admin, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def clips(project):
    from annotator.models import Clip, Subject, Video
    from annotator.services.taxonomy import load_taxonomy_into

    create_admin()
    load_taxonomy_into(project)
    for n, code in ((1, 4), (2, 99)):
        subject = Subject.objects.create(project=project, subject_id=str(n))
        video = Video.objects.create(
            project=project,
            external_id=f"press_{n}",
            status="ready",
            num_frames=100,
            fps=25,
            match_result="win",
            subject=subject,
        )
        Clip.objects.create(
            project=project,
            video=video,
            start_frame=10,
            end_frame=30,
            category=project.categories.get(code=code),
            origin="matched",
        )


def run_export_job():
    """Run the export the page just queued (waiting for the request to land)."""
    from jobs import runner
    from jobs.models import Job

    deadline = time.monotonic() + 15
    while not (queued := Job.objects.filter(kind="label_export", state="queued")).exists():
        assert time.monotonic() < deadline, "the page queued no export"
        time.sleep(0.1)
    job = queued.get()
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    return job


def test_export_labels_from_the_releases_page(live_server, ui_page, project, clips, tmp_path):
    page = ui_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/releases/")
    panel = page.locator("#label-exports")
    expect(panel.get_by_role("heading", name="Label exports for other tools")).to_be_visible()
    expect(panel.locator("#label-export-table tbody")).to_have_text("No export yet.")

    # PYSKL needs poses, which this project has none of: refused with the reason.
    panel.get_by_label("Format").select_option("pyskl")
    expect(panel.get_by_label("PYSKL training subjects", exact=False)).to_be_visible()
    panel.get_by_role("button", name="Export labels").click()
    expect(panel.locator("#label-export-status [role=alert]")).to_contain_text("no clip with poses")

    panel.get_by_label("Format").select_option("imigue")
    panel.get_by_role("button", name="Export labels").click()
    expect(panel.locator("#label-export-status")).to_contain_text("Writing the export")
    job = run_export_job()
    row = panel.locator(f'#label-export-table tr[data-export="{job.pk}"]')
    expect(row.locator("td").nth(1)).to_have_text("succeeded")
    expect(row.locator("td").nth(2)).to_have_text("2")
    link = row.get_by_role("link", name=f"{project.name.lower()}-imigue.csv")
    expect(link).to_have_attribute("href", f"/api/label-exports/{job.pk}/download/")
    with page.expect_download() as info:
        link.click()
    text = open(info.value.path(), encoding="utf-8").read()
    assert text.splitlines()[0].startswith("video_id,label_id,start_time,start_frame")
    assert "press_1" in text and "press_2" in text

    # A per-video format comes as one zip.
    panel.get_by_label("Format").select_option("eaf")
    panel.get_by_role("button", name="Export labels").click()
    job = run_export_job()
    row = panel.locator(f'#label-export-table tr[data-export="{job.pk}"]')
    expect(row.locator("td").nth(1)).to_have_text("succeeded")
    with page.expect_download() as info:
        row.get_by_role("link").click()
    names = zipfile.ZipFile(info.value.path()).namelist()
    assert names == ["press_1.eaf", "press_2.eaf"]
    assert page.js_errors == []
