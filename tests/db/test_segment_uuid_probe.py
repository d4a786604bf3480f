"""Blind annotation and segment uuids: a labeler must not learn that another labeler's segment
exists by posting a segment under its uuid (docs/security.md, "Segment uuids").

A uuid the client generates is random (122 bits): nobody can name another's. Imported segments
get a deterministic uuid; before it was keyed, anyone could compute it from the project, the
labeler, the video, the bounds and the category, and a ``uuid_taken`` answer confirmed that the
other labeler had marked exactly that segment.
"""

from __future__ import annotations

import uuid

import pytest
from rest_framework.test import APIClient

from annotator.models import Segment
from annotator.segment_import import ImportedSegment
from annotator.services.segment_import import IMPORT_NAMESPACE, import_segments
from tests.support.factories import AssignmentFactory, LabelerFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db


def _public_formula(project, labeler, video_id, start, end, code) -> uuid.UUID:
    """What an attacker computes from facts every labeler of the project can see."""
    return uuid.uuid5(
        IMPORT_NAMESPACE, f"{project.pk}/{labeler.pk}/{video_id}/{start}/{end}/{code}"
    )


def test_an_imported_segment_uuid_cannot_be_computed_and_probed():
    project = ProjectFactory()
    victim, attacker = LabelerFactory(), LabelerFactory()
    project.labelers.add(victim, attacker)
    video = VideoFactory(project=project, external_id="v1", num_frames=500)
    row = ImportedSegment(video_id="v1", start_frame=10, end_frame=20, category_code=3, line=2)
    import_segments(project, victim, [row], source="victim.csv")
    stored = Segment.objects.get(assignment__labeler=victim).client_uuid

    guess = _public_formula(project, victim, "v1", 10, 20, 3)
    assert guess != stored
    mine = AssignmentFactory(video=VideoFactory(project=project, num_frames=500), labeler=attacker)
    client = APIClient()
    client.force_authenticate(attacker.user)
    body = {"assignment": mine.pk, "start_frame": 1, "end_frame": 2, "category_code": 1}
    answer = client.post("/api/segments/", {**body, "client_uuid": str(guess)}, format="json")
    assert answer.status_code == 201  # a fresh uuid to the server: nothing learnt
    assert video.assignments.get(labeler=victim).segments.count() == 1
