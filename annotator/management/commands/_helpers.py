"""What several management commands share: finding a project, reading a frame rate."""

from fractions import Fraction

from django.core.management.base import CommandError

from annotator.models import Project


def get_project(name: str) -> Project:
    try:
        return Project.objects.get(name=name)
    except Project.DoesNotExist:
        known = ", ".join(Project.objects.values_list("name", flat=True)) or "none"
        raise CommandError(f"no project named {name!r} (known: {known})") from None


def parse_fps(value: str) -> Fraction:
    try:
        fps = Fraction(value)
    except (ValueError, ZeroDivisionError):
        raise CommandError(f"--fps {value!r} is not a number (e.g. 25, 30000/1001)") from None
    if fps <= 0:
        raise CommandError(f"--fps must be positive (got {value})")
    return fps
