import json
import time

from django.core.management.base import BaseCommand, CommandError

from annotator.models import BaselineRun, Release
from annotator.services.baselines import BaselineError, parse_sets, recipes, start_run
from jobs import runner
from jobs.models import Job

DONE_STATES = (Job.State.SUCCEEDED, Job.State.FAILED)


class Command(BaseCommand):
    help = (
        "Train and evaluate a baseline recipe (docs/design.md §11) on a release. Without --wait "
        "the run is queued on the gpu queue and its job id printed; with --wait it runs here, "
        "synchronously, and the metrics are printed as JSON. A rerun of the same job resumes "
        "from its checkpoint."
    )

    def add_arguments(self, parser):
        parser.add_argument("--release", required=True, type=int, help="Release id")
        parser.add_argument("--model", required=True, help=f"recipe: {', '.join(recipes())}")
        parser.add_argument(
            "--set",
            action="append",
            default=[],
            metavar="KEY=VALUE",
            dest="sets",
            help="override a recipe entry, e.g. epochs=5 or model_cfg.hidden_size=64 "
            "(values are JSON when they parse)",
        )
        parser.add_argument("--wait", action="store_true", help="run in this process")

    def handle(self, *args, **options):
        release = Release.objects.filter(pk=options["release"]).first()
        if release is None:
            raise CommandError(f"no release with id {options['release']}")
        try:
            run = start_run(release, options["model"], parse_sets(options["sets"]))
        except BaselineError as exc:
            raise CommandError(str(exc)) from exc
        job_id = run.job_id
        if not options["wait"]:
            self.stdout.write(f"run {run.pk}: job {job_id} queued on the gpu queue")
            return
        self.stderr.write(f"run {run.pk}: job {job_id} running here")
        while True:
            outcome, countdown = runner.execute(job_id, worker_name="run_baseline")
            if outcome == "retry":
                time.sleep(min(countdown, 5))
                continue
            break
        # "skipped": a worker claimed the job first; wait for it.
        while Job.objects.get(pk=job_id).state not in DONE_STATES:
            time.sleep(2)
        run = BaselineRun.objects.get(pk=run.pk)
        if run.status != BaselineRun.Status.DONE:
            raise CommandError(f"run {run.pk} failed: {run.metrics.get('error') or outcome}")
        m = run.metrics
        keys = (
            "top1",
            "top5",
            "mean_class_accuracy",
            "trivial",
            "paper",
            "num_train",
            "num_test",
            "num_classes",
        )
        self.stdout.write(
            json.dumps(
                {"run": run.pk, "job": job_id, "artefacts": run.artefacts}
                | {k: m.get(k) for k in keys},
                sort_keys=True,
            )
        )
