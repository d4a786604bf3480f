from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotator.release import validate_release


class Command(BaseCommand):
    help = (
        "Re-check a release folder (docs/design.md §10): every sha256 of manifest.json, the "
        "schemas, no audio streams and no names, the splits' disjointness. Prints each problem "
        "with its file; exits 1 when there is any."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the release folder (or its .tar)")
        parser.add_argument(
            "--no-audio-check", action="store_true", help="skip ffprobe on the clips"
        )

    def handle(self, path, no_audio_check=False, **_):
        root = Path(path)
        if not root.exists():
            raise CommandError(f"{path} does not exist")
        problems = validate_release(root, check_audio=not no_audio_check)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problem(s) in {root.name}")
        self.stdout.write(f"{root.name}: OK")
