"""Machine proposals with a suggester, in reliability and from the command line (docs/design.md
§17): a tiny skeleton classifier trained by the test on a synthetic release suggests each
proposal's category exactly as its checkpoint predicts; the admin's choice of suggester is
checked; R is reported apart for segments that began as proposals; `propose` and the OpenPose
import give a video its proposals, video 298 with its real skeletons included."""

from __future__ import annotations

import csv
import io
from io import StringIO

import numpy as np
import pytest
import torch
from django.core.management import call_command
from django.core.management.base import CommandError

from annotator.models import BaselineRun, Proposal, Release, Video
from annotator.proposals import propose
from annotator.services.agreement import record_run
from annotator.services.assignment import submit
from annotator.services.baselines import start_run
from annotator.services.proposals import regenerate
from annotator.services.video_poses import load_video_poses
from baselines.predict import load_classifier, predict_windows
from jobs import runner
from tests.db.test_proposals import client_for, posed_video
from tests.support import video298
from tests.support.factories import AdminFactory, AssignmentFactory, LabelerFactory
from tests.support.release_factory import synthetic_release

pytestmark = pytest.mark.django_db
TINY = {"epochs": 2, "batch_size": 16, "model_cfg.hidden_size": 16, "augment": False}


@pytest.fixture(autouse=True)
def _one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the machine's 2 cores are shared
    yield
    torch.set_num_threads(before)


@pytest.fixture
def trained(media_root):
    """A posed video and a finished LSTM run on a synthetic release of the same project."""
    video = posed_video()
    synthetic_release(media_root / "releases" / "tiny-1", num_classes=6)
    release = Release.objects.create(
        project=video.project, name="tiny", version="1", path="releases/tiny-1", status="done"
    )
    run = start_run(release, "lstm", TINY)
    assert runner.execute(run.job_id, "test")[0] == "succeeded"
    run.refresh_from_db()
    return video, run


def test_the_suggester_names_the_category_its_checkpoint_predicts(trained, media_root):
    video, run = trained
    admin = client_for(AdminFactory())
    url = f"/api/projects/{video.project_id}/"
    chosen = admin.patch(url, {"proposal_suggester": run.pk}, format="json")
    assert chosen.status_code == 200 and chosen.json()["proposal_suggester"] == run.pk

    done = regenerate(video)
    assert done.suggester == run.pk and len(done.proposals) == 2
    classifier = load_classifier(media_root / "baselines" / str(run.pk))
    poses = load_video_poses(video)
    windows = [poses[p.start_frame : p.end_frame + 1] for p in done.proposals]
    probs = predict_windows(classifier, windows, video.width, video.height)
    for proposal, row in zip(done.proposals, probs, strict=True):
        top = int(np.argmax(row))
        assert proposal.category.code == int(classifier.classes[top].removeprefix("C"))
        assert proposal.confidence == pytest.approx(float(row[top]), rel=1e-6)
        assert proposal.settings["suggester"] == run.pk
    listed = admin.get(f"/api/videos/{video.pk}/proposals/").json()["proposals"]
    assert {p["category_code"] for p in listed} == {p.category.code for p in done.proposals}

    cleared = admin.patch(url, {"proposal_suggester": None}, format="json")
    assert cleared.status_code == 200
    assert all(p.category_id is None for p in regenerate(video).proposals)


def test_runs_that_cannot_suggest_are_refused(trained):
    video, run = trained
    admin = client_for(AdminFactory())
    url = f"/api/projects/{video.project_id}/"

    def refusal(run_id):
        response = admin.patch(url, {"proposal_suggester": run_id}, format="json")
        assert response.status_code == 400, response.content
        return response.json()["code"]

    elsewhere = posed_video()  # another project
    assert (
        client_for(AdminFactory())
        .patch(
            f"/api/projects/{elsewhere.project_id}/", {"proposal_suggester": run.pk}, format="json"
        )
        .json()["code"]
        == "suggester_other_project"
    )
    pending = BaselineRun.objects.create(release=run.release, model_name="lstm")
    assert refusal(pending.pk) == "suggester_not_done"
    knn = BaselineRun.objects.create(
        release=run.release,
        model_name="usvae",
        status="done",
        config={"recipe": {"name": "usvae", "kind": "usvae", "input": "packed"}},
    )
    assert refusal(knn.pk) == "suggester_not_a_classifier"
    no_file = BaselineRun.objects.create(
        release=run.release, model_name="lstm", status="done", config=run.config
    )
    assert refusal(no_file.pk) == "suggester_no_checkpoint"
    video.project.refresh_from_db()
    assert video.project.proposal_suggester is None

    # A suggester that stops serving later (its files removed) leaves proposals without a
    # category, with the reason kept, rather than no proposals at all.
    video.project.proposal_suggester = no_file
    video.project.save()
    done = regenerate(video)
    assert len(done.proposals) == 2 and all(p.category_id is None for p in done.proposals)
    assert done.settings["suggester"] is None
    assert "no checkpoint file" in done.settings["suggester_error"]


