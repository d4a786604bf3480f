"""Sign-in attacks: guessing passwords, weak passwords, tokens that outlive a password or an
account (docs/security.md, "Sign-in and tokens")."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from annotator.models import Labeler
from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

RIGHT = "password123"


def _token(client: APIClient, username: str, password: str = RIGHT, **extra):
    return client.post(
        "/api/auth/token/", {"username": username, "password": password}, format="json", **extra
    )


@pytest.fixture
def labeler_world():
    project = ProjectFactory()
    labeler = LabelerFactory()
    project.labelers.add(labeler)
    assignment = AssignmentFactory(video=VideoFactory(project=project), labeler=labeler)
    return labeler, assignment


def _sign_in(client, username: str) -> None:
    """Through the login page, as a browser does (a session cookie)."""
    page = client.post("/login/", {"username": username, "password": RIGHT})
    assert page.status_code == 302, page.content


def _refused_token(answer) -> bool:
    """DRF answers a bad token with 403 here (session authentication comes first, and it has no
    WWW-Authenticate challenge), coded authentication_failed."""
    return answer.status_code == 403 and answer.json()["code"] == "authentication_failed"


def _save_segment(client, assignment, start: int = 10):
    body = {"assignment": assignment.pk, "start_frame": start, "end_frame": start + 5}
    return client.post("/api/segments/", {**body, "category_code": 1}, format="json")


def test_a_hundred_wrong_passwords_lock_the_token_endpoint(settings):
    settings.AXES_FAILURE_LIMIT = 5
    user = LabelerFactory().user
    client = APIClient()
    answers = [_token(client, user.username, f"guess{n}").status_code for n in range(100)]
    assert answers[:4] == [400] * 4  # wrong, and counted
    assert set(answers[4:]) == {429}  # the fifth failure locks the account for this address
    locked = _token(client, user.username)  # the right password, too late
    assert locked.status_code == 429
    assert locked.json()["code"] == "locked_out" and "Too many failed" in locked.json()["detail"]
    # Another address is not locked out: one guesser cannot lock a labeler out everywhere.
    assert _token(client, user.username, REMOTE_ADDR="10.9.8.7").status_code == 200


def test_the_login_page_locks_after_the_limit_and_shows_why(settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = AdminFactory()
    browser = Client()
    for n in range(10):
        browser.post("/login/", {"username": user.username, "password": f"guess{n}"})
    page = browser.post("/login/", {"username": user.username, "password": RIGHT})
    assert page.status_code == 429
    assert "Too many failed sign-ins" in page.content.decode()
    assert "_auth_user_id" not in browser.session  # not signed in
    # The token endpoint shares the count: the same account from the same address is locked.
    assert _token(APIClient(), user.username).status_code == 429


def test_the_lock_ends_after_the_cool_off_and_success_resets_the_count(settings):
    settings.AXES_FAILURE_LIMIT = 2
    settings.AXES_COOLOFF_TIME = timedelta(milliseconds=300)
    user = LabelerFactory().user
    client = APIClient()
    for n in range(3):
        _token(client, user.username, f"guess{n}")
    assert _token(client, user.username).status_code == 429
    import time

    time.sleep(0.4)
    assert _token(client, user.username).status_code == 200
    _token(client, user.username, "wrong once")  # one failure after a success: not locked
    assert _token(client, user.username).status_code == 200


@pytest.mark.parametrize("password", ["password", "12345678", "newlabeler", "newlabeler1"], ids=str)
def test_weak_labeler_passwords_are_refused_by_the_api(password):
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    body = {"username": "newlabeler", "code": "L99", "password": password}
    answer = admin.post("/api/labelers/", body, format="json")
    assert answer.status_code == 400, answer.content
    assert answer.json()["code"] == "weak_password"
    assert not Labeler.objects.filter(code="L99").exists()


def test_weak_passwords_are_refused_by_create_labelers():
    with pytest.raises(CommandError, match="too common"):
        call_command("create_labelers", "--count", "2", "--password", "12345678", stdout=StringIO())
    assert not Labeler.objects.exists()  # nothing half-made
    out = StringIO()
    call_command("create_labelers", "--count", "2", "--password", "c0rrect-h0rse", stdout=out)
    assert Labeler.objects.count() == 2


def test_create_labelers_with_another_prefix_continues_the_codes():
    call_command("create_labelers", "--count", "3", stdout=StringIO())
    out = StringIO()
    call_command("create_labelers", "--count", "2", "--prefix", "night", stdout=out)
    codes = dict(Labeler.objects.values_list("user__username", "code"))
    assert codes == {
        "labeler1": "L1",
        "labeler2": "L2",
        "labeler3": "L3",
        "night1": "L4",
        "night2": "L5",
    }
    assert out.getvalue().splitlines()[0].startswith("L4\tnight1\t")
    call_command("create_labelers", "--count", "2", "--prefix", "night", stdout=StringIO())
    assert Labeler.objects.count() == 5  # existing accounts are kept, not duplicated


def test_a_token_dies_with_a_password_change(labeler_world):
    labeler, assignment = labeler_world
    key = _token(APIClient(), labeler.user.username).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _save_segment(client, assignment).status_code == 201
    labeler.user.set_password("a-new-secret-42")
    labeler.user.save()
    assert _refused_token(_save_segment(client, assignment, start=30))
    assert not Token.objects.filter(key=key).exists()
    fresh = _token(APIClient(), labeler.user.username, "a-new-secret-42").json()["token"]
    assert fresh != key


def test_an_expired_token_is_refused_and_a_new_one_issued(settings, labeler_world):
    labeler, assignment = labeler_world
    key = _token(APIClient(), labeler.user.username).json()["token"]
    Token.objects.filter(key=key).update(
        created=Token.objects.get(key=key).created - timedelta(hours=2)
    )
    settings.TOKEN_TTL_HOURS = 1
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    answer = _save_segment(client, assignment)
    assert _refused_token(answer) and "expired" in answer.json()["detail"]
    assert _token(APIClient(), labeler.user.username).json()["token"] != key


def test_deactivating_a_labeler_stops_their_token_and_session_at_once(labeler_world):
    labeler, assignment = labeler_world
    key = _token(APIClient(), labeler.user.username).json()["token"]
    by_token = APIClient()
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    by_session = APIClient()
    _sign_in(by_session, labeler.user.username)
    assert _save_segment(by_token, assignment).status_code == 201
    assert _save_segment(by_session, assignment, start=40).status_code == 201

    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    answer = admin.post(f"/api/labelers/{labeler.pk}/deactivate/")
    assert answer.status_code == 200 and answer.json()["is_active"] is False

    assert _refused_token(_save_segment(by_token, assignment, start=60))
    assert _save_segment(by_session, assignment, start=80).status_code == 403
    assert by_session.get("/api/me/").status_code == 403
    assert _token(APIClient(), labeler.user.username).status_code == 400
    assert assignment.segments.count() == 2  # their work stays

    assert admin.post(f"/api/labelers/{labeler.pk}/activate/").json()["is_active"] is True
    key = _token(APIClient(), labeler.user.username).json()["token"]
    by_token.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _save_segment(by_token, assignment, start=100).status_code == 201


def test_a_labeler_row_deactivated_elsewhere_is_refused_too(labeler_world):
    """The Django admin's "active" box on the Labeler row alone is enough."""
    labeler, assignment = labeler_world
    key = _token(APIClient(), labeler.user.username).json()["token"]
    by_session = APIClient()
    _sign_in(by_session, labeler.user.username)
    Labeler.objects.filter(pk=labeler.pk).update(is_active=False)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert _refused_token(_save_segment(client, assignment))
    assert _save_segment(by_session, assignment).status_code == 403
    assert _token(APIClient(), labeler.user.username).status_code == 400


def test_only_admins_deactivate(labeler_world):
    labeler, _ = labeler_world
    other = APIClient()
    other.force_authenticate(LabelerFactory().user)
    assert other.post(f"/api/labelers/{labeler.pk}/deactivate/").status_code == 403
    labeler.refresh_from_db()
    assert labeler.is_active and labeler.user.is_active
