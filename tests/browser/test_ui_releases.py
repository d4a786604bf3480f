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
    from annotator.models import Clip, Release
    from jobs import runner
    from jobs.models import Job

    bad = clips[1]
    Clip.objects.filter(pk=bad.pk).update(
        status="failed", privacy={**VERIFIED, "passed": False, "problems": ["1 face(s) found"]}
    )
    page = ui_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Releases").click()
    expect(page.locator("#release-table tbody")).to_have_text("No release yet.")
    page.get_by_label("Name").fill("demo")
    page.get_by_role("button", name="Create release").click()
    refusal = page.locator("#release-status [role=alert]")
    expect(refusal).to_contain_text(f"clip {bad.pk} ")
    expect(refusal).to_contain_text("failed privacy verification: 1 face(s) found")

    Clip.objects.filter(pk=bad.pk).update(status="processed", privacy=VERIFIED)
    page.get_by_role("button", name="Create release").click()
    expect(page.locator("#release-status")).to_contain_text("Writing demo-1.0")
    job = Job.objects.get(kind="release")
    assert runner.execute(job.pk, "test")[0] == "succeeded"
    release = Release.objects.get(name="demo")
    row = page.locator(f'#release-table tr[data-release="{release.pk}"]')
    expect(row.locator("td")).to_have_text(
        ["demo-1.0", "Done", "2", "2", "2", "2", f"{release.sha256[:16]}…", "valid", "demo-1.0.tar"]
    )
    link = row.get_by_role("link", name="demo-1.0.tar")
    expect(link).to_have_attribute("href", f"/api/releases/{release.pk}/download/")
    with page.expect_download() as info:
        link.click()
    assert info.value.suggested_filename == "demo-1.0.tar"
