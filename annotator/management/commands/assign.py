from django.core.management.base import BaseCommand, CommandError

from annotator.services.assignment import AssignmentError, assign

from ._helpers import get_project


class Command(BaseCommand):
    help = "Assign every unassigned video of a project to two labelers, balancing load and pairs."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)

    def handle(self, project, **_):
        target = get_project(project)
        try:
            done = assign(target)
        except AssignmentError as exc:
            raise CommandError(str(exc)) from exc
        spread = done.balance
        self.stdout.write(f"{len(done.created) // 2} videos assigned")
        for code, load in spread.load.items():
            self.stdout.write(f"  {code}: {load} videos")
        for (a, b), n in spread.pairs.items():
            self.stdout.write(f"  {a}-{b}: {n} shared")
