"""The Celery app. Queues: `media` (CPU: probe, proxy, cut), `gpu` (faces, poses, training),
`export` (releases). The embedded default runs one worker that consumes all three."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mgstudio.settings")

app = Celery("mgstudio")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

QUEUES = ("media", "gpu", "export")
