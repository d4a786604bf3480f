"""A real Celery worker process for the tests, on the same database and broker as the test."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.support.paths import REPO


def database_url_for_tests() -> str:
    """The URL of the test database pytest-django created (not the configured one)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or ""
    auth = f"{user}:{db.get('PASSWORD') or ''}@" if user else ""
    return f"postgres://{auth}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


class WorkerProcess:
    def __init__(self, name: str, extra_env: dict[str, str] | None = None, named: bool = True):
        """``named=False`` starts it as an operator would with a bare ``celery -A mgstudio
        worker``: no ``-n``, so every such worker on this host is ``celery@<host>``."""
        self.name = name
        self.hostname = f"{name}@test" if named else f"celery@{socket.gethostname()}"
        self.log_path = Path(settings.DATA_DIR) / f"worker-{name}.log"
        env = dict(os.environ)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": "mgstudio.settings",
                "DATABASE_URL": database_url_for_tests(),
                "MGSTUDIO_DATA_DIR": str(settings.DATA_DIR),
                "MEDIA_ROOT": str(settings.MEDIA_ROOT),
                "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
                "PYTHONUNBUFFERED": "1",
                "MGSTUDIO_JOB_HEARTBEAT_SECONDS": "1",
                "MGSTUDIO_JOB_RETRY_BACKOFF_SECONDS": "0.5",
            }
        )
        env.update(extra_env or {})
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "mgstudio",
                "worker",
                "-Q",
                "media,gpu,export",
                "-c",
                "1",
                "--pool",
                "prefork",
                *(["-n", self.hostname] if named else []),
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-l",
                "INFO",
            ],
            cwd=REPO,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        """Until the worker has logged "ready." and answers on the control channel: the CLI's
        ``--wait`` asks the workers there, and on a loaded machine a worker that has just logged
        "ready." can stay silent longer than the CLI waits."""
        from jobs.tasks import run_job

        deadline = time.monotonic() + timeout
        logged = False
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"worker exited early:\n{self.read_log()}")
            logged = logged or b" ready." in self.log_path.read_bytes()
            if logged and run_job.app.control.ping(destination=[self.hostname], timeout=3.0):
                return
            time.sleep(0.2)
        raise RuntimeError(f"worker not answering after {timeout}s:\n{self.read_log()}")

    def read_log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def child_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        ).stdout
        return [int(p) for p in out.split()]

    def kill_child(self) -> int:
        """SIGKILL the pool process running the task (the parent survives and notices)."""
        children = self.child_pids()
        assert children, "the worker has no pool process"
        os.kill(children[0], signal.SIGKILL)
        return children[0]

    def kill_all(self) -> None:
        """SIGKILL the whole worker, parent and children, as an OOM killer or power loss would."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        self.log.close()


@pytest.fixture
def celery_worker(transactional_db):
    """Start worker processes on demand: `celery_worker()` returns a running WorkerProcess."""
    started: list[WorkerProcess] = []

    def start(name: str = "w1", named: bool = True, **extra_env: str) -> WorkerProcess:
        worker = WorkerProcess(name, extra_env, named)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def wait_for_jobs():
    from jobs.models import Job

    def wait(job_ids, timeout: float = 120, worker: WorkerProcess | None = None):
        deadline = time.monotonic() + timeout
        ids = list(job_ids)
        while time.monotonic() < deadline:
            if not Job.objects.filter(pk__in=ids, state__in=Job.ACTIVE_STATES).exists():
                return {j.pk: j for j in Job.objects.filter(pk__in=ids)}
            time.sleep(0.3)
        states = list(Job.objects.filter(pk__in=ids).values("pk", "state", "log"))
        log = worker.read_log()[-4000:] if worker else ""
        raise AssertionError(f"jobs still active after {timeout}s: {states}\n{log}")

    return wait
