from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.metadata import MetadataError
from annotator.services.ingest import IngestError, import_folder
from jobs.models import Job

from ._helpers import get_project
from ._wait import INGEST_QUEUES, add_inline_argument, jobs_of, run_here_or_wait, wait_for_jobs


class Command(BaseCommand):
    help = "Import a server folder of videos with a metadata CSV; each video is then ingested."

    def add_arguments(self, parser):
        parser.add_argument("folder")
        parser.add_argument("--metadata", required=True, help="CSV: video_id, subject_id, ...")
        parser.add_argument("--project", required=True)
        parser.add_argument(
            "--wait", action="store_true", help="wait until every ingest job has ended"
        )
        add_inline_argument(parser)

    def handle(self, folder, metadata, project, wait=False, inline=None, **_):
        target = get_project(project)
        here = run_here_or_wait(self, INGEST_QUEUES, inline) if wait else False
        try:
            text = Path(metadata).read_text(encoding="utf-8")
            # The operator's shell can read this folder anyway: it is this import's root, and
            # the rows stay inside it. The API is held to MGSTUDIO_IMPORT_ROOTS instead.
            report = import_folder(target, Path(folder), text, roots=[Path(folder)])
        except (OSError, MetadataError, IngestError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{len(report.created)} videos queued for ingest")
        for video in report.rejected:
            self.stdout.write(f"  rejected {video.external_id}: {video.error}")
        for line in report.skipped:
            self.stdout.write(f"  skipped {line}")
        if wait and report.jobs:
            ids = [j.pk for j in report.jobs]
            wait_for_jobs(self, *jobs_of(ids), here=here, inline=inline, name="import_videos")
            names = {video.pk: video.external_id for video in report.created}
            for job in Job.objects.filter(pk__in=ids):
                line = f"  {names.get(job.params.get('video'), '?')}: {job.state}"
                self.stdout.write(line + (f" ({job.error})" if job.error else ""))
