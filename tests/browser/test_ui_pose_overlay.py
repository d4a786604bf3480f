"""The pose overlay on the Clips page, in Chromium: the processed clip plays with its skeleton
(22 joints and edges from GET /api/clips/{id}/poses/) drawn over it for the frame on screen.

The clip is cut from a numbered source by the pipeline's own cut code; its pose file is written
by the test in MediaPipe's 543-point layout, with the nose moving 4 px right per frame, so the
drawn frame can be told from the pixels of the canvas.
"""

from __future__ import annotations

import numpy as np
import pytest

from tests.support.annotate_helpers import make_ready_video
from tests.support.browser import PASSWORD, create_admin, login
from tests.support.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START, END = 20, 44


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


def skeleton(frames: int) -> np.ndarray:
    """Head, shoulders, arms and the right hand of a person, in the 384×216 source's pixels."""
    kp = np.zeros((frames, 543, 3), dtype=np.float32)
    for t in range(frames):
        kp[t, 0] = [100 + 4 * t, 60, 0.99]  # nose
        kp[t, 2], kp[t, 5] = [96 + 4 * t, 55, 0.9], [104 + 4 * t, 55, 0.9]  # eyes
        kp[t, 7], kp[t, 8] = [112 + 4 * t, 58, 0.8], [88 + 4 * t, 58, 0.8]  # ears
        kp[t, 11], kp[t, 12] = [140 + 4 * t, 110, 0.95], [60 + 4 * t, 110, 0.95]  # shoulders
        kp[t, 13], kp[t, 14] = [150 + 4 * t, 160, 0.6], [50 + 4 * t, 160, 0.6]  # elbows
        kp[t, 15], kp[t, 16] = [150 + 4 * t, 200, 0.05], [70 + 4 * t, 120, 0.7]  # wrists
        kp[t, 54:75] = [80 + 4 * t, 90, 1.0]  # the right hand, raised
    return kp


@pytest.fixture
def posed_clips(media_root, transactional_db):
    from annotator.models import Clip
    from pipeline.cut import cut_clip
    from pipeline.media import probe_video

    create_admin()
    project = ProjectFactory(name="Overlay")
    video = make_ready_video(project, media_root, "101")
    src = media_root / "src_101.mp4"
    (media_root / "clips").mkdir()
    (media_root / "poses").mkdir()
    cut_clip(src, media_root / "clips" / "a.mp4", START, END, probe_video(src))
    cut_clip(src, media_root / "clips" / "b.mp4", 60, 79, probe_video(src))
    np.savez_compressed(
        media_root / "poses" / "a.npz", keypoints=skeleton(END - START + 1), layout="mediapipe543"
    )
    category = project.categories.get(code=4)

    def clip(start, end, name, **extra):
        return Clip.objects.create(
            project=project,
            video=video,
            start_frame=start,
            end_frame=end,
            category=category,
            origin="matched",
            status="processed",
            clip_file=f"clips/{name}.mp4",
            privacy={"passed": True, "redetections": 0},
            **extra,
        )

    posed = clip(
        START,
        END,
        "a",
        pose_file="poses/a.npz",
        pose_layout="mediapipe543",
        pose_settings={"backend": "mediapipe", "model": "holistic", "layout": "mediapipe543"},
    )
    return project, posed, clip(60, 79, "b")


# The canvas pixel's alpha at a source point, scaled as the overlay scales (contain-fit).
ALPHA_AT = """([x, y]) => {
  const v = document.getElementById('clip-video');
  const c = document.querySelector('canvas.pose-overlay');
  const scale = Math.min(v.clientWidth / 384, v.clientHeight / 216);
  const dx = (v.clientWidth - 384 * scale) / 2, dy = (v.clientHeight - 216 * scale) / 2;
  const r = c.width / v.clientWidth;
  const px = Math.round((dx + x * scale) * r), py = Math.round((dy + y * scale) * r);
  return c.getContext('2d').getImageData(px, py, 1, 1).data[3];
}"""


def test_the_skeleton_is_drawn_over_the_frame_on_screen(live_server, ui_page, posed_clips):
    project, posed, bare = posed_clips
    page = ui_page
    login(page, live_server.url, "admin", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/clips/")
    page.wait_for_selector("#clips-app.ready")
    page.locator(f'#clips-table tbody tr[data-clip-id="{posed.pk}"]').click()

    toggle = page.get_by_label("Pose overlay")
    expect(page.locator("#pose-overlay-note")).to_have_text("mediapipe543, mediapipe")
    expect(toggle).to_be_enabled()
    expect(toggle).not_to_be_checked()
    canvas = page.locator("canvas.pose-overlay")
    expect(canvas).to_be_hidden()
    toggle.check()
    page.get_by_role("button", name="Pause").click()
    page.wait_for_function(
        "() => { const p = window.mgstudio.clips.player, o = window.mgstudio.poseOverlay;"
        " return p.player.video.paused && p.player.pendingSeek === null"
        f" && o.drawnFrame !== null && o.drawnFrame === p.frame - {START}; }}"
    )
    expect(canvas).to_be_visible()
    state = page.evaluate("() => window.mgstudio.poseOverlay")
    assert state["clipId"] == posed.pk and state["loaded"] and state["frames"] == END - START + 1
    # Nose, neck, both shoulders, both elbows, the right wrist, eyes, ears and the right hand's
    # five tips; the left wrist (score 0.05) and the missing left hand are not drawn.
    assert state["drawnJoints"] == 16
    t = state["drawnFrame"]
    assert page.evaluate(ALPHA_AT, [100 + 4 * t, 60]) > 0  # the nose of the frame on screen
    assert page.evaluate(ALPHA_AT, [100 + 4 * (t + 5), 60]) == 0  # not five frames later
    assert page.evaluate(ALPHA_AT, [150 + 4 * t, 200]) == 0  # the unsure left wrist

    toggle.uncheck()
    expect(canvas).to_be_hidden()

    page.locator(f'#clips-table tbody tr[data-clip-id="{bare.pk}"]').click()
    expect(page.locator("#pose-overlay-note")).to_have_text("No poses for this clip.")
    expect(toggle).to_be_disabled()
    assert page.js_errors == []
