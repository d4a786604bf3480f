"""Benchmark: one-frame steps on the annotate page of a 30-minute video with 300 segments.

Target: the page loads and a one-frame step shows the new frame in < 50 ms (p95) on this machine.

Setup (media cached in --workdir): a 30-minute 640x360 25 fps testsrc2 source (libx264
ultrafast), and its proxy made by the real ingest code, ``pipeline.media.make_proxy`` (CFR,
gop 12, faststart). A fresh data dir (MGSTUDIO_DATA_DIR, SQLite) is migrated and filled with a
project with the iMiGUE taxonomy, the READY video, a labeler, an assignment and 300 segments
with random categories (``annotator.services.segments.create_segment``). The app is served by
gunicorn (2 workers x 4 threads; static files by whitenoise, which also serves the reference
page written under the temporary STATIC_ROOT) and driven by Playwright with Debian's Chromium
and the flags of tests/browser.py.

Measured in the browser, with performance.now():
  * load: navigation start -> ``#annotate-app.ready`` with the 300 list rows and 300 bars;
  * app, key: ArrowRight/ArrowLeft pressed through Playwright; t0 in a capturing keydown
    listener on window (before the app's handler), t1 in a requestVideoFrameCallback registered
    there, i.e. when the new frame is presented;
  * app, step(): t0 just before ``window.mgstudio.player.step(+-1)``, t1 likewise;
  * bare: a page holding only a <video> of the same proxy URL; t0 before setting currentTime to
    (f + 0.5) / 25, t1 at its requestVideoFrameCallback (the reference).
A round of each mode does, at 3 positions spread over the video, 20 forward +1 steps, then 20
backward -1 steps at the last position (80 steps); --rounds (3) rounds run interleaved
(key, step(), bare, key, ...) at positions 2 % of the video apart. Between steps it waits until
the frame readout shows the new frame and no seek is pending, plus one animation frame. A step
whose presented frame (from the callback's mediaTime) is not the target counts as wrong. Exit
status 1 if the p95 of either app mode is >= 50 ms, a step shows a wrong frame, or the page does
not load.

Usage: .venv/bin/python bench/scrub_step.py [--workdir DIR] [--keep] [--rounds 3] [--loads 3]
       (the first run makes the media, a few minutes; pass the same --workdir to reuse it)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from bench.machine import cpu_model  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, PASSWORD, chromium_path  # noqa: E402

TARGET_MS = 50.0
SECONDS = 1800
FPS = 25
NUM_SEGMENTS = 300
POSITIONS = (0.15, 0.5, 0.85)  # fractions of the video where the step runs start
FORWARD_PER_POSITION = 20
BACKWARD = 20
USERNAME = "bench"

SETUP = """
import json, random, sys
import django
django.setup()
from annotator.models import Assignment, Category, Labeler, Project, Video
from annotator.services.segments import create_segment
from annotator.services.taxonomy import load_taxonomy_into
from django.contrib.auth import get_user_model
from pipeline.media import probe_video
from django.conf import settings

