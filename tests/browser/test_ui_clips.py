"""The admin's Clips page (the clips listed with filters, each played, with its privacy report):
the API's filters and counts, and the page in Chromium.

The browser test plays clips for real: one processed clip, cut from the source by the pipeline's
own cut code (so the pixels carry the source's frame numbers), and one agreed clip played from
the source's proxy (made by the ingest code) and held to the clip's frames.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.annotate_helpers import READ_DISPLAYED_FRAME, make_ready_video
from tests.support.browser import PASSWORD, create_admin, create_labeler, login
from tests.support.factories import AdminFactory, ProjectFactory, SubjectFactory, VideoFactory
from tests.support.paths import DOCS

PRIVACY = {
    "frames_processed": 25,
    "redetections": 0,
    "redetected_frames": [],
    "audio_streams": 0,
    "verifier": "haar(frontalface_default+eyes)",
    "verifier_threshold": 3.0,
    "blur_detector": "centerface(onnx)",
    "blur_threshold": 0.4,
    "blur_settings": {"kind": "gaussian", "pad": 0.25},
    "detections_during_blur": 0,
    "frames_with_detections_during_blur": 0,
    "frames_blurred": 0,
    "seconds": 0.2,
    "passed": True,
    "problems": [],
}
MATCH_PROVENANCE = {
    "key": "match:1:2",
    "run": 7,
    "rule": "mean",
    "tiou": 0.8421,
    "segments": ["7d0c7c9e-0000-4000-8000-000000000001", "7d0c7c9e-0000-4000-8000-000000000002"],
    "labelers": ["A1", "B2"],
}
KEEP_PROVENANCE = {
    "key": "decision:3",
    "run": 7,
    "decision": 3,
    "disagreement": 12,
    "kind": "label_conflict",
    "reason": "hand rubbing, not scratching",
}


def make_clip(video, start, end, code, origin, status="agreed", **extra):
    from annotator.models import Clip

    return Clip.objects.create(
        project=video.project,
        video=video,
        start_frame=start,
        end_frame=end,
        category=video.project.categories.get(code=code),
        origin=origin,
        status=status,
        **extra,
    )


# --- API --------------------------------------------------------------------------------------


@pytest.fixture
def clip_set(db):
    project = ProjectFactory(name="Clips")
    s1 = SubjectFactory(project=project, subject_id="S01")
    s2 = SubjectFactory(project=project, subject_id="S02")
    v1 = VideoFactory(project=project, external_id="101", subject=s1)
    v2 = VideoFactory(project=project, external_id="202", subject=s2, fps=30.0, fps_fraction="30/1")
    other = VideoFactory(project=ProjectFactory(name="Other"), external_id="101")
    clips = {
        "a": make_clip(
            v1,
            20,
            44,
            4,
            "matched",
            "processed",
            clip_file="clips/a.mp4",
            privacy=PRIVACY,
            provenance=MATCH_PROVENANCE,
        ),
        "b": make_clip(v1, 60, 79, 11, "adjudicated", provenance=KEEP_PROVENANCE),
        "c": make_clip(v1, 90, 104, 11, "matched", "failed", error="verify: 1 face found"),
        "d": make_clip(v2, 10, 39, 4, "imported"),
        "x": make_clip(other, 0, 9, 4, "matched"),  # another project: never listed
    }
    return project, clips


def ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def as_admin(api_client):
    api_client.force_authenticate(AdminFactory())
    return api_client


@pytest.mark.parametrize(
    "query, expected",
    [
        ({}, "abcd"),
        ({"category": 4}, "ad"),
        ({"category": 11}, "bc"),
        ({"category__code": 11}, "bc"),  # the older name keeps working
        ({"subject": "S01"}, "abc"),
        ({"subject": "S02"}, "d"),
        ({"subject": "S99"}, ""),
        ({"origin": "matched"}, "ac"),
        ({"origin": "adjudicated"}, "b"),
        ({"origin": "imported"}, "d"),
        ({"video_external_id": "101"}, "abc"),
        ({"video_external_id": "202"}, "d"),
        ({"status": "agreed"}, "bd"),
        ({"status": "failed"}, "c"),
        ({"origin": "matched", "category": 11, "subject": "S01"}, "c"),
    ],
)
def test_each_filter_narrows_the_list(api_client, clip_set, query, expected):
    project, clips = clip_set
    response = as_admin(api_client).get("/api/clips/", {"project": project.pk, **query})
    assert ids(response) == {clips[k].pk for k in expected}


def test_video_filter_by_pk_still_works(api_client, clip_set):
    project, clips = clip_set
    response = as_admin(api_client).get(
        "/api/clips/", {"project": project.pk, "video": clips["d"].video_id}
    )
    assert ids(response) == {clips["d"].pk}


def test_fields_the_page_needs(api_client, clip_set):
    project, clips = clip_set
    rows = as_admin(api_client).get("/api/clips/", {"project": project.pk}).json()["results"]
    by_id = {row["id"]: row for row in rows}
    a, d = by_id[clips["a"].pk], by_id[clips["d"].pk]
    category = project.categories.get(code=4)
    assert a["category_code"] == 4
    assert a["category_name"] == category.name
    assert a["category_group"] == category.group
    assert a["subject_id"] == "S01"
    assert (a["video_fps"], a["video_fps_fraction"], a["video_num_frames"]) == (25.0, "25/1", 1000)
    assert (d["video_fps"], d["video_fps_fraction"]) == (30.0, "30/1")
    assert a["num_frames"] == 25 and d["num_frames"] == 30
    assert a["has_clip_file"] is True and d["has_clip_file"] is False
    assert a["has_proxy"] is False  # the factory's videos have no proxy file
    assert a["privacy"] == PRIVACY
    assert a["provenance"] == MATCH_PROVENANCE
    assert by_id[clips["b"].pk]["provenance"]["reason"] == "hand rubbing, not scratching"
    # Nothing of the source's files leaks into the listing.
    assert "clip_file" not in a and "proxy_file" not in a


def test_no_subject_is_null(api_client, clip_set):
    project, clips = clip_set
    video = clips["d"].video
    video.subject = None
    video.save(update_fields=["subject"])
    row = as_admin(api_client).get(f"/api/clips/{clips['d'].pk}/").json()
    assert row["subject_id"] is None


def test_summary_counts_the_filtered_clips(api_client, clip_set):
    project, _ = clip_set
    client = as_admin(api_client)
    summary = client.get("/api/clips/summary/", {"project": project.pk}).json()
    assert summary == {
        "count": 4,
        "by_origin": {"matched": 2, "adjudicated": 1, "imported": 1},
        "by_status": {"processed": 1, "agreed": 2, "failed": 1},
    }
    summary = client.get("/api/clips/summary/", {"project": project.pk, "category": 11}).json()
    assert summary == {
        "count": 2,
        "by_origin": {"matched": 1, "adjudicated": 1},
        "by_status": {"agreed": 1, "failed": 1},
    }


def test_labelers_get_403(api_client, clip_set, client):
    project, clips = clip_set
    labeler = create_labeler("lab", "A1", projects=[project])
    api_client.force_authenticate(labeler.user)
    for url in ("/api/clips/", "/api/clips/summary/", f"/api/clips/{clips['a'].pk}/"):
        assert api_client.get(url, {"project": project.pk}).status_code == 403, url
    # The page itself: labelers 403, anonymous users to the login page.
    page = f"/projects/{project.pk}/clips/"
    assert client.get(page).status_code == 302
    client.force_login(labeler.user)
    assert client.get(page).status_code == 403


def test_page_renders_for_admins(client, clip_set):
    project, _ = clip_set
    client.force_login(AdminFactory())
    response = client.get(f"/projects/{project.pk}/clips/")
    assert response.status_code == 200
    assert b'id="clips-app"' in response.content
    assert client.get("/projects/999999/clips/").status_code == 404
    # The project page links to it.
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert f'href="/projects/{project.pk}/clips/"' in detail


# --- the page in Chromium ---------------------------------------------------------------------


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


@pytest.fixture
def ui_clips(media_root, transactional_db):
    from annotator.models import Video
    from pipeline.cut import cut_clip
    from pipeline.media import probe_video

    create_admin()
    project = ProjectFactory(name="Press conferences")
    video = make_ready_video(project, media_root, "101")  # 150 frames at 25 fps, real proxy
    video.subject = SubjectFactory(project=project, subject_id="S01")
    video.save(update_fields=["subject"])
    other = Video.objects.create(
        project=project,
        external_id="202",
        status="ready",
        fps=30.0,
        fps_fraction="30/1",
        num_frames=300,
        subject=SubjectFactory(project=project, subject_id="S02"),
    )
    # The processed clip: frames 20..44 cut from the source by the pipeline's cut code.
    src = media_root / "src_101.mp4"
    (media_root / "clips").mkdir()
    cut_clip(src, media_root / "clips" / "a.mp4", 20, 44, probe_video(src))
    clips = {
        "a": make_clip(
            video,
            20,
            44,
            4,
            "matched",
            "processed",
            clip_file="clips/a.mp4",
            privacy=PRIVACY,
            provenance=MATCH_PROVENANCE,
            pose_layout="coco17",
        ),
        "b": make_clip(video, 60, 79, 11, "adjudicated", provenance=KEEP_PROVENANCE),
        "c": make_clip(video, 90, 104, 11, "matched", "failed", error="verify: 1 face found"),
        "d": make_clip(other, 10, 39, 4, "imported"),
        "e": make_clip(video, 110, 129, 4, "matched", "processing"),
    }
    return project, clips


def rows(page) -> list[str]:
    return page.locator("#clips-table tbody tr").evaluate_all("rs => rs.map(r => r.dataset.clipId)")


def wait_for_a_loop(page, clip) -> dict:
    """Wait until the selected clip has played to its end and started again; its state."""
    page.wait_for_function(
        f"() => {{ const p = window.mgstudio.clips.player;"
        f" return p && p.clipId === {clip.pk} && p.loops >= 1 && p.maxSeen !== null; }}",
        timeout=30_000,
    )
    return page.evaluate(
        "() => { const p = window.mgstudio.clips.player;"
        " return {mode: p.mode, min: p.minSeen, max: p.maxSeen, loops: p.loops, seen: p.seen}; }"
    )


def paused_frame(page) -> tuple[int, int]:
    """Pause; (the frame the page shows, the frame number in the displayed pixels)."""
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function(
        "() => { const p = window.mgstudio.clips.player.player;"
        " return p.video.paused && p.pendingSeek === null && p.queuedSeek === null; }"
    )
    page.wait_for_timeout(200)
    shown = int(page.locator("#clip-frame").inner_text())
    pixels = page.evaluate(READ_DISPLAYED_FRAME.replace("'player'", "'clip-video'"))
    return shown, pixels


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_clips_page_filters_plays_and_shows_the_privacy_report(
    live_server, ui_page, ui_clips, tmp_path
):
    project, clips = ui_clips
    page = ui_page
    page.set_viewport_size({"width": 1440, "height": 960})
    login(page, live_server.url, "admin", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Clips", exact=True).click()
    page.wait_for_selector("#clips-app.ready")

    pk = {k: str(c.pk) for k, c in clips.items()}
    summary = page.locator("#clips-summary")
    expect(summary).to_have_text(
        "5 clips: 3 matched · 1 adjudicated · 1 imported"
        " — 2 agreed · 1 processing · 1 processed · 1 failed"
    )
    assert sorted(rows(page)) == sorted(pk.values())
    name4 = project.categories.get(code=4).name
    a_row = page.locator(f'#clips-table tbody tr[data-clip-id="{pk["a"]}"]')
    expect(a_row.locator("th, td")).to_have_text(
        [
            pk["a"],
            "101",
            "20–44",
            "25",
            "1.00 s",
            f"4 {name4}",
            "matched",
            "processed",
            "S01",
            "verified",
        ]
    )
    d_row = page.locator(f'#clips-table tbody tr[data-clip-id="{pk["d"]}"]')
    expect(d_row.locator("td").nth(3)).to_have_text("1.00 s")  # 30 frames at 30 fps
    expect(d_row.locator("td").nth(8)).to_have_text("not checked")

    # Filter by origin, then by category as well.
    page.get_by_label("Origin").select_option("matched")
    expect(summary).to_have_text(
        "3 clips (filtered): 3 matched · 0 adjudicated · 0 imported"
        " — 0 agreed · 1 processing · 1 processed · 1 failed"
    )
    assert sorted(rows(page)) == sorted([pk["a"], pk["c"], pk["e"]])
    page.get_by_label("Category").select_option("4")
    expect(page.locator("#clips-table tbody tr")).to_have_count(2)
    assert sorted(rows(page)) == sorted([pk["a"], pk["e"]])
    assert "origin=matched" in page.url and "category=4" in page.url
    page.get_by_label("Subject").fill("S02")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#clips-empty")).to_be_visible()
    page.get_by_label("Subject").fill("S01")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#clips-table tbody tr")).to_have_count(2)

    # The processed clip plays from its own file, within its frames, and loops.
    a_row.click()
    expect(a_row).to_have_attribute("aria-selected", "true")
    expect(page.locator("#clip-video")).to_have_attribute(
        "src", f"{live_server.url}/api/clips/{pk['a']}/video/"
    )
    expect(page.locator("#clip-source")).to_have_text("Processed clip: faces blurred, no audio.")
    played = wait_for_a_loop(page, clips["a"])
    assert played["mode"] == "processed"
    assert 20 <= played["min"] and played["max"] == 44, played
    assert all(20 <= f <= 44 for f in played["seen"]), played
    shown, pixels = paused_frame(page)
    assert 20 <= shown <= 44 and pixels == shown

    panel = page.locator("#clip-panel")
    expect(panel.locator("#clip-privacy-verdict")).to_have_text("Verdict: verified")
    privacy = panel.locator("#clip-privacy")
    for text in [
        "Frames checked",
        "25",
        "Faces found after blur",
        "Audio streams",
        "haar(frontalface_default+eyes) (threshold 3)",
        "centerface(onnx)",
        "kind=gaussian, pad=0.25",
    ]:
        expect(privacy).to_contain_text(text)
    expect(privacy.locator("dt")).to_contain_text(
        ["Frames checked", "Faces found after blur", "Audio streams", "Verifier"]
    )
    provenance = panel.locator("#clip-provenance")
    expect(provenance).to_contain_text("A1 & B2")
    expect(provenance).to_contain_text("matched by both labelers")
    expect(provenance).to_contain_text("0.84")
    expect(panel.get_by_role("button", name=f"Process clip {pk['a']}")).to_be_hidden()

    # Clear the filters: the agreed, adjudicated clip plays on the source's proxy, held to its
    # frames 60..79 (the proxy has 150).
    page.get_by_role("button", name="Clear").click()
    expect(page.locator("#clips-table tbody tr")).to_have_count(5)
    b_row = page.locator(f'#clips-table tbody tr[data-clip-id="{pk["b"]}"]')
    b_row.click()
    expect(page.locator("#clip-video")).to_have_attribute(
        "src", f"{live_server.url}/api/videos/{clips['b'].video_id}/proxy/"
    )
    played = wait_for_a_loop(page, clips["b"])
    assert played["mode"] == "proxy"
    assert 60 <= played["min"] and played["max"] == 79, played
    assert all(60 <= f <= 79 for f in played["seen"]), played
    shown, pixels = paused_frame(page)
    assert 60 <= shown <= 79 and pixels == shown
    expect(panel.locator("#clip-privacy-verdict")).to_contain_text("Not checked yet")
    expect(provenance).to_contain_text("label conflict (#12)")
    expect(provenance).to_contain_text("hand rubbing, not scratching")

    # "Process" sends the agreed clip to processing (the job is only queued: no worker here).
    page.get_by_role("button", name=f"Process clip {pk['b']}").click()
    expect(page.locator("#clip-action-status")).to_contain_text(
        f"Clip {pk['b']} sent to processing"
    )
    expect(b_row).to_have_attribute("data-status", "processing")
    clips["b"].refresh_from_db()
    assert clips["b"].status == "processing"
    # The failed clip offers "Retry".
    page.locator(f'#clips-table tbody tr[data-clip-id="{pk["c"]}"]').click()
    expect(page.get_by_role("button", name=f"Retry clip {pk['c']}")).to_be_visible()
    expect(page.locator("#clip-action-status")).to_contain_text("verify: 1 face found")

    # Back to the processed clip for the picture (docs/clips-page.png, in the README).
    a_row.click()
    expect(panel.locator("#clip-privacy-verdict")).to_have_text("Verdict: verified")
    wait_for_a_loop(page, clips["a"])
    target = Path(tmp_path) / "clips-page.png"
    if os.environ.get("MGSTUDIO_DOCS_SCREENSHOTS") == "1":
        target = DOCS / "clips-page.png"
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 20_000
    assert page.js_errors == []
