import time

from django.core.management.base import BaseCommand

from annotator.models import Clip
from annotator.services.processing import process_project, processing_summary

from ._helpers import get_project


class Command(BaseCommand):
    help = "Cut, blur, verify and extract poses of every agreed clip of a project."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--skip-failed", action="store_true", help="do not retry failed clips")
        parser.add_argument("--wait", action="store_true", help="wait until every clip is done")

    def handle(self, project, skip_failed=False, wait=False, **_):
        target = get_project(project)
        started = process_project(target, include_failed=not skip_failed)
        self.stdout.write(f"{len(started)} clips sent to processing")
        while wait and target.clips.filter(status=Clip.Status.PROCESSING).exists():
            time.sleep(1)
        summary = processing_summary(target)
        self.stdout.write(
            " · ".join(f"{n} {status}" for status, n in summary.counts.by_state.items() if n)
        )
        for clip in summary.failed:
            self.stdout.write(f"  clip {clip.pk} (video {clip.video.external_id}): {clip.error}")
