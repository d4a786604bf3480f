from django.db import migrations, models


def scope_from_links(apps, schema_editor):
    """Before jobs stopped pointing at domain rows, project and video said what a job was for."""
    Job = apps.get_model("jobs", "Job")
    for job in Job.objects.exclude(project=None).only("pk", "project_id", "video_id"):
        scope = f"project:{job.project_id}"
        if job.video_id:
            scope += f"/video:{job.video_id}"
        Job.objects.filter(pk=job.pk).update(scope=scope)


class Migration(migrations.Migration):
    dependencies = [("jobs", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="job",
            name="scope",
            field=models.CharField(blank=True, db_index=True, max_length=100),
        ),
        migrations.RunPython(scope_from_links, migrations.RunPython.noop),
    ]