proxy_rel, password, username, count = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
info = probe_video(settings.MEDIA_ROOT / proxy_rel)
project = Project.objects.create(name="Scrub bench")
load_taxonomy_into(project)
video = Video.objects.create(
    project=project, external_id="scrub", status=Video.Status.READY, fps=float(info.fps),
    fps_fraction=info.fps_fraction, num_frames=info.num_frames, width=info.width,
    height=info.height, proxy_file=proxy_rel,
)
user = get_user_model().objects.create_user(username=username, password=password)
labeler = Labeler.objects.create(user=user, code="B1")
project.labelers.add(labeler)
assignment = Assignment.objects.create(video=video, labeler=labeler, position=1)
codes = list(Category.objects.filter(project=project).values_list("code", flat=True))
rng = random.Random(3)
slot = info.num_frames // count
for i in range(count):
    start = i * slot + rng.randrange(0, slot // 3)
    end = min(info.num_frames - 1, start + rng.randrange(5, slot // 2))
    create_segment(assignment, user, start_frame=start, end_frame=end,
                   category_code=rng.choice(codes))
print(json.dumps({"assignment": assignment.pk, "video": video.pk,
                  "num_frames": info.num_frames, "fps": info.fps_fraction}))
"""

BARE_HTML = """<!doctype html>
<html><head><meta charset="utf-8"><title>bare video</title></head>
<body style="margin:0;background:#111">
<video id="player" preload="auto" muted playsinline disablepictureinpicture
  style="width:640px;height:360px"></video>
<script>document.getElementById('player').src = new URLSearchParams(location.search).get('src');
</script></body></html>
"""

# Resolves to the frame on screen once the readout shows `target` and no seek is pending.
JS_HELPERS = """() => {
window.__raf = () => new Promise((r) => requestAnimationFrame(() => r()));
window.__frameOf = (md) => Math.round(md.mediaTime * __FPS__);
window.__appIdle = async (target) => {
  const p = window.mgstudio.player, out = document.getElementById('frame-readout');
  while (!(p.pendingSeek === null && p.queuedSeek === null && p.frame === target
           && out.textContent === String(target))) await window.__raf();
  await window.__raf();
};
}""".replace("__FPS__", str(FPS))

APP_STEP_RUN = """async ({start, deltas}) => {
  const p = window.mgstudio.player, v = p.video, out = [];
  await p.seek(start); await window.__appIdle(start);
  let frame = start;
  for (const d of deltas) {
    const target = frame + d;
    const t0 = performance.now();
    const shown = new Promise((r) => v.requestVideoFrameCallback((now, md) => r(md)));
    p.step(d);
    const md = await shown;
    const ms = performance.now() - t0;
    out.push({ms, shown: window.__frameOf(md), target, delta: d});
    await window.__appIdle(target);
    frame = target;
  }
  return out;
}"""

BARE_RUN = """async ({start, deltas}) => {
  const v = document.getElementById('player'), out = [];
  const seek = (f) => {
    const shown = new Promise((r) => v.requestVideoFrameCallback((now, md) => r(md)));
    v.currentTime = (f + 0.5) / __FPS__;
    return shown;
  };
  const positioned = new Promise((r) => v.addEventListener('seeked', r, {once: true}));
  v.currentTime = (start + 0.5) / __FPS__;
  await positioned; await window.__raf(); await window.__raf();
  let frame = start;
  for (const d of deltas) {
    const target = frame + d;
    const t0 = performance.now();
    const md = await seek(target);
    const ms = performance.now() - t0;
    out.push({ms, shown: window.__frameOf(md), target, delta: d});
    while (v.seeking) await window.__raf();
    await window.__raf();
    frame = target;
  }
  return out;
}""".replace("__FPS__", str(FPS))

KEY_PROBE = """() => {
  window.__keySteps = [];
  window.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const t0 = performance.now();
    const v = document.getElementById('player');
    v.requestVideoFrameCallback((now, md) => {
      window.__keySteps.push({ms: performance.now() - t0, shown: window.__frameOf(md)});
    });
  }, {capture: true});
}"""

# Set on every page by an init script: when the annotate page is fully there, per rAF polling.
READY_PROBE = """
(() => {
  const check = () => {
    const app = document.querySelector('#annotate-app.ready');
    if (app && document.querySelectorAll('#segment-table tbody tr').length === __N__
        && document.querySelectorAll('#timeline .tl-bar').length === __N__) {
      window.__readyAt = performance.now();
      return;
    }
    requestAnimationFrame(check);
  };
  if (location.pathname.startsWith('/annotate/')) requestAnimationFrame(check);
})();
""".replace("__N__", str(NUM_SEGMENTS))


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def make_media(work: Path, seconds: int = SECONDS) -> Path:
    """The 30-minute source and its proxy (cached in ``work``); returns the proxy."""
    from pipeline.media import make_proxy, probe_video
    from pipeline.testsrc import make_test_pattern

    src = work / f"source-{seconds}s.mp4"
    proxy = work / f"proxy-{seconds}s.mp4"
    if not src.exists():
        print(f"generating {seconds} s 640x360 {FPS} fps source ...", flush=True)
        part = work / f"source-{seconds}s.part.mp4"
        make_test_pattern(part, seconds, fps=FPS, preset="ultrafast")
        part.rename(src)
    if not proxy.exists():
        print("making the proxy with pipeline.media.make_proxy ...", flush=True)
        part = work / f"proxy-{seconds}s.part.mp4"
        make_proxy(src, part, probe_video(src))
        part.rename(proxy)
    return proxy


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_http(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer {url}")


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def plan(num_frames: int, shift: int = 0) -> list[tuple[int, list[int]]]:
    """(start frame, deltas) runs: forward at each position, then backward at the last."""
    runs = [(int(num_frames * f) + shift, [1] * FORWARD_PER_POSITION) for f in POSITIONS]
    last_start = runs[-1][0] + FORWARD_PER_POSITION
    runs.append((last_start, [-1] * BACKWARD))
    return runs


def run_key_mode(page, runs) -> list[dict]:
    results = []
    for start, deltas in runs:
        page.evaluate(
            "async (f) => { await window.mgstudio.player.seek(f); await window.__appIdle(f); }",
            start,
        )
        frame = start
        for d in deltas:
            before = page.evaluate("window.__keySteps.length")
            page.keyboard.press("ArrowRight" if d > 0 else "ArrowLeft")
            frame += d
            page.wait_for_function("(n) => window.__keySteps.length > n", arg=before)
            page.evaluate("(f) => window.__appIdle(f)", frame)
            step = page.evaluate("window.__keySteps[window.__keySteps.length - 1]")
            step["target"] = frame
            step["delta"] = d
            results.append(step)
    return results


def run_in_page(page, script: str, runs) -> list[dict]:
    results = []
    for start, deltas in runs:
        results += page.evaluate(script, {"start": start, "deltas": deltas})
    return results


def summarise(name: str, steps: list[dict]) -> dict:
    ms = [s["ms"] for s in steps]
    wrong = sum(1 for s in steps if s["shown"] != s["target"])
    return {
        "name": name,
        "n": len(ms),
        "p50": pct(ms, 0.5),
        "p95": pct(ms, 0.95),
        "max": max(ms),
        "wrong": wrong,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--workdir",
        type=Path,
        default=None,
        help="keep the generated media here and reuse it on later runs",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    parser.add_argument(
        "--seconds",
        type=int,
        default=SECONDS,
        help="video length (the target is for 1800; less only for a smoke test)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="interleaved rounds of (key, step(), bare), 2%% of the video apart",
    )
    parser.add_argument("--loads", type=int, default=3, help="page loads to time")
    args = parser.parse_args()

    print(f"cpu: {cpu_model()} x {os.cpu_count()}; load average before: {loadavg()}")
    media_tmp = None
    if args.workdir is None:
        media_tmp = tempfile.mkdtemp(prefix="scrub-media-")
    work = args.workdir or Path(media_tmp)
    work.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="scrub-data-"))
    server = None
    try:
        proxy = make_media(work, args.seconds)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
        env.update(
            MGSTUDIO_DATA_DIR=str(data),
            DJANGO_SETTINGS_MODULE="mgstudio.settings",
            PYTHONPATH=str(ROOT),
        )
        for name in ("MEDIA_ROOT", "STATIC_ROOT"):
            env.pop(name, None)
        media_root, static_root = data / "media", data / "static"
        (media_root / "proxies").mkdir(parents=True)
        proxy_rel = "proxies/scrub.mp4"
        os.symlink(proxy.resolve(), media_root / proxy_rel)
        static_root.mkdir(parents=True, exist_ok=True)
        (static_root / "bench-bare.html").write_text(BARE_HTML)
        py = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        t = time.perf_counter()
        out = subprocess.run(
            [py, "-c", SETUP, proxy_rel, PASSWORD, USERNAME, str(NUM_SEGMENTS)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        ids = json.loads(out.strip().splitlines()[-1])
        print(f"database ready in {time.perf_counter() - t:.1f} s: {ids}")

        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "mgstudio.wsgi",
                "-b",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "4",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_http(f"{base}/login/", server)
        print(f"server: gunicorn (2 workers x 4 threads) at {base}, static files by whitenoise")
        return drive(base, ids, args.loads, args.rounds)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"kept data dir {data}" + (f" and media {work}" if media_tmp else ""))
        else:
            shutil.rmtree(data, ignore_errors=True)
            if media_tmp:
                shutil.rmtree(media_tmp, ignore_errors=True)
        print(f"load average after: {loadavg()}")


def drive(base: str, ids: dict, loads: int, rounds: int) -> int:
    from playwright import sync_api

    url = f"{base}/annotate/{ids['assignment']}/"
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
        print(f"chromium: {browser.version}")
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(30_000)
        context.add_init_script(READY_PROBE)
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login/")
        page.get_by_label("User name").fill(USERNAME)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda u: "/login/" not in u)

        load_ms = []
        for _ in range(loads):
            page.goto(url)
            page.wait_for_function("window.__readyAt !== undefined", polling=100)
            load_ms.append(page.evaluate("window.__readyAt"))
        page.evaluate(JS_HELPERS)
        page.evaluate(KEY_PROBE)
        bare = context.new_page()
        bare.goto(f"{base}/static/bench-bare.html?src=/api/videos/{ids['video']}/proxy/")
        bare.wait_for_function("document.getElementById('player').readyState >= 2")
        bare.evaluate(JS_HELPERS)
        key, direct, ref = [], [], []
        for r in range(rounds):  # interleaved, so that the machine's load hits all three alike
            runs = plan(ids["num_frames"], shift=r * (ids["num_frames"] // 50))
            page.bring_to_front()
            key += run_key_mode(page, runs)
            direct += run_in_page(page, APP_STEP_RUN, runs)
            bare.bring_to_front()
            ref += run_in_page(bare, BARE_RUN, runs)
        browser.close()

    rows = [
        summarise("app, ArrowRight/Left key", key),
        summarise("app, player.step(+-1)", direct),
        summarise("bare <video>, currentTime", ref),
    ]
    print()
    print(
        f"page load (navigation start -> ready with {NUM_SEGMENTS} rows and bars), "
        f"{loads} loads: "
        + ", ".join(f"{x:.0f}" for x in load_ms)
        + f" ms; median {statistics.median(load_ms):.0f} ms"
    )
    print()
    print(
        f"{'one-frame step -> frame presented (ms)':<40} {'n':>4} {'p50':>7} {'p95':>7} "
        f"{'max':>7} {'wrong':>6}"
    )
    for r in rows:
        print(
            f"{r['name']:<40} {r['n']:>4} {r['p50']:>7.1f} {r['p95']:>7.1f} {r['max']:>7.1f} "
            f"{r['wrong']:>6}"
        )
    for r in rows[:2]:
        print(
            f"ratio {r['name']} / bare: p50 {r['p50'] / rows[2]['p50']:.2f}, "
            f"p95 {r['p95'] / rows[2]['p95']:.2f}"
        )
    by_dir = {}
    for name, steps in (("app key", key), ("app step()", direct), ("bare", ref)):
        for label, sign in (("+1", 1), ("-1", -1)):
            part = [s["ms"] for s in steps if (s["delta"] > 0) == (sign > 0)]
            by_dir[(name, label)] = part
    print(
        "by direction, p50/p95 ms: "
        + "; ".join(
            f"{n} {lab} {pct(v, 0.5):.1f}/{pct(v, 0.95):.1f}" for (n, lab), v in by_dir.items()
        )
    )
    if errors:
        print("page errors:", errors)
    ok = all(r["p95"] < TARGET_MS and r["wrong"] == 0 for r in rows[:2]) and not errors
    print(
        f"target: p95 < {TARGET_MS:.0f} ms and every step on the right frame: "
        f"{'met' if ok else 'MISSED'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
