"""Each domain row with a job owns one foreign key to it (docs/design.md §13).

Before, jobs pointed at their project and video, clips found their stage jobs through a JSON
"chain" id, baseline runs kept their job's id in ``config``, and agreement runs were found from the
job's result. This migration adds the foreign keys and fills them from those old links, while the
job table still has its project and video columns (jobs 0003 drops them afterwards).
"""

import django.db.models.deletion
from django.db import migrations, models

CLIP_STAGE_KINDS = ("clip_cut", "clip_privacy", "clip_poses")


def link_rows_to_their_jobs(apps, schema_editor):
    Job = apps.get_model("jobs", "Job")
    Video = apps.get_model("annotator", "Video")
    Clip = apps.get_model("annotator", "Clip")
    BaselineRun = apps.get_model("annotator", "BaselineRun")
    AgreementRun = apps.get_model("annotator", "AgreementRun")

    latest_ingest: dict[int, int] = {}
    for job_id, video_id in (
        Job.objects.filter(kind="ingest").exclude(video=None).order_by("pk")
        .values_list("pk", "video_id")
    ):
        latest_ingest[video_id] = job_id
    for video_id, job_id in latest_ingest.items():
        Video.objects.filter(pk=video_id).update(ingest_job_id=job_id)

    latest_stage: dict[int, int] = {}
    for job_id, params in (
        Job.objects.filter(kind__in=CLIP_STAGE_KINDS).order_by("pk").values_list("pk", "params")
    ):
        clip_id = (params or {}).get("clip")
        if isinstance(clip_id, int):
            latest_stage[clip_id] = job_id
    for clip_id, job_id in latest_stage.items():
        Clip.objects.filter(pk=clip_id).update(processing_job_id=job_id)

    existing = set(Job.objects.values_list("pk", flat=True))
    for run in BaselineRun.objects.all():
        config = dict(run.config or {})
        job_id = config.pop("job", None)
        run.job_id = job_id if job_id in existing else None
        run.config = config
        run.save(update_fields=["job", "config"])

    for job_id, result in Job.objects.filter(kind="agreement").values_list("pk", "result"):
        run_id = (result or {}).get("run")
        if isinstance(run_id, int):
            AgreementRun.objects.filter(pk=run_id).update(job_id=job_id)

    # Jobs now read what they work on from their parameters, not from the job row's links.
    for job in Job.objects.filter(kind__in=("ingest", "import_folder", "agreement")):
        params = dict(job.params or {})
        if job.kind == "ingest" and job.video_id:
            params.setdefault("video", job.video_id)
        elif job.project_id:
            params.setdefault("project", job.project_id)
        Job.objects.filter(pk=job.pk).update(params=params)


class Migration(migrations.Migration):
    dependencies = [
        ("annotator", "0007_clip_file_digests"),
        ("jobs", "0002_job_scope"),
    ]

    operations = [
        migrations.AddField(
            model_name="agreementrun",
            name="job",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="jobs.job",
            ),
        ),
        migrations.AddField(
            model_name="baselinerun",
            name="job",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="jobs.job",
            ),
        ),
        migrations.AddField(
            model_name="clip",
            name="processing_job",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="jobs.job",
            ),
        ),
        migrations.AddField(
            model_name="video",
            name="ingest_job",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL,
                related_name="+", to="jobs.job",
            ),
        ),
        migrations.RunPython(link_rows_to_their_jobs, migrations.RunPython.noop),
    ]
