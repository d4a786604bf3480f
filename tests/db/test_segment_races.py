"""The same create sent twice at once (a retry racing its original) against a live threaded
server: both answers are successes and exactly one segment exists. Before the assignment lock
was taken ahead of the uuid lookup, the second request could be refused as a duplicate."""

from __future__ import annotations

import json
import threading
import uuid
from http.client import HTTPConnection
from urllib.parse import urlparse

import pytest
from rest_framework.authtoken.models import Token

from annotator.models import Segment
from tests.support.factories import AssignmentFactory

pytestmark = pytest.mark.django_db(transaction=True)


def post(base: str, token: str, body: dict) -> int:
    url = urlparse(base)
    conn = HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(
            "POST",
            "/api/segments/",
            json.dumps(body),
            {"Content-Type": "application/json", "Authorization": f"Token {token}"},
        )
        return conn.getresponse().status
    finally:
        conn.close()


def test_a_create_racing_its_retry_is_saved_once(live_server):
    assignment = AssignmentFactory()
    token = Token.objects.create(user=assignment.labeler.user).key
    statuses: list[int] = []
    for pair in range(8):
        body = {
            "client_uuid": str(uuid.uuid4()),
            "assignment": assignment.pk,
            "start_frame": 10 * pair,
            "end_frame": 10 * pair + 5,
            "category_code": 1,
        }
        gate = threading.Barrier(2)

        def send(body=body, gate=gate):
            gate.wait()
            statuses.append(post(live_server.url, token, body))

        threads = [threading.Thread(target=send) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(set(statuses)) in ([200, 201], [201]), statuses
    assert statuses.count(201) == 8
    assert Segment.objects.filter(assignment=assignment).count() == 8
