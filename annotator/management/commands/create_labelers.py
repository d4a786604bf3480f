import re
import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from annotator.models import Labeler
from annotator.services.accounts import AccountError, check_password

from ._helpers import get_project

CODE = re.compile(r"L(\d+)")


def next_code_number() -> int:
    """One past the highest ``L<n>`` code in use, so a second run (with another --prefix, say)
    continues the codes instead of colliding with the first run's."""
    numbers = [
        int(m.group(1))
        for c in Labeler.objects.values_list("code", flat=True)
        if (m := CODE.fullmatch(c))
    ]
    return max(numbers, default=0) + 1


class Command(BaseCommand):
    help = "Create labeler accounts (codes L1..Ln, continuing after existing ones) in a project."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=5)
        parser.add_argument("--prefix", default="labeler", help="usernames: <prefix>1..n")
        parser.add_argument("--project", help="add the labelers to this project")
        parser.add_argument(
            "--password",
            help="one password for all (default: a random one each, printed); it must pass "
            "Django's password validators",
        )

    @transaction.atomic
    def handle(self, count, prefix, project=None, password=None, **_):
        target = get_project(project) if project else None
        users = get_user_model().objects
        number = next_code_number()
        for n in range(1, count + 1):
            username = f"{prefix}{n}"
            user = users.filter(username=username).first()
            if user is None:
                secret = password or secrets.token_urlsafe(12)
                try:
                    check_password(secret, username)
                except AccountError as exc:
                    raise CommandError(f"{username}: {exc.message}") from None
                user = users.create_user(username=username, password=secret)
                shown = secret
            else:
                shown = "(existing account, password unchanged)"
            labeler = Labeler.objects.filter(user=user).first()
            if labeler is None:
                labeler = Labeler.objects.create(user=user, code=f"L{number}")
                number += 1
            if target:
                target.labelers.add(labeler)
            self.stdout.write(f"{labeler.code}\t{username}\t{shown}")
