"""Benchmark: saving segments under load, gunicorn + PostgreSQL.

What it measures: the client-side latency of the segment save API (POST /api/segments/,
PATCH and DELETE /api/segments/<client_uuid>/) while N simulated labelers (default 20) save
at once against the app served by gunicorn on this machine's PostgreSQL, over loopback.
Target: save p95 < 30 ms, and the database afterwards holds exactly what every client
expects: no segment lost, none duplicated, after the client's retries.

Protocol:
  - a fresh database ``mgstudio_bench_<pid>`` on 127.0.0.1:5432 (user postgres), migrated,
    with a project (iMiGUE taxonomy), one ready 45,000-frame 25 fps video per labeler, the
    labelers (users + Labeler rows), one Assignment each and a DRF token each;
  - gunicorn ``mgstudio.wsgi`` on a free loopback port (``--workers``/``--threads``);
  - one thread per labeler, each with its own keep-alive ``http.client`` connection and a fixed
    number of save operations (``--ops``): about 70 % creates (walking forward through the
    video), 20 % updates (resize an edge by one frame, or change category), 10 % deletes, each
    followed by a random think time in ``--think-ms`` (default 0-20 ms, i.e. a near-saturation
    closed loop; real labelers pause seconds between edits);
  - lost responses: ``--resend`` (5 %) of saves are sent again with the same body (the same
    client uuid; a PATCH again with the old version, which must answer 409 with the intended
    state); ``--race`` (1 %) of creates are sent twice at once on two connections; connection
    errors and 5xx are retried (up to 3 times);
  - the reference, interleaved in the same threads under the same load: ``--refs`` trivial
    authenticated GET /api/me/ per labeler;
  - then the database is checked against every client's expected state (same uuids, frames,
    categories and versions; one row and one "create" history row per uuid; nothing extra);
  - then gunicorn is stopped and the database dropped.
Latency of a save is from the first send to the accepted answer (retries after errors
included); the deliberate re-sends are reported apart. The table also shows the SQL queries
one save makes (counted in-process on the same database with the same settings) and the
cost of opening one PostgreSQL connection, which every request pays when CONN_MAX_AGE is 0,
and the CPU spent per request by the gunicorn workers and by PostgreSQL's backends (the
latter from the postmaster's reaped children, so other work on that server counts too).

Usage: .venv/bin/python bench/save_segments.py [--labelers 20] [--ops 150] [--refs 50]
       [--workers 4] [--threads 1] [--think-ms 0,20] [--conn-max-age N] [--seed 1]
Before the measured run, ``warm_up`` sends every kind of save through every worker on a separate
assignment (a long-running server is warm; a fresh worker's first requests are not).
``--conn-max-age N`` serves with a settings module that only sets CONN_MAX_AGE = N (seconds)
on top of mgstudio.settings, to measure persistent connections. Exit status 1 if the target
is missed or the check fails.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from bench.machine import cpu_model  # noqa: E402

TARGET_P95_MS = 30.0
NUM_FRAMES = 45000
PG = "postgres://postgres@127.0.0.1:5432"


# --- machine facts ------------------------------------------------------------------------------


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(p / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def proc_cpu(pid: int) -> float:
    """User + system CPU seconds of a live process (from /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def postgres_cpu() -> float:
    """CPU seconds of the PostgreSQL server's exited backends (reaped by the postmaster).

    All databases count: other work on the machine's PostgreSQL adds to it. 0 if unreadable.
    """
    try:
        import psycopg

        with psycopg.connect(f"{PG}/postgres") as conn:
            data_dir = conn.execute("SHOW data_directory").fetchone()[0]
        pid = int(Path(data_dir, "postmaster.pid").read_text().split()[0])
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[13]) + int(fields[14])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError, ImportError):
        return 0.0


