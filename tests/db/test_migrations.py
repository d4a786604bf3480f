"""From the schema before the jobs app (jobs pointed at their project and video; clips, baseline
runs and agreement runs found their jobs through JSON) to today's, where each domain row owns a
foreign key to its job. Run on the real database of the suite (SQLite or PostgreSQL)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("annotator", "0007_clip_file_digests"), ("jobs", "0001_initial")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_links_survive_the_move_from_job_fields_to_domain_foreign_keys():
    old = _migrate(BEFORE)
    assert "pipeline_job" in connection.introspection.table_names()
    Job = old.get_model("jobs", "Job")
    Project = old.get_model("annotator", "Project")
    Video = old.get_model("annotator", "Video")
    Category = old.get_model("annotator", "Category")
    Clip = old.get_model("annotator", "Clip")
    Release = old.get_model("annotator", "Release")
    BaselineRun = old.get_model("annotator", "BaselineRun")
    AgreementRun = old.get_model("annotator", "AgreementRun")

    project = Project.objects.create(name="before")
    video = Video.objects.create(project=project, external_id="v1", num_frames=100, fps=25)
    Job.objects.create(kind="ingest", project=project, video=video, state="failed")
    reingest = Job.objects.create(kind="ingest", project=project, video=video)
    category = Category.objects.create(
        project=project, code=1, name="C1", group="Body", label_index=0
    )
    clip = Clip.objects.create(
        project=project,
        video=video,
        start_frame=1,
        end_frame=5,
        category=category,
        origin="matched",
    )
    cut = Job.objects.create(
        kind="clip_cut", project=project, video=video, params={"clip": clip.pk}
    )
    privacy = Job.objects.create(
        kind="clip_privacy", project=project, video=video, params={"clip": clip.pk, "chain": cut.pk}
    )
    release = Release.objects.create(project=project, name="r", version="1")
    release_job = Job.objects.create(
        kind="release", project=project, params={"release": release.pk}
    )
    release.job = release_job
    release.save()
    training = Job.objects.create(kind="baseline_run", project=project, params={})
    run = BaselineRun.objects.create(
        release=release, model_name="lstm", config={"job": training.pk, "recipe": {"epochs": 2}}
    )
    orphan = BaselineRun.objects.create(release=release, model_name="lstm", config={"job": 999_999})
    agreement = AgreementRun.objects.create(project=project, theta=0.5, rule_version="r1")
    computed = Job.objects.create(
        kind="agreement", project=project, params={"theta": None}, result={"run": agreement.pk}
    )

    new = _migrate(_latest_targets())
    tables = connection.introspection.table_names()
    assert "jobs_job" in tables and "pipeline_job" not in tables
    Job = new.get_model("jobs", "Job")
    assert {f.name for f in Job._meta.get_fields()} >= {"scope", "params"}
    assert not {"project", "video"} & {f.name for f in Job._meta.get_fields()}

    def row(model: str, pk: int):
        return new.get_model("annotator", model).objects.get(pk=pk)

    assert row("Video", video.pk).ingest_job_id == reingest.pk
    assert row("Clip", clip.pk).processing_job_id == privacy.pk
    assert row("Release", release.pk).job_id == release_job.pk
    runs = new.get_model("annotator", "BaselineRun").objects
    assert runs.get(pk=run.pk).job_id == training.pk
    assert runs.get(pk=run.pk).config == {"recipe": {"epochs": 2}}
    assert runs.get(pk=orphan.pk).job_id is None
    agreement_runs = new.get_model("annotator", "AgreementRun").objects
    assert agreement_runs.get(pk=agreement.pk).job_id == computed.pk

    scopes = dict(Job.objects.values_list("pk", "scope"))
    assert scopes[reingest.pk] == f"project:{project.pk}/video:{video.pk}"
    assert scopes[release_job.pk] == f"project:{project.pk}"
    params = dict(Job.objects.values_list("pk", "params"))
    assert params[reingest.pk] == {"video": video.pk}
    assert params[computed.pk] == {"theta": None, "project": project.pk}
    # New rows continue after the moved ones (PostgreSQL keeps the table's sequence).
    assert Job.objects.create(kind="ingest").pk > computed.pk


def _latest_targets():
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
