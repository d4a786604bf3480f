"""Baseline runs in the app: start a run on a release (service, API, command), the
gpu-queue job that trains and evaluates in-process (per-epoch curve, metrics, artefacts published
under MEDIA_ROOT/baselines/<run>/), resume of a retried job from its checkpoint, refusals, the
artefact downloads, and the run page in Chromium."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from annotator.models import BaselineRun, Release
from annotator.services.baselines import BaselineError, start_run
from jobs import runner
from jobs.models import Job
from tests.support.factories import AdminFactory, LabelerFactory, ProjectFactory
from tests.support.release_factory import synthetic_release

# Tiny and fast: 48 clips of 6 classes (so Top-5 is defined), a 1-layer 16-unit LSTM, 2 epochs.
TINY = {
    "epochs": 2,
    "batch_size": 16,
    "model_cfg.hidden_size": 16,
    "model_cfg.num_layers": 1,
    "model_cfg.dropout": 0.0,
    "augment": False,
}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine's 2 cores are shared
    yield
    torch.set_num_threads(before)


@pytest.fixture
def release(media_root):
    synthetic_release(media_root / "releases" / "tiny-1", num_classes=6)
    return Release.objects.create(
        project=ProjectFactory(),
        name="tiny",
        version="1",
        path="releases/tiny-1",
        status=Release.Status.DONE,
    )


@pytest.fixture
def admin_client():
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


def run_job(run: BaselineRun) -> str:
    return runner.execute(run.job_id, "test")[0]


@pytest.mark.django_db
def test_run_trains_evaluates_and_publishes(release, media_root, admin_client):
    response = admin_client.post(
        "/api/baseline-runs/",
        {"release": release.pk, "model": "lstm", "overrides": TINY},
        format="json",
    )
    assert response.status_code == 202, response.content
    body = response.json()
    run = BaselineRun.objects.get(pk=body["run"]["id"])
    job = Job.objects.get(pk=body["job"])
    assert (job.queue, job.kind, run.status) == ("gpu", "baseline_run", "pending")
    assert job.params == {"baseline_run": run.pk, "model": "lstm", "overrides": TINY}
    assert job.scope == f"project:{release.project_id}"
    assert run.job_id == job.pk

    assert run_job(run) == "succeeded"
    run.refresh_from_db()
    m = run.metrics
    assert run.status == "done", m
    assert [p["epoch"] for p in m["curve"]] == [1, 2] and m["epochs"] == 2
    assert all(p["loss"] > 0 and 0 <= p["accuracy"] <= 1 for p in m["curve"])
    for key in ("top1", "top5", "mean_class_accuracy"):
        assert 0 <= m[key] <= 1
    assert m["top5"] >= m["top1"]
    assert set(m["trivial"]) >= {"majority_top1", "prior_top5"}
    assert m["paper"] == {"key": "lstm", "top1": 32.36, "top5": 72.93}
    assert len(m["per_class"]) == 6 and m["per_class"][0]["code"] == "C1"
    assert sum(c["support"] for c in m["per_class"]) == m["num_test"] == 24
    assert "confusion" not in m  # kept in the metrics.json artefact only

    out = media_root / "baselines" / str(run.pk)
    assert set(run.artefacts) >= {
        "checkpoint",
        "confusion",
        "per_class",
        "predictions",
        "metrics",
        "history",
    }
    for relative in run.artefacts.values():
        assert (media_root / relative).is_file() and relative.startswith(f"baselines/{run.pk}/")
    assert json.loads((out / "metrics.json").read_text())["top1"] == m["top1"]
    assert not (media_root / "work" / "baselines" / str(run.pk)).exists()
    job.refresh_from_db()
    assert job.state == "succeeded" and job.progress == 1.0 and job.result["top1"] == m["top1"]
    assert "epoch 2/2" in job.log

    detail = admin_client.get(f"/api/baseline-runs/{run.pk}/").json()
    assert detail["status"] == "done" and len(detail["metrics"]["curve"]) == 2
    assert detail["paper"] == {"top1": 32.36, "top5": 72.93} and detail["job_state"] == "succeeded"
    png = admin_client.get(detail["artefacts"]["confusion"])
    assert png.status_code == 200 and b"".join(png.streaming_content)[:4] == b"\x89PNG"
    csv = admin_client.get(f"/api/baseline-runs/{run.pk}/artefacts/per_class/")
    assert b"".join(csv.streaming_content).startswith(b"label,support,correct,recall,predicted")
    part = admin_client.get(detail["artefacts"]["checkpoint"], HTTP_RANGE="bytes=0-9")
    assert part.status_code == 206
    assert admin_client.get(f"/api/baseline-runs/{run.pk}/artefacts/nope/").status_code == 404

    listed = admin_client.get(f"/api/baseline-runs/?project={release.project_id}").json()
    assert [r["id"] for r in listed["results"]] == [run.pk]
    other = admin_client.get(f"/api/baseline-runs/?release={release.pk + 1}").json()
    assert other["results"] == []


@pytest.mark.django_db
def test_retried_job_resumes_from_checkpoint(release, media_root, monkeypatch):
    from baselines import evaluate

    run = start_run(release, "lstm", TINY)
    real = evaluate.write_report
    calls = []

    def flaky(out):
        calls.append(out)
        if len(calls) == 1:
            raise OSError("disk hiccup")
        return real(out)

    monkeypatch.setattr(evaluate, "write_report", flaky)
    assert run_job(run) == "retry"
    run.refresh_from_db()
    assert run.status == "running" and len(run.metrics["curve"]) == 2
    assert (media_root / "work" / "baselines" / str(run.pk) / "checkpoint.pt").is_file()

    assert run_job(run) == "succeeded"  # the checkpoint is after epoch 2: nothing to train
    run.refresh_from_db()
    job = Job.objects.get(pk=run.job_id)
    assert run.status == "done" and [p["epoch"] for p in run.metrics["curve"]] == [1, 2]
    assert "resuming after epoch 2 of 2" in job.log
    assert job.log.count("epoch 2/2: loss") == 1  # epochs were not trained twice


@pytest.mark.django_db
def test_refusals(release, media_root, admin_client):
    url = "/api/baseline-runs/"
    r = admin_client.post(url, {"release": release.pk, "model": "resnet"}, format="json")
    assert r.status_code == 400 and "model" in r.json()
    with pytest.raises(BaselineError, match="unknown model"):
        start_run(release, "resnet")
    r = admin_client.post(
        url,
        {"release": release.pk, "model": "lstm", "overrides": {"epochs": "many"}},
        format="json",
    )
    assert r.status_code == 400 and "epochs" in r.json()["detail"]
    # TSM needs RGB clips, which this skeleton-only release lacks.
    r = admin_client.post(url, {"release": release.pk, "model": "tsm"}, format="json")
    assert r.status_code == 400 and "clips/" in r.json()["detail"]

    unwritten = Release.objects.create(project=release.project, name="draft", version="1")
    r = admin_client.post(url, {"release": unwritten.pk, "model": "lstm"}, format="json")
    assert r.status_code == 400 and "has no folder" in r.json()["detail"]
    gone = Release.objects.create(
        project=release.project, name="gone", version="1", path="releases/gone"
    )
    with pytest.raises(BaselineError, match="is missing"):
        start_run(gone, "lstm")
    assert BaselineRun.objects.count() == 0 and not Job.objects.exists()


@pytest.mark.django_db
def test_release_gone_before_the_job_fails_the_run(release, media_root):
    import shutil

    run = start_run(release, "lstm", TINY)
    shutil.rmtree(media_root / "releases" / "tiny-1")
    assert run_job(run) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "is missing" in run.metrics["error"]
    assert Job.objects.get(pk=run.job_id).state == "failed"


@pytest.mark.django_db
def test_command_queues_or_waits(release):
    out = StringIO()
    call_command("run_baseline", "--release", str(release.pk), "--model", "blstm", stdout=out)
    run = BaselineRun.objects.get()
    assert f"job {run.job_id} queued" in out.getvalue() and run.status == "pending"

    out = StringIO()
    sets = [f"--set={k}={json.dumps(v)}" for k, v in TINY.items()]
    call_command(
        "run_baseline",
        "--release",
        str(release.pk),
        "--model",
        "lstm",
        *sets,
        "--wait",
        stdout=out,
        stderr=StringIO(),
    )
    printed = json.loads(out.getvalue())
    assert 0 <= printed["top1"] <= 1 and printed["top5"] is not None
    assert BaselineRun.objects.get(pk=printed["run"]).status == "done"
    with pytest.raises(CommandError, match="unknown model"):
        call_command("run_baseline", "--release", str(release.pk), "--model", "x")
    with pytest.raises(CommandError, match="KEY=VALUE"):
        call_command(
            "run_baseline", "--release", str(release.pk), "--model", "lstm", "--set", "epochs"
        )


@pytest.mark.django_db
def test_pages_are_for_admins(release, client):
    run = BaselineRun.objects.create(release=release, model_name="lstm")
    labeler = LabelerFactory()
    client.force_login(labeler.user)
    assert client.get(f"/projects/{release.project_id}/baselines/").status_code == 403
    assert client.get(f"/baselines/runs/{run.pk}/").status_code == 403
    client.force_login(AdminFactory())
    page = client.get(f"/projects/{release.project_id}/baselines/")
    assert page.status_code == 200 and b"tiny-1" in page.content and b"usvae" in page.content
    assert client.get(f"/baselines/runs/{run.pk}/").status_code == 200
    api = APIClient()
    api.force_authenticate(labeler.user)
    assert api.get(f"/api/baseline-runs/{run.pk}/").status_code == 403
