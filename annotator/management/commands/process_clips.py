from django.core.management.base import BaseCommand, CommandError

from annotator.errors import DomainError
from annotator.services.processing import process_project, processing_summary

from ._helpers import get_project
from ._wait import (
    PROCESSING_QUEUES,
    add_inline_argument,
    clip_chains,
    run_here_or_wait,
    wait_for_jobs,
)


class Command(BaseCommand):
    help = "Cut, blur, verify and extract poses of every agreed clip of a project."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)
        parser.add_argument("--skip-failed", action="store_true", help="do not retry failed clips")
        parser.add_argument("--wait", action="store_true", help="wait until every clip is done")
        add_inline_argument(parser)

    def handle(self, project, skip_failed=False, wait=False, inline=None, **_):
        target = get_project(project)
        here = run_here_or_wait(self, PROCESSING_QUEUES, inline) if wait else False
        try:
            started = process_project(target, include_failed=not skip_failed)
        except DomainError as exc:  # e.g. the pose backend cannot load: nothing was started
            raise CommandError(f"{exc.message} [{exc.code}]") from exc
        self.stdout.write(f"{len(started)} clips sent to processing")
        if wait:
            wait_for_jobs(
                self, *clip_chains(target), here=here, inline=inline, name="process_clips"
            )
        summary = processing_summary(target)
        self.stdout.write(
            " · ".join(f"{n} {status}" for status, n in summary.counts.by_state.items() if n)
        )
        for group in summary.errors:  # each distinct error once, with the clips it affects
            clips = ", ".join(str(pk) for pk in group.clips)
            stage = f"{group.stage}: " if group.stage else ""
            self.stdout.write(f"  {stage}{group.message} (clips {clips})")
