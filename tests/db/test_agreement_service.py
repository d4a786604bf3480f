"""Agreement runs on the database: triggered by the second submission, on demand, and by a new θ;
stored with θ and rule version, with disagreements as rows; `manage.py reliability`."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from rest_framework.test import APIClient

from annotator.agreement import RULE_VERSION
from annotator.models import AgreementRun, Assignment, Disagreement
from annotator.services import assignment as assignment_service
from annotator.services.agreement import record_run
from annotator.services.segments import create_segment
from jobs import runner
from jobs.models import Job
from tests.support.factories import AdminFactory, LabelerFactory, ProjectFactory, VideoFactory

pytestmark = pytest.mark.django_db

# docs/design.md §6's worked example: a1/b1 match, a2/b2 low overlap, a3/b3 label conflict, b4 only
# in B
SEGMENTS_A = [(100, 130, 1), (200, 215, 2), (400, 420, 3)]
SEGMENTS_B = [(104, 133, 1), (205, 230, 2), (402, 418, 4), (600, 640, 5)]


def two_labelers(project, video, a_segments, b_segments, *, submit=True):
    made = []
    for code, segments in (("A", a_segments), ("B", b_segments)):
        labeler = LabelerFactory(code=f"{code}{video.pk}", user__username=f"u{code}{video.pk}")
        project.labelers.add(labeler)
        assignment = Assignment.objects.create(video=video, labeler=labeler, position=1)
        for start, end, cat in segments:
            create_segment(
                assignment, labeler.user, start_frame=start, end_frame=end, category_code=cat
            )
        made.append(assignment)
    if submit:
        for assignment in made:
            assignment_service.submit(assignment)
    return made


def run_queued_agreement_jobs() -> list[Job]:
    queued = list(Job.objects.filter(kind="agreement", state=Job.State.QUEUED))
    for job in queued:
        assert runner.execute(job.pk, "test")[0] == "succeeded"
    return queued


def test_second_submission_queues_one_run_with_the_worked_example():
    project = ProjectFactory()
    video = VideoFactory(project=project)
    a, b = two_labelers(project, video, SEGMENTS_A, SEGMENTS_B, submit=False)
    assignment_service.submit(a)
    assert not Job.objects.filter(kind="agreement").exists(), "one submission is not enough"
    assignment_service.submit(b)
    assignment_service.submit(b)  # submitting again queues nothing new
    assert Job.objects.filter(kind="agreement").count() == 1
    run_queued_agreement_jobs()

    run = AgreementRun.objects.get(project=project)
    assert (run.theta, run.rule_version, run.trigger) == (0.5, RULE_VERSION, "submission")
    assert run.r_avg == pytest.approx(2 / 7, abs=1e-4)
    [video_entry] = run.per_video
    assert video_entry["video"] == video.external_id
    assert (video_entry["m"], video_entry["n_i"], video_entry["n_j"]) == (1, 3, 4)
    kinds = sorted(Disagreement.objects.filter(run=run).values_list("kind", flat=True))
    assert kinds == ["label_conflict", "low_overlap", "only_in_j"]
    conflict = Disagreement.objects.get(run=run, kind="label_conflict")
    assert (conflict.segment_i.start_frame, conflict.segment_j.start_frame) == (400, 402)
    assert run.summary["disagreements"] == {
        "label_conflict": 1,
        "low_overlap": 1,
        "only_in_i": 0,
        "only_in_j": 1,
    }
    # Review has started: the labelers can no longer reopen.
    with pytest.raises(assignment_service.AssignmentError):
        assignment_service.reopen(a)


def test_training_and_unsubmitted_work_is_left_out():
    project = ProjectFactory()
    video = VideoFactory(project=project)
    a, b = two_labelers(project, video, SEGMENTS_A, SEGMENTS_B, submit=False)
    Assignment.objects.filter(pk=b.pk).update(is_training=True)
    assignment_service.submit(a)
    assignment_service.submit(Assignment.objects.get(pk=b.pk))
    assert not Job.objects.filter(kind="agreement").exists()
    run = record_run(project)
    assert run.per_video == [] and run.r_avg is None


def test_api_recompute_and_theta_change_keep_history():
    project = ProjectFactory()
    video = VideoFactory(project=project)
    two_labelers(project, video, SEGMENTS_A, SEGMENTS_B)
    run_queued_agreement_jobs()
    client = APIClient()
    client.force_authenticate(AdminFactory())
    url = f"/api/projects/{project.pk}/agreement/"
    assert client.get(url).json()["r_avg"] == pytest.approx(0.2857, abs=1e-4)

    response = client.post(url, {"theta": 0.3}, format="json")
    assert response.status_code == 202
    assert Job.objects.get(pk=response.json()["job"]).params["theta"] == 0.3
    run_queued_agreement_jobs()
    latest = client.get(url).json()
    assert latest["theta"] == 0.3 and latest["trigger"] == "manual"
    # At θ = 0.3 the low-overlap pair (tIoU 11/31 ≈ 0.355) matches too: R = 4/7.
    assert latest["r_avg"] == pytest.approx(4 / 7, abs=1e-4)
    assert [p["theta"] for p in latest["r_curve"]][:3] == [0.1, 0.2, 0.3]

    assert (
        client.patch(f"/api/projects/{project.pk}/", {"theta": 0.8}, format="json").status_code
        == 200
    )
    run_queued_agreement_jobs()
    history = client.get(url + "history/").json()
    assert [(h["theta"], h["trigger"]) for h in history] == [
        (0.8, "theta"),
        (0.3, "manual"),
        (0.5, "submission"),
    ]
    assert client.post(url, {"theta": 1.5}, format="json").status_code == 400


def test_reliability_command_prints_matrix_and_json():
    project = ProjectFactory(name="press")
    for _ in range(2):
        video = VideoFactory(project=project)
        two_labelers(project, video, SEGMENTS_A, SEGMENTS_B)
    out = StringIO()
    call_command("reliability", "--project", "press", stdout=out)
    text = out.getvalue()
    assert "R_avg" in text and "label_conflict 2" in text and "R per video" in text
    out = StringIO()
    call_command("reliability", "--project", "press", "--theta", "0.3", "--json", stdout=out)
    payload = json.loads(out.getvalue())
    assert payload["theta"] == 0.3
    assert len(payload["per_video"]) == 2 and len(payload["per_pair"]) == 2
    assert payload["frame_kappa"] is not None
    assert AgreementRun.objects.filter(project=project, trigger="command").count() == 2
    with pytest.raises(CommandError):
        call_command("reliability", "--project", "press", "--theta", "0")
    with pytest.raises(CommandError):
        call_command("reliability", "--project", "nope")
