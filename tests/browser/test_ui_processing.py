"""The "Processing" panel of the admin's project page, in headless Chromium.

Four clips: one processed (privacy verified, MediaPipe poses), two that failed at poses with the
same error (their blurred clips exist) and one agreed. The panel shows the counts, the error once
with the two clips it affects, each clip's stage, and the project's pose switch; "Retry" resumes
a failed clip at its poses and "Process agreed clips" starts the agreed one at the cut. No Celery
worker runs here: the jobs are only queued, and a worker's progress is written by the test.
"""

from __future__ import annotations

import re

import pytest

from tests.support.browser import create_admin, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POSE_ERROR = "No pose checkpoint is configured (set POSE_CHECKPOINT)."


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def clips(project, media_root):
    from annotator.models import Clip, Video
    from annotator.services.taxonomy import load_taxonomy_into
    from jobs.models import Job

    create_admin()
    load_taxonomy_into(project)  # the bare `project` fixture has no categories yet
    video = Video.objects.create(
        project=project, external_id="v1", status="ready", num_frames=100, fps=25
    )
    category = project.categories.get(code=4)
    (media_root / "clips").mkdir()

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

    def failed_at_poses(start, end):
        made = clip(start, end, "failed", error=f"clip_poses: {POSE_ERROR}")
        (media_root / "clips" / f"{made.pk}.mp4").write_bytes(b"blurred")
        job = Job.objects.create(kind="clip_poses", state="failed", params={"clip": made.pk})
        Clip.objects.filter(pk=made.pk).update(
            clip_file=f"clips/{made.pk}.mp4",
            clip_sha256="0" * 64,
            privacy={"passed": True, "redetections": 0},
            processing_job=job,
        )
        return made

    return {
        "processed": clip(
            10,
            20,
            "processed",
            privacy={"passed": True, "redetections": 0},
            pose_layout="mediapipe543",
        ),
        "failed": failed_at_poses(30, 44),
        "failed2": failed_at_poses(45, 49),
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


def test_panel_shows_counts_stages_and_each_error_once(live_server, ui_page, project, clips):
    page = ui_page
    polls = []
    page.on("request", lambda r: "/processing/" in r.url and polls.append(r.url))
    open_project(page, live_server.url, project)

    counts = page.locator("#processing-counts")
    expect(counts).to_have_text(
        "1 of 4 clips processed (25 %) · 1 agreed · 0 processing · 2 failed"
    )
    expect(counts).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("progressbar", name="Processed clips")).to_have_attribute("value", "25")
    expect(page.get_by_role("button", name="Process agreed clips")).to_be_enabled()
    expect(page.get_by_label("Extract poses")).to_be_checked()
    expect(page.locator("#pose-backend")).to_have_text("with MediaPipe Holistic")
    expect(page.locator("#clips-table tbody tr")).to_have_count(4)

    # The two failures are one error: its message is on the page once, with both clips.
    errors = page.locator("#processing-errors li")
    expect(errors).to_have_count(1)
    failed, failed2 = clips["failed"].pk, clips["failed2"].pk
    expect(errors.first).to_have_text(f"poses: {POSE_ERROR} — 2 clips: {failed}, {failed2}")
    expect(page.get_by_text(POSE_ERROR)).to_have_count(1)
    for key in ("failed", "failed2"):
        row = clip_row(page, clips[key])
        expect(row).to_have_attribute("data-status", "failed")
        expect(row.locator(".clip-stage")).to_have_text("failed at poses · error 1")
        expect(row.get_by_role("link", name="error 1")).to_have_attribute(
            "href", "#processing-error-1"
        )
        expect(row.get_by_role("button", name=f"Retry clip {clips[key].pk}")).to_be_visible()

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
            "mediapipe543",
            "Play",
        ]
    )
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


def test_retry_resumes_at_the_poses_and_the_rows_follow_the_stages(
    live_server, ui_page, project, clips
):
    from annotator.models import Clip
    from jobs.models import Job

    page = ui_page
    open_project(page, live_server.url, project)
    failed = clip_row(page, clips["failed"])
    expect(failed.locator(".clip-stage")).to_have_text("failed at poses · error 1")

    failed.get_by_role("button", name=f"Retry clip {clips['failed'].pk}").click()

    # Its verified clip exists: only the pose stage is queued, nothing is cut or blurred again.
    # (The request first loads the pose model, which the server's first request imports.)
    expect(failed).to_have_attribute("data-status", "processing", timeout=30_000)
    expect(failed.locator(".clip-stage")).to_have_text("poses (queued) · 0 / 15 frames")
    expect(page.locator("#processing-status")).to_contain_text(
        f"Clip {clips['failed'].pk} sent to processing again"
    )
    expect(page.locator("#processing-errors li")).to_have_text(
        f"poses: {POSE_ERROR} — 1 clip: {clips['failed2'].pk}"
    )
    queued = Job.objects.get(state="queued")
    assert queued.kind == "clip_poses" and queued.params == {"clip": clips["failed"].pk}
    assert status_of(clips["agreed"]) == "agreed"

    process = page.get_by_role("button", name="Process agreed clips")
    process.click()
    agreed = clip_row(page, clips["agreed"])
    expect(agreed).to_have_attribute("data-status", "processing")
    expect(page.locator("#processing-status")).to_have_text("2 clips sent to processing.")
    expect(page.locator("#processing-counts")).to_have_text(
        "1 of 4 clips processed (25 %) · 0 agreed · 3 processing · 0 failed"
    )
    expect(agreed.locator(".clip-stage")).to_have_text("cut (queued) · 0 / 11 frames")
    expect(page.locator("#processing-errors")).to_be_hidden()
    expect(process).to_be_disabled()
    kinds = dict(Job.objects.filter(state="queued").values_list("params__clip", "kind"))
    assert kinds == {
        clips["failed"].pk: "clip_poses",
        clips["failed2"].pk: "clip_poses",
        clips["agreed"].pk: "clip_cut",
    }

    # While clips are processing the panel polls: a worker's progress shows up by itself.
    Job.objects.filter(pk=queued.pk).update(state="running", progress=0.5, message="poses")
    expect(failed.locator(".clip-stage")).to_have_text("poses · 8 / 15 frames")
    Clip.objects.filter(pk=clips["failed"].pk).update(status="processed", pose_layout="coco17")
    Clip.objects.filter(pk=clips["agreed"].pk).update(
        status="failed", error="clip_privacy: privacy check failed: 3 faces found"
    )
    expect(page.locator("#processing-errors li")).to_have_text(
        f"verify: privacy check failed: 3 faces found — 1 clip: {clips['agreed'].pk}"
    )
    expect(failed.locator("td").nth(6)).to_have_text("coco17")
    assert page.js_errors == []


def test_poses_are_switched_off_and_on_for_the_project(live_server, ui_page, project, clips):
    page = ui_page
    open_project(page, live_server.url, project)
    switch = page.get_by_label("Extract poses")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(page.locator("#pose-backend")).to_have_text(
        "off: clips are processed once their blur is verified"
    )
    expect(page.locator("#processing-status")).to_have_text(
        "Poses are off: clips end once their blur is verified."
    )
    project.refresh_from_db()
    assert project.extract_poses is False
    page.reload()
    expect(page.get_by_label("Extract poses")).not_to_be_checked()
    page.get_by_label("Extract poses").check()
    expect(page.locator("#pose-backend")).to_have_text("with MediaPipe Holistic")
    project.refresh_from_db()
    assert project.extract_poses is True
    assert page.js_errors == []
