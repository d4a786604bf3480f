"""Test configuration shared by the whole suite.

The suite runs twice in CI: on the embedded default (SQLite + filesystem broker) and on this
machine's PostgreSQL + Redis (DATABASE_URL / CELERY_BROKER_URL set by the test script). Each run
gets its own data folder, so media, broker queues and the SQLite file never leak between runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.support.workers", "tests.support.browser"]


@pytest.fixture(autouse=True, scope="session")
def _data_dirs():
    from mgstudio.data_dirs import ensure_data_dirs

    ensure_data_dirs()


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # PBKDF2's deliberate slowness costs ~0.5 s per user; tests need no such protection.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path) -> Path:
    """Each test writes media into its own folder (worker processes it starts use it too)."""
    root = tmp_path / "media"
    root.mkdir()
    settings.MEDIA_ROOT = root
    return root


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()
