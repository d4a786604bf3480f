from django.core.management.base import CommandError

from annotator.models import Project


def get_project(name: str) -> Project:
    try:
        return Project.objects.get(name=name)
    except Project.DoesNotExist:
        known = ", ".join(Project.objects.values_list("name", flat=True)) or "none"
        raise CommandError(f"no project named {name!r} (known: {known})") from None
