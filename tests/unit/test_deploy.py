"""The scale-out files agree with the app (no Docker engine runs here: they are read, not run)."""

import re

import yaml

from tests.support.paths import REPO


def _compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_has_the_services_of_the_design():
    services = _compose()["services"]
    assert {"db", "redis", "web", "worker-media", "worker-gpu", "proxy"} <= set(services)
    gpu = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"][0]
    assert gpu["driver"] == "nvidia" and "gpu" in gpu["capabilities"]
    assert "-Q gpu" in services["worker-gpu"]["command"]
    assert "-Q media" in services["worker-media"]["command"]


def test_app_services_use_postgres_redis_and_the_protected_media_prefix():
    compose = _compose()
    for name in ("web", "worker-media", "worker-gpu"):
        env = compose["services"][name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["CELERY_BROKER_URL"].startswith("redis://")
    prefix = compose["services"]["web"]["environment"]["MEDIA_ACCEL_REDIRECT_PREFIX"]
    nginx = (REPO / "deploy" / "nginx.conf").read_text()
    block = re.search(rf"location {re.escape(prefix)}/ \{{(.*?)\}}", nginx, re.S)
    assert block and "internal;" in block.group(1), "media is served only after Django authorises"


def test_every_setting_the_compose_file_sets_is_read_by_the_settings():
    settings_text = (REPO / "mgstudio" / "settings.py").read_text()
    env = _compose()["services"]["web"]["environment"]
    for name in env:
        assert f'"{name}"' in settings_text, f"{name} is set in docker-compose.yml but never read"


def test_admins_import_only_from_a_read_only_import_folder():
    compose = _compose()
    for name in ("web", "worker-media"):
        service = compose["services"][name]
        assert service["environment"]["MGSTUDIO_IMPORT_ROOTS"] == "/data/import"
        mounts = [v for v in service["volumes"] if v.split(":")[-2:] == ["/data/import", "ro"]]
        assert mounts, f"{name}: the import folder is mounted read-only"