def test_r_is_reported_apart_for_segments_that_began_as_proposals(media_root):
    video = posed_video()
    first, second = sorted(regenerate(video).proposals, key=lambda p: p.start_frame)
    admin = client_for(AdminFactory())
    for code in ("A1", "A2"):
        labeler = LabelerFactory(code=code)
        assignment = AssignmentFactory(video=video, labeler=labeler)
        client = client_for(labeler.user)

        def save(start, end, proposal=None, client=client, assignment=assignment):
            body = {"assignment": assignment.pk, "start_frame": start, "end_frame": end}
            body["category_code"] = 3
            if proposal is not None:
                body["proposal"] = proposal.pk
            assert client.post("/api/segments/", body, format="json").status_code == 201

        save(first.start_frame, first.end_frame, first)  # both accept the first proposal
        if code == "A1":  # A1 accepts the second, A2 marks the same gesture by hand
            save(second.start_frame, second.end_frame, second)
        else:
            save(second.start_frame + 2, second.end_frame)
        save(500, 560)  # a gesture both mark by hand
        submit(assignment)
    recorded = record_run(video.project)
    split = recorded.summary["by_origin"]
    assert split["proposal"]["segments"] == 3 and split["proposal"]["matches"] == 1
    assert split["manual"]["segments"] == 3 and split["manual"]["matches"] == 1
    assert split["proposal"]["r_avg"] == pytest.approx(round(2 / 3, 4))
    assert split["manual"]["r_avg"] == pytest.approx(round(2 / 3, 4))
    assert split["matches_by_origin"] == {"both_proposal": 1, "mixed": 1, "both_manual": 1}
    assert recorded.r_avg == 1.0  # the full run matches every gesture

    report = admin.get(f"/api/projects/{video.project_id}/agreement/").json()
    assert report["by_origin"] == split
    exported = admin.get(
        f"/api/projects/{video.project_id}/agreement/export/",
        {"table": "by_origin", "fmt": "csv"},
    )
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["origin", "labeler_i", "labeler_j", "videos", "segments", "m", "r"]
    assert rows[1] == ["proposal", "", "", "", "3", "1", "0.6667"]
    assert rows[2] == ["proposal", "A1", "A2", "1", "3", "1", "0.6667"]
    assert [r[0] for r in rows[3:]] == ["manual", "manual"]
    printed = run("reliability", project=video.project.name)
    assert (
        "R_avg of segments begun as proposals = 0.667 (3 segments), marked by hand = 0.667 "
        "(3 segments)" in printed
    )


def run(*args, **options) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO(), **options)
    return out.getvalue()


def test_the_propose_command_runs_the_jobs_and_says_what_it_made(media_root):
    video = posed_video()
    out = run("propose", project=video.project.name, inline=True)
    assert "1 proposals job(s) queued" in out
    assert f"video {video.external_id}: 2 proposals (2 new, 0 kept, 0 removed)" in out
    again = run("propose", project=video.project.name, video_id=video.external_id, inline=True)
    assert "2 proposals (0 new, 2 kept, 0 removed)" in again
    bare = Video.objects.create(project=video.project, external_id="bare")
    with pytest.raises(CommandError, match="no whole-video poses"):
        run("propose", project=video.project.name, video_id=bare.external_id, inline=True)
    with pytest.raises(CommandError, match="no video 'nope'"):
        run("propose", project=video.project.name, video_id="nope")


@pytest.mark.skipif(not video298.available(), reason="the iMiGUE reference files are missing")
def test_video_298_imported_with_its_skeletons_has_its_proposals(tmp_path, media_root):
    skeletons = tmp_path / "skeletons"
    skeletons.mkdir()
    (skeletons / "298.npz").symlink_to(video298.SKELETONS)
    run("create_project", "imigue")
    out = run(
        "import_imigue",
        str(video298.LABELS),
        project="imigue",
        videos=["298"],
        skeletons=str(skeletons),
    )
    video = Video.objects.get(external_id="298")
    assert video.pose_layout == "imigue22" and video.pose_settings["layout"] == "openpose137"
    np.testing.assert_array_equal(load_video_poses(video), video298.skeleton22())
    expected = [(p.start, p.end) for p in propose(video298.skeleton22(), video298.FPS)]
    stored = list(Proposal.objects.filter(video=video).order_by("rank"))
    assert [(p.start_frame, p.end_frame) for p in stored] == expected
    assert f"video {video.pk}: {len(expected)} proposals" in out
    # Importing the same skeletons again rewrites nothing and keeps the proposals.
    run(
        "import_imigue",
        str(video298.LABELS),
        project="imigue",
        videos=["298"],
        skeletons=str(skeletons),
    )
    assert [p.pk for p in Proposal.objects.filter(video=video).order_by("rank")] == [
        p.pk for p in stored
    ]
