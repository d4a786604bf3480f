import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from annotator.models import Labeler

from ._helpers import get_project


class Command(BaseCommand):
    help = "Create labeler accounts (L1..Ln by default) and add them to a project."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=5)
        parser.add_argument("--prefix", default="labeler", help="usernames: <prefix>1..n")
        parser.add_argument("--project", help="add the labelers to this project")
        parser.add_argument(
            "--password", help="one password for all (default: a random one each, printed)"
        )

    @transaction.atomic
    def handle(self, count, prefix, project=None, password=None, **_):
        target = get_project(project) if project else None
        users = get_user_model().objects
        for n in range(1, count + 1):
            username, code = f"{prefix}{n}", f"L{n}"
            user = users.filter(username=username).first()
            secret = password or secrets.token_urlsafe(9)
            if user is None:
                user = users.create_user(username=username, password=secret)
                shown = secret
            else:
                shown = "(existing account, password unchanged)"
            labeler, _ = Labeler.objects.get_or_create(user=user, defaults={"code": code})
            if target:
                target.labelers.add(labeler)
            self.stdout.write(f"{labeler.code}\t{username}\t{shown}")
