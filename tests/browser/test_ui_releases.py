"""The releases page in headless Chromium: a refusal lists the clip that failed
verification; after fixing it, "Create release" queues the job, the page polls it and shows the
release with its counts, sha256, "valid" and the tar's download link. No Celery worker runs
here: the test runs the queued job itself (jobs.runner.execute)."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
from django.utils import timezone

from tests.support.browser import create_admin, login
from tests.support.media_factory import make_numbered_video

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VERIFIED = {"passed": True, "problems": [], "redetections": 0, "audio_streams": 0}


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def clips(project, media_root, tmp_path):
    from annotator.models import Clip, Subject, Video
    from annotator.services.taxonomy import load_taxonomy_into

    create_admin()
    load_taxonomy_into(project)
    mp4 = make_numbered_video(tmp_path / "c.mp4", 6, size=(64, 48))
    out = []
    for n, result in ((1, "win"), (2, "lose")):
        subject = Subject.objects.create(project=project, subject_id=str(n))
        video = Video.objects.create(
            project=project,
            external_id=str(n),
            status="ready",
            num_frames=100,
            fps=25,
            width=64,
            height=48,
            match_result=result,
            subject=subject,
        )
        clip = Clip.objects.create(
            project=project,
            video=video,
            start_frame=0,
            end_frame=5,
            category=project.categories.get(code=4),
            origin="matched",
            status="processed",
            privacy=VERIFIED,
            processed_at=timezone.now(),
        )
        rel = f"clips/{project.pk}/{clip.pk}.mp4"
        (media_root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(mp4, media_root / rel)
        pose = f"poses/{project.pk}/{clip.pk}.npz"
        (media_root / pose).parent.mkdir(parents=True, exist_ok=True)
        np.savez(media_root / pose, keypoints=np.ones((6, 17, 3), np.float32), layout="coco17")
        Clip.objects.filter(pk=clip.pk).update(clip_file=rel, pose_file=pose, pose_layout="coco17")
        out.append(clip)
    return out


def test_refusal_then_create_poll_and_download(live_server, ui_page, project, clips):
    from annotator.models import Assignment, Clip, Release
    from annotator.services.segments import create_segment
    from jobs import runner
    from jobs.models import Job
    from tests.support.browser import create_labeler

    bad = clips[1]
    # Two clips fail verification for the same reason, one is not processed: two reasons.
    twin = Clip.objects.create(
        project=project,
        video=bad.video,
        start_frame=10,
        end_frame=15,
        category=bad.category,
        origin="matched",
    )
    failed = {**VERIFIED, "passed": False, "problems": ["1 face(s) found"]}
    Clip.objects.filter(pk__in=[bad.pk, twin.pk]).update(status="failed", privacy=failed)
    Clip.objects.filter(pk=clips[0].pk).update(status="agreed")
    # The failed clip came from two labelers' segments: its provenance names them by code.
    uuids = []
    for username, code, start in (("ann", "A1", 0), ("bob", "B1", 1)):
        labeler = create_labeler(username, code, projects=[project])
        assignment = Assignment.objects.create(video=bad.video, labeler=labeler, position=1)
        seg = create_segment(
            assignment, labeler.user, start_frame=start, end_frame=5, category_code=4
        ).segment
        uuids.append(str(seg.client_uuid))
    Clip.objects.filter(pk=bad.pk).update(
        provenance={"segments": uuids, "labelers": ["A1", "B1"], "rule": "mean", "tiou": 0.83}
    )
    page = ui_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Releases").click()
    expect(page.locator("#release-table tbody")).to_have_text("No release yet.")
    # The form's inputs look like the rest of the app's.
    seed, name = page.locator("#release-seed"), page.locator("#release-name")
    style = "e => [getComputedStyle(e).borderRadius, getComputedStyle(e).borderTopColor]"
    assert seed.evaluate(style) == name.evaluate(style)
    assert seed.evaluate("e => parseFloat(getComputedStyle(e).paddingLeft)") > 4
    page.get_by_label("Name").fill("demo")
    page.get_by_role("button", name="Create release").click()
    # One line per reason, each linking its clips; the page wraps instead of growing wide.
    refusal = page.locator("#release-status .refusal")
    expect(refusal).to_contain_text("3 of 3 clips")
    reasons = refusal.locator("li")
    expect(reasons).to_have_count(2)
    face = reasons.filter(has_text="failed privacy verification: 1 face(s) found")
    expect(face).to_contain_text("2 clips")
    expect(face.get_by_role("link")).to_have_count(2)
    expect(reasons.filter(has_text="not processed (status agreed)")).to_contain_text("1 clip")
    assert page.locator("#release-status pre").count() == 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    face.get_by_role("link", name=f"clip {bad.pk}").click()
    page.wait_for_url(f"**/projects/{project.pk}/clips/**#clip-{bad.pk}")
    panel = page.locator("#clip-provenance")
    expect(panel).to_contain_text("A1 [0, 5] C4 · B1 [1, 5] C4")
    assert uuids[0] not in panel.inner_text()
    page.go_back()

    Clip.objects.filter(pk__in=[c.pk for c in clips]).update(status="processed", privacy=VERIFIED)
    twin.delete()
    page.get_by_role("button", name="Create release").click()
    expect(page.locator("#release-status")).to_contain_text("Writing demo-1.0")
    job = Job.objects.get(kind="release")
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    release = Release.objects.get(name="demo")
    row = page.locator(f'#release-table tr[data-release="{release.pk}"]')
    expect(row.locator("td")).to_have_text(
        ["demo-1.0", "Done", "2", "2", "2", "2", f"{release.sha256[:16]}…", "valid", "demo-1.0.tar"]
    )
    # The status line follows the release to its end.
    expect(page.locator("#release-status")).to_contain_text("Release demo-1.0 written (2 clips)")
    expect(page.locator("#release-status")).not_to_contain_text("Writing")
    link = row.get_by_role("link", name="demo-1.0.tar")
    expect(link).to_have_attribute("href", f"/api/releases/{release.pk}/download/")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "demo-1.0.tar"
