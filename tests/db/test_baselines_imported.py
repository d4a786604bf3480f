"""Baselines on the releases the app makes from imported data: an ``import_imigue`` project
with the real OpenPose skeletons of video 298 (videos of width and height 0) trains end to end;
a diverging run fails at once with its reason; metrics stay valid JSON."""

from __future__ import annotations

import csv
import json
import math
from io import StringIO

import pytest
import torch
from django.core.management import call_command

from annotator.models import BaselineRun, Release
from annotator.release import validate_release
from annotator.services.baselines import release_folder, start_run
from jobs import runner
from jobs.models import Job
from tests.support.paths import IMIGUE_REFERENCE

LABELS = IMIGUE_REFERENCE / "labels_20200831.csv"
NPZ = IMIGUE_REFERENCE / "video298_openpose137.npz"
TINY = [
    "epochs=2",
    "batch_size=16",
    "model_cfg.hidden_size=16",
    "model_cfg.num_layers=1",
    "augment=false",
]

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        not (LABELS.is_file() and NPZ.is_file()),
        reason=f"the real iMiGUE reference files are not in {IMIGUE_REFERENCE}",
    ),
]


@pytest.fixture(autouse=True)
def _no_heartbeat_writes(settings):
    # The test's transaction holds SQLite's write lock while a job trains in this thread; the
    # heartbeat thread's writes would only wait on it and warn.
    settings.JOB_HEARTBEAT_SECONDS = 3600


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine's 2 cores are shared
    yield
    torch.set_num_threads(before)


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


@pytest.fixture
def imported_release(media_root, tmp_path) -> Release:
    """Videos 298 (subject 22, 56 clips) and 166 (subject 51, 9 clips) from iMiGUE's table,
    with OpenPose skeletons, exported as a labels-only release. The only public skeletons are
    video 298's: video 166 borrows them (its clips end within their 21,068 frames) so that the
    cross-subject split has a second subject for its test side."""
    skeletons = tmp_path / "skeletons"
    skeletons.mkdir()
    for video in ("298", "166"):
        (skeletons / f"{video}.npz").symlink_to(NPZ)
    run("create_project", "imigue")
    run(
        "import_imigue",
        str(LABELS),
        project="imigue",
        videos=["298", "166"],
        skeletons=str(skeletons),
    )
    run(
        "export_release",
        project="imigue",
        out=str(media_root / "releases"),
        name="imigue",
        version="1",
    )
    return Release.objects.get()


def test_lstm_trains_on_an_import_imigue_release_with_real_skeletons(imported_release, media_root):
    release = imported_release
    assert release.status == Release.Status.DONE and release.labels_only
    assert release.pose_count == 65
    folder = release_folder(release)
    assert validate_release(folder) == []
    with (folder / "videos.csv").open(newline="") as f:
        sizes = {(r["width"], r["height"]) for r in csv.DictReader(f)}
    assert sizes == {("0", "0")}, "imported videos have no frame size: the case that made NaN"

    out = run("run_baseline", release=release.pk, model="lstm", sets=TINY, wait=True)
    result = json.loads(out)
    run_row = BaselineRun.objects.get(pk=result["run"])
    assert run_row.status == BaselineRun.Status.DONE, run_row.metrics.get("error")
    job = Job.objects.get(pk=result["job"])
    assert (job.state, job.attempts) == ("succeeded", 1)
    assert result["num_train"] + result["num_test"] == 65 and result["num_test"] > 0
    assert 0 <= result["top1"] <= 1 and 0 <= result["mean_class_accuracy"] <= 1
    losses = [point["loss"] for point in run_row.metrics["curve"]]
    assert len(losses) == 2 and all(math.isfinite(x) for x in losses)
    # Strict JSON all the way: the stored metrics and the published metrics.json.
    json.dumps(run_row.metrics, allow_nan=False)
    published = (media_root / run_row.artefacts["metrics"]).read_text()
    json.loads(published, parse_constant=lambda c: pytest.fail(f"{c} in metrics.json"))


def test_a_diverging_run_fails_once_with_its_reason(imported_release):
    run_row = start_run(
        imported_release,
        "lstm",
        {"epochs": 4, "batch_size": 8, "model_cfg.hidden_size": 16, "optimizer.lr": 1e36},
    )
    outcome, _ = runner.execute(run_row.job_id, "test")
    job = Job.objects.get(pk=run_row.job_id)
    run_row.refresh_from_db()
    assert outcome == "failed" and job.attempts == 1, "a diverged run is not retried"
    assert "training loss became" in job.error and "Lower the learning rate" in job.error
    assert run_row.status == BaselineRun.Status.FAILED
    assert run_row.metrics["error_code"] == "non_finite_loss"
    json.dumps(run_row.metrics, allow_nan=False)
