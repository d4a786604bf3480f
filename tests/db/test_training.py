"""Training rounds and guidelines through the API: a round of three labelers with fixed
segments, its comparison numbers, reference scores, blindness, and the exclusion of training
work from the real project's statistics."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotator.models import AgreementRun, Assignment
from annotator.services import assignment as assignment_service
from annotator.services.agreement import record_run
from annotator.services.segments import create_segment
from jobs.models import Job
from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    VideoFactory,
)

pytestmark = pytest.mark.django_db

WORK = {
    "A": [(10, 30, 1), (50, 70, 2), (100, 120, 3)],
    "B": [(12, 31, 1), (52, 69, 2), (101, 119, 4)],
    "C": [(10, 29, 1), (150, 170, 5)],
}


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def setup():
    project = ProjectFactory()
    labelers = {code: LabelerFactory(code=code, user__username=f"user{code}") for code in WORK}
    project.labelers.add(*labelers.values())
    sample = VideoFactory(project=project, num_frames=200)
    real = VideoFactory(project=project, num_frames=200)
    admin = client_for(AdminFactory())
    body = {"project": project.pk, "name": "Calibration", "videos": [sample.pk]}
    created = admin.post("/api/training/rounds/", body, format="json")
    assert created.status_code == 201, created.content
    return project, labelers, sample, real, admin, created.json()


def label_round(labelers, sample, submit=True):
    for code, segments in WORK.items():
        a = Assignment.objects.get(video=sample, labeler=labelers[code])
        for start, end, cat in segments:
            create_segment(
                a, labelers[code].user, start_frame=start, end_frame=end, category_code=cat
            )
        if submit:
            assignment_service.submit(a)


def test_every_labeler_gets_every_item_as_training(setup):
    project, labelers, sample, real, admin, round_ = setup
    assert round_["number"] == 1 and round_["labelers"] == {
        code: {"items": 1, "submitted": 0} for code in WORK
    }
    assert Assignment.objects.filter(video=sample, is_training=True).count() == 3
    # The sample video is never handed out as real work.
    assignment_service.assign_unassigned(project)
    assert not Assignment.objects.filter(video=sample, is_training=False).exists()
    assert Assignment.objects.filter(video=real, is_training=False).count() == 2
    again = admin.post(
        "/api/training/rounds/", {"project": project.pk, "videos": [real.pk]}, format="json"
    )
    assert again.status_code == 400 and "real work" in again.json()["detail"]


def test_comparison_numbers_of_a_three_labeler_round(setup):
    project, labelers, sample, real, admin, round_ = setup
    url = f"/api/training/rounds/{round_['id']}/comparison/"
    label_round(labelers, sample, submit=False)
    assert admin.get(url).status_code == 400, "not before everyone has submitted"
    for a in Assignment.objects.filter(video=sample):
        assignment_service.submit(a)
    data = admin.get(url).json()
    pairs = {(p["labeler_i"], p["labeler_j"]): p["r"] for p in data["pair_r"]}
    assert pairs == {
        ("A", "B"): pytest.approx(4 / 6),
        ("A", "C"): pytest.approx(0.4),
        ("B", "C"): pytest.approx(0.4),
    }
    assert data["mean_r"]["C"] == pytest.approx(0.4)
    assert 0 < data["fleiss_kappa"] < 1
    assert data["confusions"] == [{"categories": [3, 4], "count": 1}]
    lonely = [p for p in data["places"] if p["missing"] == ["A", "B"]]
    assert [m["start_frame"] for p in lonely for m in p["members"]] == [150]
    # Training never reaches the real project: no agreement job, no run, no disagreements.
    assert not Job.objects.filter(kind="agreement").exists()
    run = record_run(project)
    assert (
        run.per_video == []
        and not AgreementRun.objects.filter(pk=run.pk, r_avg__isnull=False).exists()
    )


def test_reference_scores_are_shown_to_each_labeler_after_closing(setup):
    project, labelers, sample, real, admin, round_ = setup
    label_round(labelers, sample)
    rid = round_["id"]
    reference = [
        {"start_frame": 10, "end_frame": 30, "category_code": 1},
        {"start_frame": 50, "end_frame": 70, "category_code": 2},
        {"start_frame": 100, "end_frame": 120, "category_code": 4},
    ]
    put = admin.put(
        f"/api/training/rounds/{rid}/reference/",
        {"video": sample.pk, "segments": reference},
        format="json",
    )
    assert put.status_code == 200 and len(put.json()) == 3
    too_long = [{"start_frame": 5, "end_frame": 500, "category_code": 1}]
    bad = admin.put(
        f"/api/training/rounds/{rid}/reference/",
        {"video": sample.pk, "segments": too_long},
        format="json",
    )
    assert bad.status_code == 400
    labeler_a = client_for(labelers["A"].user)
    results_url = f"/api/training/results/?project={project.pk}"
    assert labeler_a.get(results_url).json()["rounds"] == [], "nothing before the round closes"
    assert labeler_a.get(f"/api/training/rounds/{rid}/comparison/").status_code == 403
    assert admin.post(f"/api/training/rounds/{rid}/close/").json()["state"] == "closed"
    [mine] = labeler_a.get(results_url).json()["rounds"]
    # A: C1 and C2 match, C3 vs the reference's C4 is a label conflict.
    assert mine["score"]["r"] == pytest.approx(4 / 6)
    assert mine["score"]["onset_error"] == 0 and mine["score"]["offset_error"] == 0
    assert mine["score"]["confusions"] == [{"reference": 4, "labeler": 3, "count": 1}]
    [b_round] = client_for(labelers["B"].user).get(results_url).json()["rounds"]
    assert b_round["score"]["r"] == pytest.approx(1.0)
    assert b_round["score"]["onset_error"] == pytest.approx((2 + 2 + 1) / 3)


def test_guidelines_are_versioned_and_visible_to_labelers(setup):
    project, labelers, sample, real, admin, round_ = setup
    url = f"/api/projects/{project.pk}/guidelines/"
    for text in ("Hand touches the neck.", "Hand touches the neck or throat."):
        assert (
            admin.post(url, {"category_code": 3, "definition": text}, format="json").status_code
            == 201
        )
    admin.post(
        url,
        {"category_code": None, "definition": "Start at the first frame of motion."},
        format="json",
    )
    labeler = client_for(labelers["A"].user)
    current = {g["category_code"]: g for g in labeler.get(url).json()}
    assert current[3]["version"] == 2 and current[3]["definition"].endswith("throat.")
    assert current[None]["definition"].startswith("Start")
    history = admin.get(url + "?history&category=3").json()
    assert [g["version"] for g in history] == [2, 1]
    assert (
        labeler.post(url, {"category_code": 3, "definition": "x"}, format="json").status_code == 403
    )
    assert (
        admin.post(url, {"category_code": 77, "definition": "x"}, format="json").status_code == 400
    )
    outsider = client_for(LabelerFactory().user)
    assert outsider.get(url).status_code == 404


def test_round_samples_list_why_a_video_cannot_be_one(setup):
    """The "new round" form lists only possible samples and says why the others are missing;
    a sample of an earlier round cannot be a new round's (each labeler has one assignment per
    video)."""
    from annotator.models import Video

    project, labelers, sample, real, admin, round_ = setup
    AssignmentFactory(video=real, labeler=labelers["A"])
    waiting = VideoFactory(project=project, status=Video.Status.INGESTING, num_frames=None)
    free = VideoFactory(project=project, num_frames=300)
    rows = admin.get(f"/api/training/rounds/samples/?project={project.pk}").json()
    assert [(r["id"], r["eligible"], r["code"]) for r in rows] == [
        (sample.pk, False, "in_round"),
        (real.pk, False, "assigned"),
        (waiting.pk, False, "not_ready"),
        (free.pk, True, ""),
    ]
    assert rows[0]["reason"] == "a sample of round 1"
    assert rows[2]["reason"] == "not ready (probing and making the proxy)"
    again = admin.post(
        "/api/training/rounds/",
        {"project": project.pk, "name": "Again", "videos": [sample.pk]},
        format="json",
    )
    assert (again.status_code, again.json()["code"]) == (400, "videos_in_round")
    made = admin.post(
        "/api/training/rounds/",
        {"project": project.pk, "name": "Calibration 2", "videos": [free.pk]},
        format="json",
    )
    assert made.status_code == 201 and made.json()["name"] == "Calibration 2"
    client = client_for(labelers["A"].user)
    assert client.get(f"/api/training/rounds/samples/?project={project.pk}").status_code == 403
