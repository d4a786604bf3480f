"""The job stops pointing at domain rows (they point at it now: annotator 0008) and moves from
the old app's table to its own."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("jobs", "0002_job_scope"),
        ("annotator", "0008_domain_rows_own_their_job"),
    ]

    operations = [
        migrations.RemoveField(model_name="job", name="project"),
        migrations.RemoveField(model_name="job", name="video"),
        migrations.AlterModelTable(name="job", table=None),
        migrations.RenameIndex(
            model_name="job",
            new_name="jobs_job_state_d7ed30_idx",
            old_name="pipeline_jo_state_2d6d26_idx",
        ),
    ]
