"""Settings only read the environment: importing them (and setting Django up) writes nothing."""

import subprocess
import sys

from tests.support.paths import REPO


def test_importing_the_settings_creates_no_folder(tmp_path):
    data_dir = tmp_path / "not-yet"
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'mgstudio.settings'; "
        "django.setup(); from django.conf import settings; print(settings.DATA_DIR)"
    )
    env = {"PATH": "/usr/bin:/bin", "MGSTUDIO_DATA_DIR": str(data_dir)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == str(data_dir)
    assert not data_dir.exists()


def test_the_entry_points_make_the_data_folders(tmp_path):
    data_dir = tmp_path / "data"
    env = {"PATH": "/usr/bin:/bin", "MGSTUDIO_DATA_DIR": str(data_dir)}
    subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=REPO, env=env, capture_output=True, check=True
    )
    assert (data_dir / "static").is_dir()
    assert (data_dir / "broker" / "queue").is_dir()
    assert (data_dir / "broker" / "control").is_dir()
    assert (data_dir / "import").is_dir()  # the default import root (MGSTUDIO_IMPORT_ROOTS)
