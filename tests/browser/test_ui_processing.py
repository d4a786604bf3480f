"""The "Processing" panel of the admin's project page, in headless Chromium.

Three clips: one processed (privacy verified, COCO-17 poses), one failed (no pose checkpoint) and
one agreed. The panel shows the counts and the clips table; "Retry" on the failed clip and
"Process agreed clips" both queue a processing chain and turn the clip to ``processing``. No
Celery worker runs here: the jobs are only queued, which is all these tests check.
"""

from __future__ import annotations

import re

import pytest

from tests.support.browser import create_admin, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSE_ERROR = "clip_poses: No pose checkpoint is configured (set POSE_CHECKPOINT)."


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def clips(project):
    from annotator.models import Clip, Video
    from annotator.services.taxonomy import load_taxonomy_into

    create_admin()
    load_taxonomy_into(project)  # the bare `project` fixture has no categories yet
    video = Video.objects.create(
        project=project, external_id="v1", status="ready", num_frames=100, fps=25
    )
    category = project.categories.get(code=4)

    def clip(start, end, status, **extra):
        return Clip.objects.create(
            project=project,
            video=video,
            start_frame=start,
            end_frame=end,
            category=category,
            origin="matched",
            status=status,
            **extra,
        )

    return {
        "processed": clip(
            10,
            20,
            "processed",
            privacy={"passed": True, "redetections": 0},
            pose_layout="coco17",
        ),
        "failed": clip(30, 44, "failed", error=POSE_ERROR),
        "agreed": clip(50, 60, "agreed"),
    }


def open_project(page, base_url, project) -> None:
    login(page, base_url, "admin")
    page.goto(f"{base_url}/projects/{project.pk}/")


def clip_row(page, clip):
    return page.locator(f'#clips-table tbody tr[data-clip-id="{clip.pk}"]')


def status_of(clip) -> str:
    clip.refresh_from_db()
    return clip.status


def test_panel_shows_counts_and_the_clips_table(live_server, ui_page, project, clips):
    page = ui_page
    polls = []
    page.on("request", lambda r: "/processing/" in r.url and polls.append(r.url))
    open_project(page, live_server.url, project)

    counts = page.locator("#processing-counts")
    expect(counts).to_have_text(
        "1 of 3 clips processed (33 %) · 1 agreed · 0 processing · 1 failed"
    )
    expect(counts).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("progressbar", name="Processed clips")).to_have_attribute(
        "value", "33.3"
    )
    expect(page.get_by_role("button", name="Process agreed clips")).to_be_enabled()
    expect(page.locator("#clips-table tbody tr")).to_have_count(3)

    done = clip_row(page, clips["processed"])
    expect(done.locator("th, td")).to_have_text(
        [
            str(clips["processed"].pk),
            "v1",
            "10–20",
            "4",
            "matched",
            "processed",
            "verified",
            "coco17",
            "Play",
        ]
    )
    failed = clip_row(page, clips["failed"])
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".badge")).to_have_text("failed")
    expect(failed.locator(".clip-error")).to_have_text(POSE_ERROR)
    expect(failed.get_by_role("button", name=f"Retry clip {clips['failed'].pk}")).to_be_visible()
    agreed = clip_row(page, clips["agreed"])
    expect(agreed.locator("th, td")).to_have_text(
        [str(clips["agreed"].pk), "v1", "50–60", "4", "matched", "agreed", "—", "—", ""]
    )
    expect(agreed.get_by_role("button")).to_have_count(0)

    # "Play" opens the blurred clip in a <video controls> below the table.
    player = page.locator("#clip-player video")
    expect(player).to_be_hidden()
    done.get_by_role("button", name=f"Play clip {clips['processed'].pk}").click()
    expect(player).to_be_visible()
    expect(player).to_have_attribute("controls", "")
    expect(player).to_have_attribute(
        "src", re.compile(rf"/api/clips/{clips['processed'].pk}/video/$")
    )
    # Nothing is processing: the panel loaded once and does not poll.
    page.wait_for_timeout(2500)
    assert len(polls) == 1
    assert page.js_errors == []


def test_retry_and_process_send_clips_to_processing(live_server, ui_page, project, clips):
    from jobs.models import Job

    page = ui_page
    open_project(page, live_server.url, project)
    failed = clip_row(page, clips["failed"])
    expect(failed.locator(".clip-error")).to_have_text(POSE_ERROR)

    failed.get_by_role("button", name=f"Retry clip {clips['failed'].pk}").click()

    expect(failed).to_have_attribute("data-status", "processing")
    expect(failed.locator(".badge")).to_have_text("processing")
    expect(failed.locator(".clip-error")).to_have_count(0)
    expect(failed.get_by_role("button")).to_have_count(0)
    expect(page.locator("#processing-status")).to_contain_text(
        f"Clip {clips['failed'].pk} sent to processing again"
    )
    expect(page.locator("#processing-counts")).to_have_text(
        "1 of 3 clips processed (33 %) · 1 agreed · 1 processing · 0 failed"
    )
    assert status_of(clips["failed"]) == "processing"
    assert status_of(clips["agreed"]) == "agreed"
    assert Job.objects.filter(state="queued").count() == 1  # queued only: no worker runs

    process = page.get_by_role("button", name="Process agreed clips")
    expect(process).to_be_enabled()
    process.click()

    agreed = clip_row(page, clips["agreed"])
    expect(agreed).to_have_attribute("data-status", "processing")
    expect(page.locator("#processing-status")).to_have_text("1 clip sent to processing.")
    expect(page.locator("#processing-counts")).to_have_text(
        "1 of 3 clips processed (33 %) · 0 agreed · 2 processing · 0 failed"
    )
    # Nothing is left to start, and the processed clip stays as it was.
    expect(process).to_be_disabled()
    assert status_of(clips["agreed"]) == "processing"
    assert status_of(clips["processed"]) == "processed"
    assert Job.objects.filter(state="queued").count() == 2

    # While clips are processing the panel polls: a worker's results show up by themselves.
    from annotator.models import Clip

    Clip.objects.filter(pk=clips["agreed"].pk).update(
        status="processed", privacy={"passed": True, "redetections": 0}, pose_layout="coco17"
    )
    Clip.objects.filter(pk=clips["failed"].pk).update(
        status="failed", error="verify: 3 faces found", privacy={"passed": False, "redetections": 3}
    )
    expect(page.locator("#processing-counts")).to_have_text(
        "2 of 3 clips processed (66 %) · 0 agreed · 0 processing · 1 failed"
    )
    expect(agreed.locator(".privacy")).to_have_text("verified")
    expect(failed.locator(".privacy")).to_have_text("failed: 3 re-detections")
    expect(failed.locator(".clip-error")).to_have_text("verify: 3 faces found")
    expect(process).to_be_enabled()
    assert page.js_errors == []
