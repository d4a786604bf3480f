"""Playwright (sync API) fixtures for the browser tests, driving Debian's Chromium.

Fixtures: ``browser`` (session-scoped Chromium) and ``ui_page`` (a fresh context and page per
test, whose uncaught JavaScript errors are collected in ``ui_page.js_errors``). Helpers:
``login(page, base_url, username, password)``, ``create_admin(...)``, ``create_labeler(...)``.

Playwright's sync API keeps an asyncio loop running in the test's thread, which makes Django
refuse ORM calls there ("SynchronousOnlyOperation"). The tests' own ORM calls are plain
synchronous code, so ``browser`` sets DJANGO_ALLOW_ASYNC_UNSAFE while it is open.
"""

from __future__ import annotations

import os
import shutil

import pytest

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
DEFAULT_TIMEOUT_MS = 15_000
PASSWORD = "correct-horse-battery"


def chromium_path() -> str | None:
    return (
        os.environ.get("MGSTUDIO_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
    )


@pytest.fixture(scope="session")
def browser():
    from playwright import sync_api

    executable = chromium_path()
    if not executable:
        # A missing browser must not pass silently: scripts/install.sh --test installs it.
        pytest.fail("no Chromium found (install Debian's chromium or set MGSTUDIO_CHROMIUM)")
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    playwright = sync_api.sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def ui_page(browser):
    """A page in its own browser context (own cookies), closed after the test."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    page = context.new_page()
    page.js_errors = []
    page.on("pageerror", lambda exc: page.js_errors.append(str(exc)))
    try:
        yield page
    finally:
        context.close()


def login(page, base_url: str, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form and wait until the app has redirected away from it."""
    page.goto(f"{base_url}/login/")
    page.get_by_label("User name").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/login/" not in url)


def create_admin(username: str = "admin", password: str = PASSWORD):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=username, password=password, is_staff=True)


def create_labeler(username: str, code: str, projects=(), password: str = PASSWORD):
    """A labeler: a non-staff user with a Labeler row, member of the given projects."""
    from django.contrib.auth import get_user_model

    from annotator.models import Labeler

    user = get_user_model().objects.create_user(username=username, password=password)
    labeler = Labeler.objects.create(user=user, code=code)
    for project in projects:
        project.labelers.add(labeler)
    return labeler


UI_UPLOAD_CHUNK = 1024  # small, so the test clips take several chunks


@pytest.fixture
def upload_settings(settings):
    settings.UPLOAD_CHUNK_BYTES = UI_UPLOAD_CHUNK
    return settings


@pytest.fixture
def project():
    from annotator.models import Project

    return Project.objects.create(name="Demo")
