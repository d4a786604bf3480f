"""The domain's periodic Celery task (the job tasks live in ``jobs.tasks``)."""

from celery import shared_task
from django.conf import settings

from annotator.services.ingest import purge_stale_uploads as purge


@shared_task(name="annotator.purge_stale_uploads", ignore_result=True)
def purge_stale_uploads() -> list:
    return purge(settings.UPLOAD_STALE_AFTER_SECONDS)
