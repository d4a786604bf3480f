"""A clip's provenance said with labeler codes and frames (annotator.services.clip_provenance):
the two segments of a matched pair, or the segments behind a kept disagreement."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from annotator.services import review
from tests.db.test_review import worked_example
from tests.support.factories import AdminFactory

pytestmark = pytest.mark.django_db


def test_clips_name_the_labelers_segments_behind_them():
    project, video, run, items = worked_example()
    admin = AdminFactory()
    review.decide(items["label_conflict"], admin, action="keep", category_code=4)
    review.decide(items["low_overlap"], admin, action="keep")
    review.decide(items["only_in_j"], admin, action="drop")
    review.close_review(video, admin)
    client = APIClient()
    client.force_authenticate(admin)
    with CaptureQueriesContext(connection) as queries:
        rows = client.get(f"/api/clips/?project={project.pk}").json()["results"]
    a, b = sorted({m["labeler"] for row in rows for m in row["members"]})
    by_start = {row["start_frame"]: row for row in rows}
    assert by_start[102]["members"] == [  # matched: both labelers' C1
        {"labeler": a, "start_frame": 100, "end_frame": 130, "category": 1},
        {"labeler": b, "start_frame": 104, "end_frame": 133, "category": 1},
    ]
    assert by_start[401]["members"] == [  # kept label conflict: C3 against C4
        {"labeler": a, "start_frame": 400, "end_frame": 420, "category": 3},
        {"labeler": b, "start_frame": 402, "end_frame": 418, "category": 4},
    ]
    # The page's segments are read together, not once per clip.
    segment_reads = [q for q in queries.captured_queries if "annotator_segment" in q["sql"]]
    assert len(segment_reads) <= 2, [q["sql"] for q in segment_reads]
    one = client.get(f"/api/clips/{by_start[102]['id']}/").json()
    assert one["members"] == by_start[102]["members"]