def children_of(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return kids


# --- database and fixtures ----------------------------------------------------------------------
def admin_sql(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(sql)


def setup_django(db_url: str, data_dir: Path, settings_module: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["MGSTUDIO_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    import django

    django.setup()


def make_fixtures(n_labelers: int) -> list[dict]:
    """Project, videos, labelers, assignments and tokens; returns one dict per labeler."""
    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    from annotator.models import Assignment, Labeler, Project, Video
    from annotator.services.taxonomy import load_taxonomy_into

    project = Project.objects.create(name="bench")
    load_taxonomy_into(project)
    codes = sorted(project.categories.values_list("code", flat=True))
    users = []
    # Two more than asked: one warms the server up, the last one is for the in-process count.
    for i in range(n_labelers + 2):
        user = get_user_model().objects.create_user(f"bench{i}", password=None)
        labeler = Labeler.objects.create(user=user, code=f"B{i}")
        project.labelers.add(labeler)
        video = Video.objects.create(
            project=project,
            external_id=f"bench-{i}",
            fps=25.0,
            fps_fraction="25/1",
            num_frames=NUM_FRAMES,
            duration=NUM_FRAMES / 25,
            width=1280,
            height=720,
            status=Video.Status.READY,
        )
        assignment = Assignment.objects.create(video=video, labeler=labeler, position=0)
        token = Token.objects.create(user=user)
        users.append({"token": token.key, "assignment": assignment.pk, "codes": codes})
    return users


def count_queries(profile_user: dict, show: bool) -> dict[str, tuple[int, float]]:
    """SQL queries and in-process time of one request of each kind (Django test client)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(SERVER_NAME="127.0.0.1", HTTP_AUTHORIZATION=f"Token {profile_user['token']}")
    out = {}

    def run(name, fn):
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            response = fn()
            ms = (time.perf_counter() - t0) * 1000
        assert response.status_code in (200, 201), (name, response.status_code, response.content)
        out[name] = (len(ctx.captured_queries), ms)
        if show and name == "POST create #2":
            for q in ctx.captured_queries:
                print(f"      {q['sql'][:160]}")
        return response.json()

    run("GET /api/me/ (warm-up)", lambda: client.get("/api/me/"))
    for i in range(2):  # the first create also moves the assignment to in_progress
        uid = str(uuid.uuid4())
        body = {
            "client_uuid": uid,
            "assignment": profile_user["assignment"],
            "start_frame": 100 * i,
            "end_frame": 100 * i + 20,
            "category_code": 1,
        }
        seg = run(
            f"POST create #{i + 1}",
            lambda b=body: client.post("/api/segments/", b, content_type="application/json"),
        )
    run(
        "POST same uuid again",
        lambda: client.post("/api/segments/", body, content_type="application/json"),
    )
    seg = run(
        "PATCH resize",
        lambda: client.patch(
            f"/api/segments/{uid}/",
            {"version": seg["version"], "end_frame": 121},
            content_type="application/json",
        ),
    )
    run("DELETE", lambda: client.delete(f"/api/segments/{uid}/?version={seg['version']}"))
    run("GET /api/me/", lambda: client.get("/api/me/"))
    return out


def connect_cost_ms(db_url: str, n: int = 30) -> float:
    """Median time to open (and close) one PostgreSQL connection the way Django does."""
    import psycopg

    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        conn = psycopg.connect(db_url.replace("postgres://", "postgresql://"))
        conn.execute("SELECT 1")
        conn.close()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


# --- the simulated labeler ----------------------------------------------------------------------
@dataclass
class Sample:
    kind: str  # create / update / delete / resend / race / ref
    ms: float
    status: int
    at: float = field(default_factory=time.perf_counter)  # when the answer came


@dataclass
class Labeler:
    index: int
    token: str
    assignment: int
    codes: list[int]
    port: int
    ops: int
    refs: int
    think: tuple[float, float]
    resend: float
    race: float
    seed: int
    samples: list[Sample] = field(default_factory=list)
    expected: dict[str, dict] = field(default_factory=dict)  # uuid -> state (live or deleted)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    rule_refusals: int = 0
    race_answers: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self):
        self.rng = random.Random(self.seed * 1000 + self.index)
        self.conn = self._connect()
        self.playhead = self.rng.randrange(0, 2000)

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(self, method: str, path: str, body: dict | None = None, conn=None):
        """One request with retries on connection errors and 5xx; returns (status, json, ms)."""
        headers = {"Authorization": f"Token {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        own = conn is None
        t0 = time.perf_counter()
        for attempt in range(4):
            c = self.conn if own else conn
            try:
                c.request(method, path, body=data, headers=headers)
                response = c.getresponse()
                raw = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                c.close()
                if own:
                    self.conn = self._connect()
                else:
                    conn = self._connect()
                status, raw = 0, str(exc).encode()
            if status and status < 500:
                ms = (time.perf_counter() - t0) * 1000
                return status, (json.loads(raw) if raw else None), ms
            self.retries += 1
            self.errors.append(f"{method} {path}: {status} {raw[:200]!r} (attempt {attempt + 1})")
            time.sleep(0.05 * (attempt + 1))
        raise RuntimeError(f"{method} {path} failed after retries")

    def live(self) -> list[str]:
        return [u for u, s in self.expected.items() if not s["is_deleted"]]

    def think_pause(self) -> None:
        lo, hi = self.think
        if hi > 0:
            time.sleep(self.rng.uniform(lo, hi) / 1000)

    def check(self, what: str, ok: bool, detail) -> None:
        if not ok:
            self.errors.append(f"{what}: {detail}")

    def create(self) -> None:
        rng = self.rng
        self.playhead = min(NUM_FRAMES - 300, self.playhead + rng.randrange(5, 60))
        start = self.playhead
        end = start + rng.randrange(4, 150)
        body = {
            "client_uuid": str(uuid.uuid4()),
            "assignment": self.assignment,
            "start_frame": start,
            "end_frame": end,
            "category_code": rng.choice(self.codes),
        }
        if rng.random() < self.race:
            # The same POST twice at once (a client retry timer firing while the first is in
            # flight), the second on another connection.
            other = self._connect()
            answer = {}
            thread = threading.Thread(
                target=lambda: answer.update(r=self.request("POST", "/api/segments/", body, other))
            )
            thread.start()
            status, data, ms = self.request("POST", "/api/segments/", body)
            thread.join()
            other.close()
            status2, data2, ms2 = answer["r"]
            self.samples.append(Sample("race", ms2, status2))
            self.race_answers.append((status, status2))
            self.check("racing duplicate POST", 201 in (status, status2), (status, status2, data2))
            if status not in (200, 201) and status2 in (200, 201):
                status, data = status2, data2  # whichever made it
        else:
            status, data, ms = self.request("POST", "/api/segments/", body)
        self.samples.append(Sample("create", ms, status))
        if status == 400 and data.get("rule") == "duplicate":
            self.rule_refusals += 1
            return
        self.check("create", status in (200, 201), (status, data))
        if status not in (200, 201):
            return
        state = {
            "start_frame": start,
            "end_frame": end,
            "category_code": body["category_code"],
            "version": data["version"],
            "is_deleted": False,
        }
        self.expected[body["client_uuid"]] = state
        if rng.random() < self.resend:  # the answer was lost: send the same POST again
            status2, data2, ms2 = self.request("POST", "/api/segments/", body)
            self.samples.append(Sample("resend", ms2, status2))
            self.check(
                "re-sent POST",
                status2 == 200 and data2["version"] == data["version"],
                (status2, data2),
            )

    def update(self) -> None:
        rng = self.rng
        uid = rng.choice(self.live())
        state = self.expected[uid]
        body = {"version": state["version"]}
        new = dict(state)
        if rng.random() < 0.5:
            edge = rng.choice(["start_frame", "end_frame"])
            step = rng.choice([-1, 1])
            value = state[edge] + step
            if edge == "start_frame" and not 0 <= value <= state["end_frame"]:
                value = state[edge] - step
            if edge == "end_frame" and not state["start_frame"] <= value < NUM_FRAMES:
                value = state[edge] - step
            body[edge] = new[edge] = value
        else:
            code = rng.choice([c for c in self.codes if c != state["category_code"]])
            body["category_code"] = new["category_code"] = code
        status, data, ms = self.request("PATCH", f"/api/segments/{uid}/", body)
        self.samples.append(Sample("update", ms, status))
        if status == 400 and data.get("rule") == "duplicate":
            self.rule_refusals += 1
            return
        self.check("update", status == 200, (status, data))
        if status != 200:
            return
        new["version"] = data["version"]
        self.expected[uid] = new
        if rng.random() < self.resend:  # lost answer: the replay is stale and must say so
            status2, data2, ms2 = self.request("PATCH", f"/api/segments/{uid}/", body)
            self.samples.append(Sample("resend", ms2, status2))
            current = (data2 or {}).get("current", {})
            self.check(
                "re-sent PATCH",
                status2 == 409 and all(current.get(k) == v for k, v in new.items()),
                (status2, data2),
            )

    def delete(self) -> None:
        uid = self.rng.choice(self.live())
        path = f"/api/segments/{uid}/?version={self.expected[uid]['version']}"
        status, data, ms = self.request("DELETE", path)
        self.samples.append(Sample("delete", ms, status))
        self.check("delete", status == 200 and data["is_deleted"], (status, data))
        if status != 200:
            return
        self.expected[uid] = dict(self.expected[uid], is_deleted=True, version=data["version"])
        if self.rng.random() < self.resend:  # lost answer: deleting again is a no-op
            status2, data2, ms2 = self.request("DELETE", path)
            self.samples.append(Sample("resend", ms2, status2))
            self.check(
                "re-sent DELETE",
                status2 == 200 and data2["version"] == data["version"],
                (status2, data2),
            )

    def reference(self) -> None:
        status, data, ms = self.request("GET", "/api/me/")
        self.samples.append(Sample("ref", ms, status))
        self.check("GET /api/me/", status == 200, (status, data))

    def run(self, start: threading.Barrier) -> None:
        plan = ["save"] * self.ops + ["ref"] * self.refs
        self.rng.shuffle(plan)
        start.wait()
        # Labelers do not all press a key in the same millisecond: each starts after its own
        # think time, as it would between any two edits (the barrier only makes the load start
        # together; without this its first requests arrive as one burst of N).
        self.think_pause()
        try:
            for step in plan:
                if step == "ref":
                    self.reference()
                else:
                    roll = self.rng.random()
                    live = len(self.live())
                    if roll < 0.10 and live > 2:
                        self.delete()
                    elif roll < 0.30 and live > 0:
                        self.update()
                    else:
                        self.create()
                self.think_pause()
        except Exception as exc:  # noqa: BLE001 - reported, and the check then fails
            self.errors.append(f"aborted: {exc!r}")
        finally:
            self.conn.close()


def warm_up(fixture: dict, port: int, args) -> None:
    """Before the measured run, every save path through every worker (not measured, and on
    an assignment the check ignores): a server that has run for a while has imported its
    modules, compiled its first queries and opened its database connection. Without this,
    each fresh worker's first saves — a one-off cost of a restart — land in the tail."""
    per_thread = max(10, 8 * args.workers // 4)
    sessions = [
        Labeler(
            100 + i,
            fixture["token"],
            fixture["assignment"],
            fixture["codes"],
            port,
            per_thread,
            0,
            (0.0, 0.0),
            0.0,
            0.0,
            args.seed + 1,
        )
        for i in range(2 * args.workers)
    ]

    def run(lab: Labeler) -> None:
        for _ in range(lab.ops):
            lab.create()
            if lab.live():
                lab.update()
        while len(lab.live()) > 1:
            lab.delete()
        lab.conn.close()

    threads = [threading.Thread(target=run, args=(lab,)) for lab in sessions]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    problems = [e for lab in sessions for e in lab.errors]
    if problems:
        raise RuntimeError(f"warm-up failed: {problems[:3]}")


def verify(labelers: list[Labeler]) -> list[str]:
    """Compare the database with every client's expected state."""
    from django.db.models import Count

    from annotator.models import Segment, SegmentHistory

    problems = []
    for lab in labelers:
        rows = {
            str(s.client_uuid): {
                "start_frame": s.start_frame,
                "end_frame": s.end_frame,
                "category_code": s.category.code,
                "version": s.version,
                "is_deleted": s.is_deleted,
            }
            for s in Segment.objects.filter(assignment_id=lab.assignment).select_related("category")
        }
        for uid, want in lab.expected.items():
            got = rows.get(uid)
            if got is None:
                problems.append(f"labeler {lab.index}: segment {uid} lost")
            elif got != want:
                problems.append(f"labeler {lab.index}: {uid} is {got}, client expects {want}")
        for uid in rows.keys() - lab.expected.keys():
            problems.append(f"labeler {lab.index}: unexpected segment {uid} {rows[uid]}")
    ids = [lab.assignment for lab in labelers]
    dup = (
        Segment.objects.filter(assignment_id__in=ids)
        .values("client_uuid")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems += [f"client uuid {d['client_uuid']} has {d['n']} rows" for d in dup]
    dup_created = (
        SegmentHistory.objects.filter(segment__assignment_id__in=ids, action="create")
        .values("segment_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    problems += [f"segment {d['segment_id']} created {d['n']} times" for d in dup_created]
    return problems


# --- main ---------------------------------------------------------------------------------------
def start_gunicorn(args, port: int, env: dict, log_path: Path) -> subprocess.Popen:
    gunicorn = Path(sys.executable).with_name("gunicorn")
    argv = [
        str(gunicorn),
        "mgstudio.wsgi",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(args.workers),
        "--threads",
        str(args.threads),
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    log = open(log_path, "w")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(
        argv, cwd=ROOT, env=env, start_new_session=True, stdout=log, stderr=subprocess.STDOUT
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/api/me/")
            if c.getresponse().status in (200, 401, 403):
                c.close()
                return proc
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not answer within 60 s")


def summary(name: str, ms: list[float]) -> str:
    if not ms:
        return f"| {name} | 0 | – | – | – | – |"
    return (
        f"| {name} | {len(ms)} | {pct(ms, 50):.1f} | {pct(ms, 95):.1f} | "
        f"{pct(ms, 99):.1f} | {max(ms):.1f} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labelers", type=int, default=20)
    parser.add_argument("--ops", type=int, default=150, help="save operations per labeler")
    parser.add_argument("--refs", type=int, default=50, help="GET /api/me/ per labeler")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--think-ms", default="0,20", help="uniform think time range, ms")
    parser.add_argument("--resend", type=float, default=0.05)
    parser.add_argument("--race", type=float, default=0.01)
    parser.add_argument("--conn-max-age", type=int, default=None)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show-queries", action="store_true", help="print one create's SQL")
    args = parser.parse_args()
    think = tuple(float(x) for x in args.think_ms.split(","))

    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    load_before = loadavg()
    print(f"load average before: {load_before}", flush=True)
    db_name = f"mgstudio_bench_{os.getpid()}"
    db_url = f"{PG}/{db_name}"
    tmp = Path(tempfile.mkdtemp(prefix="mgbench-"))
    settings_module = "mgstudio.settings"
    if args.conn_max_age is not None:
        settings_module = "bench_settings"
        (tmp / "bench_settings.py").write_text(
            "from mgstudio.settings import *  # noqa: F403\n"
            f"DATABASES['default']['CONN_MAX_AGE'] = {args.conn_max_age}  # noqa: F405\n"
        )
        sys.path.insert(0, str(tmp))
    admin_sql(f'CREATE DATABASE "{db_name}"')
    server = None
    ok = False
    try:
        setup_django(db_url, tmp / "data", settings_module)
        from django.conf import settings
        from django.core.management import call_command
        from django.db import connection, connections

        call_command("migrate", verbosity=0)
        fixtures = make_fixtures(args.labelers)
        with connection.cursor() as cur:
            cur.execute("SHOW server_version")
            pg_version = cur.fetchone()[0]
        conn_max_age = settings.DATABASES["default"]["CONN_MAX_AGE"]
        queries = count_queries(fixtures[-1], args.show_queries)
        connect_ms = connect_cost_ms(db_url)
        connections.close_all()

        import gunicorn

        env = dict(
            os.environ,
            DJANGO_SETTINGS_MODULE=settings_module,
            PYTHONPATH=os.pathsep.join([str(tmp), str(ROOT)]),
            # A real server refuses the published development key; plain HTTP on loopback.
            DJANGO_SECRET_KEY=os.environ.get("DJANGO_SECRET_KEY") or secrets.token_urlsafe(50),
            MGSTUDIO_HTTPS="0",
        )
        port = free_port()
        server = start_gunicorn(args, port, env, tmp / "gunicorn.log")
        worker_class = "gthread" if args.threads > 1 else "sync"
        config = (
            f"gunicorn {gunicorn.__version__} --workers {args.workers} --threads "
            f"{args.threads} ({worker_class}), CONN_MAX_AGE={conn_max_age}"
        )
        print(f"PostgreSQL {pg_version}; {config}; port {port}", flush=True)

        labelers = [
            Labeler(
                i,
                f["token"],
                f["assignment"],
                f["codes"],
                port,
                args.ops,
                args.refs,
                think,
                args.resend,
                args.race,
                args.seed,
            )
            for i, f in enumerate(fixtures[: args.labelers])
        ]
        warm_up(fixtures[args.labelers], port, args)
        for lab in labelers:  # one warm-up request per connection, not measured
            lab.request("GET", "/api/me/")
        barrier = threading.Barrier(len(labelers) + 1)
        threads = [threading.Thread(target=lab.run, args=(barrier,)) for lab in labelers]
        for t in threads:
            t.start()
        server_cpu0 = sum(proc_cpu(p) for p in children_of(server.pid))
        pg_cpu0 = postgres_cpu()
        client_cpu0 = time.process_time()
        barrier.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        client_cpu = time.process_time() - client_cpu0
        server_cpu = sum(proc_cpu(p) for p in children_of(server.pid)) - server_cpu0
        load_after = loadavg()
        # Stop the server now: its persistent database sessions end, so their CPU is counted.
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        server = None
        time.sleep(0.5)
        pg_cpu = postgres_cpu() - pg_cpu0

        problems = verify(labelers)
        samples = [s for lab in labelers for s in lab.samples]
        by = {
            k: [s.ms for s in samples if s.kind == k]
            for k in ("create", "update", "delete", "resend", "race", "ref")
        }
        saves = by["create"] + by["update"] + by["delete"]
        errors = [e for lab in labelers for e in lab.errors]
        statuses: dict[int, int] = {}
        for s in samples:
            statuses[s.status] = statuses.get(s.status, 0) + 1
        live = sum(len(lab.live()) for lab in labelers)
        made = sum(len(lab.expected) for lab in labelers)

        print()
        print(
            f"{args.labelers} labelers x {args.ops} saves + {args.refs} GET /api/me/ each, "
            f"think {think[0]:g}-{think[1]:g} ms, resend {args.resend:.0%}, "
            f"race {args.race:.0%}, seed {args.seed}"
        )
        print(f"load average before → after: {load_before} → {load_after}")
        print()
        print("| request | n | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) |")
        print("|---|---:|---:|---:|---:|---:|")
        print(summary("**save (all)**", saves))
        for kind in ("create", "update", "delete"):
            print(summary(f"  {kind}", by[kind]))
        print(summary("re-sent save (lost answer)", by["resend"]))
        print(summary("racing duplicate POST", by["race"]))
        print(summary("reference GET /api/me/", by["ref"]))
        save_p95, ref_p95 = pct(saves, 95), pct(by["ref"], 95)
        print()
        print(
            f"save p95 / reference p95: {save_p95 / ref_p95:.2f}; save p50 / reference p50: "
            f"{pct(saves, 50) / pct(by['ref'], 50):.2f}"
        )
        print(
            f"throughput: {len(samples) / wall:.0f} requests/s ({len(saves) / wall:.0f} "
            f"saves/s) over {wall:.1f} s; statuses {dict(sorted(statuses.items()))}"
        )
        n_req = len(samples)
        print(
            f"CPU during the load: gunicorn workers {server_cpu:.1f} s "
            f"({server_cpu / n_req * 1000:.1f} ms/request), PostgreSQL backends {pg_cpu:.1f} s "
            f"({pg_cpu / n_req * 1000:.1f} ms/request, all databases), client {client_cpu:.1f} s"
            f" (of {wall * (os.cpu_count() or 1):.1f} core-s)"
        )
        print(
            f"retries after connection errors/5xx: {sum(lab.retries for lab in labelers)}; "
            f"refused as duplicate by the rules: {sum(lab.rule_refusals for lab in labelers)}"
        )
        races = sorted({tuple(sorted(a)) for lab in labelers for a in lab.race_answers})
        print(
            f"racing duplicate POST pairs answered: {races} (a 400 here is the retry of a "
            "segment that was saved, refused as a duplicate instead of answered 200)"
        )
        server_log = (tmp / "gunicorn.log").read_text(errors="replace")
        print(
            f"server log: {server_log.count('Traceback')} tracebacks, "
            f"{server_log.count('Internal Server Error')} internal server errors"
        )
        print(f"client errors: {len(errors)}")
        for e in errors[:10]:
            print("   ", e)
        print(
            f"check: {made} segments made, {live} live; "
            + (
                "database == clients, no duplicate, nothing lost"
                if not problems
                else f"{len(problems)} PROBLEMS"
            )
        )
        for p in problems[:10]:
            print("   ", p)
        print()
        print(
            f"one PostgreSQL connect (+SELECT 1): {connect_ms:.1f} ms (median of 30); "
            "SQL queries per request (in-process, Django test client):"
        )
        for name, (n, ms) in queries.items():
            print(f"    {name}: {n} queries, {ms:.1f} ms")
        slow = sorted(
            (s for s in samples if s.kind in ("create", "update", "delete")), key=lambda s: -s.ms
        )[:8]
        print(
            "slowest saves (ms @ s into the run): "
            + ", ".join(f"{s.kind} {s.ms:.0f} @ {s.at - t0:.1f}" for s in slow)
        )
        ok = save_p95 < TARGET_P95_MS and not problems and not errors
        print(
            f"\nsave p95 {save_p95:.1f} ms (target < {TARGET_P95_MS:g}): "
            + ("PASS" if ok else "FAIL")
        )
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: BLE001 - Django may not be set up
            pass
        admin_sql(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')
        subprocess.run(["rm", "-rf", str(tmp)], check=False)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
