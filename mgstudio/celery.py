"""The Celery app. Which job runs on which queue is declared once, in ``jobs.kinds``; the
embedded default runs one worker that consumes every queue."""

import os

from celery import Celery, signals

from mgstudio.data_dirs import ensure_data_dirs

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")

app = Celery("mgstudio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
@signals.beat_init.connect
def _make_data_dirs(**_) -> None:
    ensure_data_dirs()
