"""A small project for the agreement dashboard tests, with known R per video and pair.

Three labelers A, B, C; four videos, each labelled by two of them:

    v1  A–B  both segments match                      R = 1
    v2  B–C  one of two pairs matches                 R = 0.5
    v3  A–C  same category but tIoU 0.12 < θ          R = 0
    v4  A–B  two of A's three segments match B's two  R = 0.8

so R_pair(A, B) = 2·4 / 9, R_pair(A, C) = 0, R_pair(B, C) = 0.5.
"""

from __future__ import annotations

from annotator.models import Assignment
from annotator.services import assignment as assignment_service
from annotator.services.segments import create_segment
from tests.support.factories import LabelerFactory, ProjectFactory, VideoFactory

VIDEOS = {
    "v1": {"A": [(10, 30, 1), (50, 70, 2)], "B": [(12, 31, 1), (52, 69, 2)]},
    "v2": {"B": [(10, 30, 1), (100, 120, 3)], "C": [(11, 29, 1), (200, 220, 4)]},
    "v3": {"A": [(10, 30, 1)], "C": [(25, 60, 1), (100, 110, 2)]},
    "v4": {"A": [(10, 40, 5), (60, 80, 1), (90, 100, 2)], "B": [(12, 38, 5), (60, 95, 1)]},
}
EXPECTED_PAIRS = {("A", "B"): round(8 / 9, 4), ("A", "C"): 0.0, ("B", "C"): 0.5}
WORST_FIRST = ["v3", "v2", "v4", "v1"]


def build_project(name: str = "Dash"):
    """The project above, every assignment submitted; returns (project, labelers by code)."""
    project = ProjectFactory(name=name)
    labelers = {}
    for code in "ABC":
        labelers[code] = LabelerFactory(code=code, user__username=f"lab{code.lower()}")
        project.labelers.add(labelers[code])
    for position, (external_id, work) in enumerate(VIDEOS.items(), start=1):
        video = VideoFactory(project=project, external_id=external_id)
        for code, segments in work.items():
            labeler = labelers[code]
            assignment = Assignment.objects.create(video=video, labeler=labeler, position=position)
            for start, end, category in segments:
                create_segment(
                    assignment,
                    labeler.user,
                    start_frame=start,
                    end_frame=end,
                    category_code=category,
                )
            assignment_service.submit(assignment)
    return project, labelers
