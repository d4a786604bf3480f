"""The documented production configuration passes ``check --deploy``; the published development
key is refused outside manage.py's development server; HTTPS and the API docs follow the
environment (docs/security.md, "Production settings")."""

from __future__ import annotations

import secrets
import subprocess
import sys

import pytest

from tests.support.paths import REPO

DEV_KEY = "mgstudio-dev-only-not-secret"


def production_env(tmp_path, **extra: str) -> dict[str, str]:
    """What docker-compose.yml sets for the web service, as the README documents it."""
    env = {
        "PATH": "/usr/bin:/bin",
        "MGSTUDIO_DATA_DIR": str(tmp_path / "data"),
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "mg.example.org",
        "MGSTUDIO_ALLOW_DEV_SECRET": "0",
        "MGSTUDIO_TRUST_X_FORWARDED_PROTO": "1",
    }
    return {**env, **extra}


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def settings_of(env: dict[str, str], *names: str) -> list[str]:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mgstudio.settings'; "
        "django.setup(); from django.conf import settings; "
        f"print(*[repr(getattr(settings, n, None)) for n in {list(names)!r}], sep='|')"
    )
    out = run([sys.executable, "-c", code], env)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip().splitlines()[-1].split("|")


def test_check_deploy_is_clean_in_the_documented_production_configuration(tmp_path):
    out = run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        production_env(tmp_path),
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "no issues" in out.stdout


def test_production_defaults_are_https_only_and_publish_no_api_map(tmp_path):
    names = ("SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE",
             "SECURE_HSTS_SECONDS", "SECURE_PROXY_SSL_HEADER", "API_DOCS")  # fmt: skip
    values = settings_of(production_env(tmp_path), *names)
    assert values == ["True", "True", "True", "31536000", "('HTTP_X_FORWARDED_PROTO', 'https')",
                      "False"]  # fmt: skip
    resolve = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mgstudio.settings'; "
        "django.setup(); from django.urls import resolve, Resolver404\n"
        "for path in ('/api/schema/', '/api/docs/'):\n"
        "    try: resolve(path); print('served', path)\n"
        "    except Resolver404: print('absent', path)"
    )
    out = run([sys.executable, "-c", resolve], production_env(tmp_path))
    assert out.stdout.split() == ["absent", "/api/schema/", "absent", "/api/docs/"], out.stderr
    shown = run([sys.executable, "-c", resolve], production_env(tmp_path, MGSTUDIO_API_DOCS="1"))
    assert shown.stdout.split() == ["served", "/api/schema/", "served", "/api/docs/"]


def test_the_embedded_default_stays_on_plain_http(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "MGSTUDIO_DATA_DIR": str(tmp_path / "data")}
    assert settings_of(env, "SECURE_SSL_REDIRECT", "SESSION_COOKIE_SECURE", "API_DOCS") == [
        "False",
        "False",
        "True",
    ]


@pytest.mark.parametrize(
    "extra",
    [{"DJANGO_SECRET_KEY": ""}, {"DJANGO_SECRET_KEY": DEV_KEY}],
    ids=["no key", "the published key"],
)
def test_production_refuses_to_start_without_a_key_of_its_own(tmp_path, extra):
    out = run([sys.executable, "manage.py", "check"], production_env(tmp_path, **extra))
    assert out.returncode != 0
    assert "DJANGO_SECRET_KEY" in out.stderr


def test_a_wsgi_server_refuses_the_development_key(tmp_path):
    """gunicorn imports mgstudio.wsgi: with no key set, it must not serve on the published one."""
    env = {"PATH": "/usr/bin:/bin", "MGSTUDIO_DATA_DIR": str(tmp_path / "data")}
    out = run([sys.executable, "-c", "import mgstudio.wsgi"], env)
    assert out.returncode != 0 and "published development key" in out.stderr
    keyed = run(
        [sys.executable, "-c", "import mgstudio.wsgi"], {**env, "DJANGO_SECRET_KEY": "k" * 50}
    )
    assert keyed.returncode == 0, keyed.stderr
