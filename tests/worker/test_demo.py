"""The README's promise: one command gives a demo project that is probed, proxied and assigned."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from annotator.assignment import videos_per_pair
from annotator.models import Project, Video
from annotator.services.assignment import existing_pairs
from jobs.models import Job

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_setup_demo_gives_ten_ingested_videos_assigned_to_five_labelers(
    celery_worker, wait_for_jobs
):
    worker = celery_worker()
    out = StringIO()
    call_command("setup_demo", stdout=out)
    project = Project.objects.get(name="demo")
    assert project.categories.count() == 32 and project.labelers.count() == 5
    users = get_user_model().objects
    assert users.get(username="admin").is_staff
    assert all(f"labeler{n}" in out.getvalue() for n in range(1, 6))  # credentials printed

    finished = wait_for_jobs(Job.objects.values_list("pk", flat=True), timeout=300, worker=worker)
    assert {job.state for job in finished.values()} == {"succeeded"}
    videos = Video.objects.filter(project=project)
    assert videos.count() == 10 and set(videos.values_list("status", flat=True)) == {"ready"}
    pairs = videos_per_pair(existing_pairs(project))
    assert len(pairs) == 10 and set(pairs.values()) == {1}

    again = StringIO()
    call_command("setup_demo", stdout=again)  # idempotent: nothing added twice
    assert Video.objects.filter(project=project).count() == 10
