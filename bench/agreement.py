"""Benchmark: agreement (R, disagreements, report) on an iMiGUE-sized project.

Labeler i = the real iMiGUE label table (18,498 labels, 359 videos), labeler j = a perturbed copy
(`annotator.agreement.perturb`, seeded: ±3-frame jitter, 10 % swapped, 5 % dropped, 5 % added),
so about 2 × 18,500 segments. Times, median of --reps runs, wall and this process's CPU:
  (a) pure module: compare_project alone, frame κ alone, project_report alone, and
      compare_project + project_report (target < 1 s);
  (b) with the database: the rows loaded into a fresh database (SQLite by default, or
      --database-url, e.g. postgres://postgres@127.0.0.1:5432/NAME, which this script creates
      and drops; it refuses an existing database), then
      `annotator.services.agreement.record_run(project)` end to end (target < 5 s). Reference in
      the same run: reading the segment rows alone (values_list over every segment).
Also a run-length prototype of frame κ (not used by the app) to size the fix for a missed target.
Prints machine facts and a Markdown table; exits 1 if a target is missed.

Usage: .venv/bin/python bench/agreement.py [--database-url URL] [--reps 3] [--labels CSV]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from annotator.agreement import (  # noqa: E402
    THETA_GRID,
    compare_project,
    pooled_frame_kappa,
    r_curve,
)
from annotator.agreement.perturb import (  # noqa: E402
    IMIGUE_CODES,
    load_imigue_labels,
    perturb_project,
    video_frames,
)
from annotator.agreement.report import project_report  # noqa: E402
from bench.machine import cpu_model  # noqa: E402

DEFAULT_LABELS = ROOT.parent / "shared/reference/imigue/labels_20200831.csv"
TARGET_PURE_S = 1.0
TARGET_DB_S = 5.0
PERTURBATION = {"jitter": 3, "swap": 0.1, "drop": 0.05, "add": 0.05}


def timed(fn: Callable[[], object], reps: int) -> tuple[float, float, object]:
    """Median wall and median process-CPU seconds of `reps` calls, and the last result."""
    walls, cpus, result = [], [], None
    for _ in range(reps):
        cpu0, wall0 = time.process_time(), time.perf_counter()
        result = fn()
        walls.append(time.perf_counter() - wall0)
        cpus.append(time.process_time() - cpu0)
    return statistics.median(walls), statistics.median(cpus), result


def runlength_kappa(videos) -> float | None:
    """Frame κ as `pooled_frame_kappa` defines it, from runs instead of frames: the confusion
    matrix is accumulated per interval between boundaries (O(segments), not O(frames)), and κ
    is computed from it directly instead of by scikit-learn over ~12 M frame labels."""
    codes: dict[frozenset, int] = {}
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for seg_i, seg_j, num_frames in videos:
        bi, ci = _runs(seg_i, num_frames, codes)
        bj, cj = _runs(seg_j, num_frames, codes)
        bounds = np.union1d(bi, bj)
        starts = bounds[:-1]
        code_i = ci[np.searchsorted(bi, starts, side="right") - 1]
        code_j = cj[np.searchsorted(bj, starts, side="right") - 1]
        blocks.append((code_i, code_j, np.diff(bounds)))
    if not blocks:
        return None
    k = len(codes)
    conf = np.zeros(k * k, dtype=np.float64)
    for code_i, code_j, length in blocks:
        conf += np.bincount(code_i * k + code_j, weights=length, minlength=k * k)
    conf = conf.reshape(k, k)
    total = conf.sum()
    if total == 0 or np.count_nonzero(conf.sum(0) + conf.sum(1)) == 1:
        return None
    p_o = np.trace(conf) / total
    p_e = float(conf.sum(1) @ conf.sum(0)) / total**2
    return float((p_o - p_e) / (1 - p_e))


def _runs(segments, num_frames: int, codes: dict) -> tuple[np.ndarray, np.ndarray]:
    """Boundaries (first frame of each run, then num_frames) and the code of each run."""
    events: dict[int, list[tuple[int, object]]] = {}
    for s in segments:
        events.setdefault(s.start, []).append((1, s.category))
        events.setdefault(s.end + 1, []).append((-1, s.category))
    active: dict[object, int] = {}
    bounds, run_codes = [], []
    for here in sorted({0, num_frames, *events}):
        if here >= num_frames:
            break
        for delta, cat in events.get(here, ()):
            active[cat] = active.get(cat, 0) + delta
        label = frozenset(c for c, n in active.items() if n > 0)
        bounds.append(here)
        run_codes.append(codes.setdefault(label, len(codes)))
    bounds.append(num_frames)
    return np.array(bounds, dtype=np.int64), np.array(run_codes, dtype=np.int64)


def setup_django(database_url: str | None, data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "mgstudio.settings"
    os.environ["MGSTUDIO_DATA_DIR"] = data_dir
    if database_url:
        os.environ["DATABASE_URL"] = database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def create_postgres_db(url: str) -> Callable[[], None]:
    """Create the database named in `url` (refusing one that exists); returns its dropper."""
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            raise SystemExit(f"database {name!r} exists: give the name of a new one")
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')

    return drop


def load_project(labels: dict, copy_j: dict, frames: dict):
    """Write the two-labeler project: 359 videos, 718 submitted assignments, ~37 k segments."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from annotator.models import Assignment, Labeler, Project, Segment, Video
    from annotator.services.taxonomy import load_taxonomy_into

    with transaction.atomic():
        project = Project.objects.create(name="imigue-bench")
        load_taxonomy_into(project)
        category = dict(project.categories.values_list("code", "pk"))
        labelers = {}
        for code in ("i", "j"):
            user = get_user_model().objects.create(username=f"bench-{code}")
            labelers[code] = Labeler.objects.create(user=user, code=code)
            project.labelers.add(labelers[code])
        videos = Video.objects.bulk_create(
            Video(
                project=project,
                external_id=v,
                status=Video.Status.NO_MEDIA,
                fps=25.0,
                fps_fraction="25/1",
                num_frames=frames[v],
            )
            for v in labels
        )
        assignments = Assignment.objects.bulk_create(
            Assignment(
                video=video, labeler=labelers[code], position=pos, state=Assignment.State.SUBMITTED
            )
            for pos, video in enumerate(videos, start=1)
            for code in ("i", "j")
        )
        by_key = {(a.video.external_id, a.labeler.code): a for a in assignments}
        Segment.objects.bulk_create(
            (
                Segment(
                    assignment=by_key[v, code],
                    start_frame=s.start,
                    end_frame=s.end,
                    category_id=category[s.category],
                )
                for v in labels
                for code, segs in (("i", labels[v]), ("j", copy_j[v]))
                for s in segs
            ),
            batch_size=5000,
        )
    return project


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", type=Path, default=DEFAULT_LABELS)
    parser.add_argument("--database-url", default=None, help="default: a fresh SQLite file")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--seed", type=int, default=20200831)
    args = parser.parse_args()

    load_before = os.getloadavg()
    labels = load_imigue_labels(args.labels)
    # The table has no video lengths: last labelled frame + 1 s stands in for each video's.
    frames = {v: video_frames(segs) + 25 for v, segs in labels.items()}
    copy_j = perturb_project(
        labels, seed=args.seed, num_frames=frames, categories=IMIGUE_CODES, **PERTURBATION
    )
    annotations = {v: {"i": labels[v], "j": copy_j[v]} for v in labels}
    n_i = sum(map(len, labels.values()))
    n_j = sum(map(len, copy_j.values()))
    total_frames = sum(frames.values())
    print(
        f"{len(labels)} videos, {n_i} + {n_j} segments, {total_frames:,} frames; "
        f"perturbation {PERTURBATION}, seed {args.seed}",
        flush=True,
    )

    rows: list[tuple[str, float, float, str]] = []
    reps = args.reps
    w, c, result = timed(lambda: compare_project(annotations), reps)
    rows.append(("(a) compare_project (R, matches, disagreements)", w, c, ""))
    w_k, c_k, kappa = timed(
        lambda: pooled_frame_kappa((labels[v], copy_j[v], frames[v]) for v in labels), reps
    )
    rows.append(("(a) frame κ alone (pooled_frame_kappa)", w_k, c_k, ""))
    results = [v.result for v in result.videos]
    w_c, c_c, _ = timed(lambda: r_curve([(r.segments_i, r.segments_j) for r in results]), reps)
    rows.append((f"(a) R(θ) curve alone ({len(THETA_GRID)} θ)", w_c, c_c, ""))
    w_r, c_r, report = timed(
        lambda: project_report(result, video_names={v: v for v in labels}, num_frames=frames),
        reps,
    )
    rows.append(("(a) project_report alone (incl. κ and R(θ))", w_r, c_r, ""))
    w_p, c_p, _ = timed(
        lambda: project_report(compare_project(annotations), num_frames=frames), reps
    )
    pure_ok = w_p < TARGET_PURE_S
    rows.append(
        (
            "(a) compare_project + project_report",
            w_p,
            c_p,
            f"< {TARGET_PURE_S:.0f} s: {'met' if pure_ok else 'MISSED'}",
        )
    )
    w_f, c_f, fast_kappa = timed(
        lambda: runlength_kappa((labels[v], copy_j[v], frames[v]) for v in labels), reps
    )
    assert fast_kappa is not None and abs(fast_kappa - kappa) < 1e-9, (fast_kappa, kappa)
    rows.append(("(prototype) frame κ from runs, same value", w_f, c_f, ""))
    print(
        f"R_avg {result.r_avg:.4f}, κ {kappa:.4f}, disagreements "
        f"{ {str(k): n for k, n in result.disagreement_counts().items()} }",
        flush=True,
    )

    drop_db = None
    if args.database_url and args.database_url.startswith("postgres"):
        drop_db = create_postgres_db(args.database_url)
    with tempfile.TemporaryDirectory(prefix="mgstudio-bench-") as data_dir:
        try:
            setup_django(args.database_url, data_dir)
            from django.db import connection

            from annotator.models import Segment
            from annotator.services.agreement import compute, record_run

            t0 = time.perf_counter()
            project = load_project(labels, copy_j, frames)
            load_s = time.perf_counter() - t0
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT version()"
                    if connection.vendor == "postgresql"
                    else "SELECT 'SQLite ' || sqlite_version()"
                )
                vendor = cursor.fetchone()[0].split(" on ")[0]
            print(f"database: {vendor}; rows written in {load_s:.1f} s", flush=True)

            def read_rows():
                return list(
                    Segment.objects.filter(assignment__video__project=project).values_list(
                        "pk",
                        "start_frame",
                        "end_frame",
                        "category__code",
                        "assignment__video_id",
                        "assignment__labeler__code",
                    )
                )

            w_read, c_read, seg_rows = timed(read_rows, reps)
            assert len(seg_rows) == n_i + n_j
            rows.append(("(b) reference: read every segment row", w_read, c_read, ""))
            w_cmp, c_cmp, _ = timed(lambda: compute(project), reps)
            rows.append(("(b) services.agreement.compute (reads, no writes)", w_cmp, c_cmp, ""))
            w_db, c_db, run = timed(lambda: record_run(project), reps)
            db_ok = w_db < TARGET_DB_S
            rows.append(
                (
                    "(b) services.agreement.record_run end to end",
                    w_db,
                    c_db,
                    f"< {TARGET_DB_S:.0f} s: {'met' if db_ok else 'MISSED'}",
                )
            )
            assert run.r_avg == round(result.r_avg, 4)
            assert run.disagreements.count() == sum(result.disagreement_counts().values())
            db_vendor = vendor
        finally:
            if drop_db is not None:
                drop_db()
    load_after = os.getloadavg()

    print()
    print(
        f"CPU: {cpu_model()} ({platform.machine()}), {os.cpu_count()} logical CPUs; "
        f"Python {platform.python_version()}; database {db_vendor}"
    )
    before, after = (" ".join(f"{x:.2f}" for x in load) for load in (load_before, load_after))
    print(f"load average (1/5/15 min) before: {before}; after: {after}")
    print(f"median of {reps} runs; CPU = this process's user+sys (excludes a database server)")
    print(
        f"record_run / reading the rows: {w_db / w_read:.1f}× wall; "
        f"record_run / pure (a): {w_db / w_p:.1f}× wall; "
        f"κ share of the pure time: {c_k / c_p:.0%} CPU"
    )
    print()
    print("| step | wall (s) | CPU (s) | target |")
    print("|---|---:|---:|---|")
    for name, wall, cpu, target in rows:
        print(f"| {name} | {wall:.3f} | {cpu:.3f} | {target} |")
    return 0 if pure_ok and db_ok else 1


if __name__ == "__main__":
    sys.exit(main())
