"""Benchmark: the `proposals` job's speed per video minute on this CPU (docs/design.md §17).

What it measures: the job as a worker runs it (``jobs.runner.execute``: claim, the handler,
success), on iMiGUE video 298 (14 min, 21,068 frames, its real OpenPose skeletons stored as the
video's whole-video poses, exactly as ``import_imigue --skeletons`` stores them), in a fresh
SQLite database under a temporary data folder:

- "first": the first job in the process (module imports), no proposals yet, every row created;
- "again": the same poses, every row kept (the idempotent path a retry or a re-import takes);
- "with a suggester": the project's suggester set to a finished LSTM run (the ``lstm`` recipe's
  full size, 2 × 256 units, trained for one epoch on a small synthetic release: its weights do
  not matter for speed), so every proposal's window is classified; its first job also loads the
  checkpoint, which a worker then keeps.

Reference, in the same run: loading the pose file and the pure detector alone
(``annotator.proposals.propose``), which is what the job adds database work and the suggester to.

Usage: .venv/bin/python bench/proposal_job.py [--reps 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout
from bench.machine import machine_line  # noqa: E402
from tests.support import video298  # noqa: E402


def setup_django(data_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "mgstudio.settings"
    os.environ["MGSTUDIO_DATA_DIR"] = data_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    import django
    from django.core.management import call_command

    django.setup()
    from mgstudio.data_dirs import ensure_data_dirs

    ensure_data_dirs()
    call_command("migrate", verbosity=0)


def timed(fn, reps: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(reps):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    if not video298.available():
        print(f"the iMiGUE reference files are not in {video298.SKELETONS.parent}")
        return 1
    with tempfile.TemporaryDirectory(prefix="mgstudio-bench-") as data_dir:
        setup_django(data_dir)
        return run(Path(data_dir), args.reps)


def run(data_dir: Path, reps: int) -> int:
    import torch

    from annotator.models import Project, Release, Video
    from annotator.proposals import propose
    from annotator.services.baselines import start_run
    from annotator.services.proposals import request_proposals
    from annotator.services.taxonomy import load_taxonomy_into
    from annotator.services.video_poses import load_video_poses, store_imported_poses
    from jobs import runner
    from pipeline.openpose import load_openpose
    from tests.support.release_factory import synthetic_release

    torch.set_num_threads(1)  # as the tests and a shared worker run it
    project = Project.objects.create(name="bench")
    load_taxonomy_into(project)
    video = Video.objects.create(
        project=project, external_id="298", status=Video.Status.NO_MEDIA, fps=25.0
    )
    skeletons = load_openpose(video298.SKELETONS)
    store_imported_poses(
        video, skeletons.keypoints, skeletons.layout, source="298.npz", width=0, height=0
    )
    minutes = skeletons.num_frames / 25.0 / 60

    def job() -> dict:
        done = request_proposals(video)
        outcome, _ = runner.execute(done.pk, worker_name="bench")
        done.refresh_from_db()
        assert outcome == "succeeded", done.error
        return done.result

    first_t, first = timed(job, 1)
    again_t, again = timed(job, reps)

    media = Path(data_dir) / "media"
    synthetic_release(media / "releases" / "syn-1", num_classes=32)
    release = Release.objects.create(
        project=project, name="syn", version="1", path="releases/syn-1", status="done"
    )
    trained = start_run(release, "lstm", {"epochs": 1})
    assert runner.execute(trained.job_id, worker_name="bench")[0] == "succeeded"
    project.proposal_suggester_id = trained.pk
    project.save()
    suggest_cold, _ = timed(job, 1)  # loads the checkpoint (kept for the next jobs)
    suggest_t, suggested = timed(job, reps)

    def pure():
        return propose(load_video_poses(video), 25.0)

    pure_t, found = timed(pure, reps)

    print(f"machine: {machine_line()}")
    print(
        f"video 298: {skeletons.num_frames} frames ({minutes:.1f} min), "
        f"{len(found)} proposals at the default settings; median of {reps} runs\n"
    )
    print("| run | proposals | s per job | ms per video minute | × reference |")
    print("|---|---:|---:|---:|---:|")
    rows = (
        ("reference: load the pose file + detector (pure)", len(found), pure_t),
        ("job, first in the process (imports; rows created)", first["created"], first_t),
        ("job again (rows kept)", again["kept"], again_t),
        ("job with a suggester, first (loads the model)", suggested["proposals"], suggest_cold),
        ("job with a suggester (LSTM 2×256)", suggested["proposals"], suggest_t),
    )
    for name, n, seconds in rows:
        print(
            f"| {name} | {n} | {seconds:.3f} | {seconds / minutes * 1000:.0f} | "
            f"{seconds / pure_t:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
