from django.core.management.base import BaseCommand, CommandError

from jobs import runner
from jobs.models import Job, within_scope


class Command(BaseCommand):
    help = "List jobs, retry a failed one, or recover jobs whose worker died."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="verb")
        listing = sub.add_parser("list")
        listing.add_argument("--state", choices=Job.State.values)
        listing.add_argument("--kind")
        listing.add_argument("--scope", help='e.g. "project:3" (and everything under it)')
        listing.add_argument("--limit", type=int, default=50)
        retry = sub.add_parser("retry")
        retry.add_argument("ids", nargs="*", type=int)
        retry.add_argument("--all-failed", action="store_true")
        sub.add_parser("reap", help="recover running jobs whose heartbeat went stale")

    def handle(self, verb=None, **options):
        if verb in (None, "list"):
            self._list(
                options.get("state"),
                options.get("kind"),
                options.get("scope"),
                options.get("limit", 50),
            )
        elif verb == "retry":
            failed = Job.objects.filter(state=Job.State.FAILED)
            targets = failed if options["all_failed"] else failed.filter(pk__in=options["ids"])
            missing = set(options["ids"]) - set(targets.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"not failed jobs (or unknown): {sorted(missing)}")
            for job in targets:
                runner.retry_failed(job)
                self.stdout.write(f"job {job.pk} queued again")
        elif verb == "reap":
            for job_id, outcome in runner.reap_lost_jobs():
                self.stdout.write(f"job {job_id}: {outcome}")

    def _list(self, state, kind, scope, limit):
        rows = Job.objects.all()
        if state:
            rows = rows.filter(state=state)
        if kind:
            rows = rows.filter(kind=kind)
        if scope:
            rows = within_scope(rows, scope)
        self.stdout.write(
            f"{'id':>6}  {'kind':<14} {'scope':<22} {'state':<10} {'progress':>8}  error"
        )
        for job in rows[:limit]:
            self.stdout.write(
                f"{job.pk:>6}  {job.kind:<14} {job.scope:<22} {job.state:<10} "
                f"{job.progress:>7.0%}  {job.error[:80]}"
            )
