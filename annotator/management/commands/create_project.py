from django.core.management.base import BaseCommand, CommandError

from annotator.models import Project
from annotator.services.taxonomy import load_taxonomy_into
from annotator.taxonomy import IMIGUE, TaxonomyError, load_taxonomy_file


class Command(BaseCommand):
    help = "Create a project (or update its taxonomy) with the iMiGUE taxonomy or a JSON one."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--taxonomy", help="taxonomy JSON file (default: iMiGUE)")
        parser.add_argument("--theta", type=float, default=0.5)
        parser.add_argument("--description", default="")

    def handle(self, name, taxonomy=None, theta=0.5, description="", **_):
        try:
            chosen = load_taxonomy_file(taxonomy) if taxonomy else IMIGUE
        except (OSError, TaxonomyError) as exc:
            raise CommandError(str(exc)) from exc
        project, created = Project.objects.get_or_create(
            name=name, defaults={"theta": theta, "description": description}
        )
        try:
            count = load_taxonomy_into(project, chosen)
        except TaxonomyError as exc:
            raise CommandError(str(exc)) from exc
        verb = "created" if created else "updated"
        self.stdout.write(f"project {name} {verb} with {count} categories ({chosen.name})")
