"""The folders the embedded default writes into, made by the programs that start the app.

Settings only read the environment; importing them creates nothing. Each entry point (manage.py,
the WSGI application, the Celery app, the test suite) calls :func:`ensure_data_dirs` once.
"""

from __future__ import annotations

from pathlib import Path


def ensure_data_dirs() -> None:
    from django.conf import settings

    folders = [Path(settings.DATA_DIR), Path(settings.STATIC_ROOT)]
    # The default import root lives in the data folder; roots elsewhere are the operator's.
    folders += [
        Path(r) for r in settings.IMPORT_ROOTS if Path(settings.DATA_DIR) in Path(r).parents
    ]
    if settings.CELERY_BROKER_URL.startswith("filesystem"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders += [Path(options["data_folder_in"]), Path(options["control_folder"])]
    for folder in folders:
        folder.mkdir(parents=True, exist_ok=True)
