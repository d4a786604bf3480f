"""Helpers for the labeler-workspace browser tests: a ready video whose proxy is made by the real
ingest code from a clip with its frame numbers in its pixels, and page helpers that read the
frame actually on screen (the <video> drawn to a canvas in the page)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tests.support import media_factory as mf
from tests.support.browser import create_labeler, login

NUM_FRAMES = 150  # 6 s at 25 fps
SIZE = (384, 216)

# Reads the binary block strip of tests/media_factory.numbered_frame from the displayed frame.
READ_DISPLAYED_FRAME = f"""() => {{
  const v = document.getElementById('player');
  const c = document.createElement('canvas');
  c.width = v.videoWidth; c.height = v.videoHeight;
  const ctx = c.getContext('2d', {{willReadFrequently: true}});
  ctx.drawImage(v, 0, 0);
  const bits = {mf.BITS}, block = Math.floor(c.width / bits), y = {mf.STRIP_HEIGHT // 2};
  const row = ctx.getImageData(0, y, c.width, 1).data;
  let value = 0;
  for (let b = 0; b < bits; b++) {{
    let sum = 0, n = 0;
    const x0 = b * block + Math.floor(block / 4), x1 = (b + 1) * block - Math.floor(block / 4);
    for (let x = x0; x < x1; x++) {{
      sum += row[4 * x] + row[4 * x + 1] + row[4 * x + 2]; n += 3;
    }}
    value = (value << 1) | (sum / n > 127 ? 1 : 0);
  }}
  return value;
}}"""


@dataclass
class Workspace:
    project: object
    video: object
    assignment: object
    labeler: object
    url: str


def make_ready_video(
    project, media_root: Path, external_id: str = "101", num_frames: int = NUM_FRAMES
):
    """A READY video whose proxy comes from pipeline.media.make_proxy, as ingest makes it."""
    from annotator.models import Video
    from pipeline.media import make_proxy, probe_video

    src = media_root / f"src_{external_id}.mp4"
    mf.make_numbered_video(src, num_frames, size=SIZE)
    relative = f"proxies/{external_id}.mp4"
    proxy = media_root / relative
    proxy.parent.mkdir(parents=True, exist_ok=True)
    info = make_proxy(src, proxy, probe_video(src))
    return Video.objects.create(
        project=project,
        external_id=external_id,
        status=Video.Status.READY,
        fps=float(info.fps),
        fps_fraction=info.fps_fraction,
        num_frames=info.num_frames,
        width=info.width,
        height=info.height,
        proxy_file=relative,
    )


def make_workspace(
    live_server, media_root: Path, username: str = "ann", code: str = "A1"
) -> Workspace:
    from annotator.models import Assignment
    from tests.support.factories import ProjectFactory

    project = ProjectFactory(name="Press conferences")
    video = make_ready_video(project, media_root)
    labeler = create_labeler(username, code, projects=[project])
    assignment = Assignment.objects.create(video=video, labeler=labeler, position=1)
    return Workspace(
        project, video, assignment, labeler, f"{live_server.url}/annotate/{assignment.pk}/"
    )


def open_workspace(page, live_server, ws: Workspace, username: str = "ann") -> None:
    login(page, live_server.url, username)
    page.goto(ws.url)
    wait_ready(page)


def wait_ready(page) -> None:
    page.wait_for_selector("#annotate-app.ready")
    page.wait_for_function("document.getElementById('sync-status').dataset.state === 'saved'")


def shown_frame(page) -> int:
    """The frame number the UI displays."""
    return int(page.locator("#frame-readout").inner_text())


def displayed_pixels_frame(page) -> int:
    return page.evaluate(READ_DISPLAYED_FRAME)


def settle(page) -> int:
    """Wait until no seek is in flight; return the frame the UI shows."""
    page.wait_for_function(
        "() => { const p = window.mgstudio.player;"
        " return p.pendingSeek === null && p.queuedSeek === null"
        " && String(p.frame) === document.getElementById('frame-readout').textContent; }"
    )
    return shown_frame(page)


def wait_saved(page) -> None:
    page.wait_for_function("document.getElementById('sync-status').dataset.state === 'saved'")


def screen_segments(page) -> list[tuple[int, int, int]]:
    """(start, end, category code) of every row of the segment list, sorted."""
    rows = page.locator("#segment-table tbody tr").all()
    out = []
    for row in rows:
        cells = row.locator("td").all_inner_texts()
        out.append((int(cells[0]), int(cells[1]), int(cells[3].split()[0][1:])))
    return sorted(out)


def server_segments(assignment) -> list[tuple[int, int, int]]:
    from annotator.models import Segment

    live = Segment.objects.filter(assignment=assignment, is_deleted=False).select_related(
        "category"
    )
    return sorted((s.start_frame, s.end_frame, s.category.code) for s in live)


def go_to(page, frame: int) -> None:
    """Move the playhead to ``frame`` with the keyboard only (steps of 10, then of 1)."""
    current = settle(page)
    while current != frame:
        delta = frame - current
        if abs(delta) >= 10:
            page.keyboard.press("Shift+ArrowRight" if delta > 0 else "Shift+ArrowLeft")
        else:
            page.keyboard.press("ArrowRight" if delta > 0 else "ArrowLeft")
        current = settle(page)


def mark(page, start: int, end: int, category_keys: str) -> None:
    """Mark [start, end] with [ and ], then pick the category by pressing its key(s)."""
    go_to(page, start)
    page.keyboard.press("[")
    go_to(page, end)
    page.keyboard.press("]")
    page.locator("#picker").wait_for(state="visible")
    for key in category_keys:
        page.keyboard.press(key)
    page.locator("#picker").wait_for(state="hidden")
