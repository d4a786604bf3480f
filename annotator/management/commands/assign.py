from django.core.management.base import BaseCommand, CommandError

from annotator.assignment import load_per_labeler, videos_per_pair
from annotator.models import Labeler
from annotator.services.assignment import AssignmentError, assign_unassigned, existing_pairs

from ._helpers import get_project


class Command(BaseCommand):
    help = "Assign every unassigned video of a project to two labelers, balancing load and pairs."

    def add_arguments(self, parser):
        parser.add_argument("--project", required=True)

    def handle(self, project, **_):
        target = get_project(project)
        try:
            created = assign_unassigned(target)
        except AssignmentError as exc:
            raise CommandError(str(exc)) from exc
        codes = dict(Labeler.objects.values_list("pk", "code"))
        pairs = existing_pairs(target)
        self.stdout.write(f"{len(created) // 2} videos assigned")
        for labeler_id, load in sorted(load_per_labeler(pairs).items()):
            self.stdout.write(f"  {codes[labeler_id]}: {load} videos")
        for (a, b), n in sorted(videos_per_pair(pairs).items()):
            self.stdout.write(f"  {codes[a]}-{codes[b]}: {n} shared")
