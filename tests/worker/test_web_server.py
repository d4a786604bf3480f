"""The demo's web server under a burst: gunicorn started by scripts/serve.sh, as scripts/demo.sh
starts it, stores all of 200 segment saves sent at once by 5 labelers (Django's development
server reset 61–72 of them), and serves the static files (docs/security.md)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.authtoken.models import Token

from annotator.models import Segment
from tests.support.factories import AssignmentFactory, LabelerFactory, ProjectFactory, VideoFactory
from tests.support.paths import REPO
from tests.support.workers import database_url_for_tests

pytestmark = pytest.mark.django_db(transaction=True)

LABELERS, SAVES_EACH = 5, 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115 - closed below
    env = {
        **os.environ,
        "DATABASE_URL": database_url_for_tests(),
        "MGSTUDIO_DATA_DIR": str(settings.DATA_DIR),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "DJANGO_SECRET_KEY": "burst-test-" + "k" * 40,
        "MGSTUDIO_HTTPS": "0",
        "BIND_HOST": "127.0.0.1",
    }
    proc = subprocess.Popen(
        ["bash", "scripts/serve.sh", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{base}/login/", timeout=5).read()
            break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            assert proc.poll() is None, (tmp_path / "gunicorn.log").read_text()[-3000:]
            time.sleep(0.5)
    else:
        pytest.fail("gunicorn did not answer in 120 s")
    yield base
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)
    log.close()


def _save(base: str, token: str, assignment: int, n: int) -> int:
    body = {"assignment": assignment, "start_frame": n * 10, "end_frame": n * 10 + 5}
    request = urllib.request.Request(
        f"{base}/api/segments/",
        data=json.dumps({**body, "category_code": 1 + n % 31}).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code


def test_two_hundred_simultaneous_saves_are_all_stored(server):
    project = ProjectFactory()
    work = []
    for _ in range(LABELERS):
        labeler = LabelerFactory()
        project.labelers.add(labeler)
        video = VideoFactory(project=project, num_frames=SAVES_EACH * 10 + 10)
        assignment = AssignmentFactory(video=video, labeler=labeler)
        token = Token.objects.create(user=labeler.user).key
        work += [(token, assignment.pk, n) for n in range(SAVES_EACH)]

    with ThreadPoolExecutor(max_workers=len(work)) as pool:
        answers = list(pool.map(lambda w: _save(server, *w), work))

    assert answers.count(201) == len(work) == 200, sorted(set(answers))
    assert Segment.objects.filter(assignment__video__project=project).count() == 200


def test_static_files_are_served(server):
    css = urllib.request.urlopen(f"{server}/static/frontend/app.css", timeout=10)
    assert css.status == 200 and "text/css" in css.headers["Content-Type"]


def test_the_demo_script_serves_through_it():
    demo = (REPO / "scripts" / "demo.sh").read_text()
    assert "bash scripts/serve.sh" in demo and "runserver" not in demo
    assert "celery -A mgstudio worker" in demo  # the worker still starts beside it
    assert Path(REPO / "scripts" / "serve.sh").stat().st_mode & 0o111
