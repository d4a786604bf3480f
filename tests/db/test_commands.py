"""The admin CLI: everything scriptable (point 10)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from annotator.models import Assignment, Labeler, Project
from jobs.models import Job
from tests.support.factories import ProjectFactory, VideoFactory


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, **options)
    return out.getvalue()


@pytest.mark.django_db
def test_create_project_with_imigue_taxonomy_and_labelers():
    assert "32 categories" in run("create_project", "iMiGUE-2")
    project = Project.objects.get(name="iMiGUE-2")
    assert project.categories.get(code=99).label_index == 31
    out = run("create_labelers", project="iMiGUE-2", count=5)
    assert [line.split("\t")[0] for line in out.splitlines()] == ["L1", "L2", "L3", "L4", "L5"]
    assert project.labelers.count() == 5
    again = run("create_labelers", project="iMiGUE-2", count=5)
    assert "password unchanged" in again and Labeler.objects.count() == 5


@pytest.mark.django_db
def test_assign_balances_load_and_covers_every_pair():
    project = ProjectFactory(name="p")
    run("create_labelers", project="p", count=5, password="secret-pass")
    for n in range(12):
        VideoFactory(project=project, external_id=str(n))
    out = run("assign", project="p")
    assert "12 videos assigned" in out
    loads = [Assignment.objects.filter(labeler__code=f"L{n}").count() for n in range(1, 6)]
    assert sum(loads) == 24 and max(loads) - min(loads) <= 1
    pair_lines = [line for line in out.splitlines() if "shared" in line]
    assert len(pair_lines) == 10  # all C(5,2) pairs share at least one video
    assert "0 videos assigned" in run("assign", project="p")  # idempotent


@pytest.mark.django_db
def test_assign_needs_two_labelers_and_a_known_project():
    ProjectFactory(name="lonely")
    with pytest.raises(CommandError, match="at least two active labelers"):
        run("assign", project="lonely")
    with pytest.raises(CommandError, match="no project named 'nope'"):
        run("assign", project="nope")


@pytest.mark.django_db
def test_jobs_list_and_retry():
    failed = Job.objects.create(kind="ingest", state="failed", error="boom", attempts=3)
    done = Job.objects.create(kind="ingest", state="succeeded")
    listing = run("jobs", "list", state="failed")
    assert f"{failed.pk:>6}  ingest" in listing and "boom" in listing
    assert f"{done.pk:>6}" not in listing
    assert f"job {failed.pk} queued again" in run("jobs", "retry", str(failed.pk))
    failed.refresh_from_db()
    assert (failed.state, failed.attempts) == ("queued", 0)
    with pytest.raises(CommandError, match="not failed"):
        run("jobs", "retry", str(done.pk))


@pytest.mark.django_db
def test_import_videos_refuses_a_missing_folder(tmp_path):
    ProjectFactory(name="p")
    meta = tmp_path / "m.csv"
    meta.write_text("video_id\n1\n")
    with pytest.raises(CommandError, match="import folder not found"):
        run("import_videos", str(tmp_path / "nope"), metadata=str(meta), project="p")


def test_openapi_schema_is_valid_without_warnings():
    out = StringIO()
    call_command("spectacular", "--validate", "--fail-on-warn", stdout=out)
    assert "/api/segments/" in out.getvalue() and "/api/uploads/{id}/chunk/" in out.getvalue()
