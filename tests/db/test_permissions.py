"""The permission matrix: every role against every endpoint (point 7).

Roles: anonymous; the labeler assigned to the video; another labeler of the same project who is
not assigned to it (blind double annotation: they must not see it); an admin (staff).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from annotator.models import AgreementRun, Clip, Disagreement, Proposal
from jobs.models import Job
from tests.support.factories import (
    AdminFactory,
    AssignmentFactory,
    LabelerFactory,
    ProjectFactory,
    SegmentFactory,
    VideoFactory,
)

ROLES = ("anon", "assigned", "other", "admin")


@pytest.fixture
def world(media_root):
    project = ProjectFactory()
    assigned, other = LabelerFactory(), LabelerFactory()
    project.labelers.add(assigned, other)
    proxy = media_root / "proxies" / "p.mp4"
    proxy.parent.mkdir(parents=True, exist_ok=True)
    proxy.write_bytes(b"\x00" * 2048)
    video = VideoFactory(project=project, proxy_file="proxies/p.mp4", source_file="proxies/p.mp4")
    mine = AssignmentFactory(video=video, labeler=assigned, position=1)
    segment = SegmentFactory(assignment=mine)
    job = Job.objects.create(
        kind="ingest", scope=f"project:{project.pk}/video:{video.pk}", params={"video": video.pk}
    )
    clip = Clip.objects.create(
        project=project,
        video=video,
        start_frame=1,
        end_frame=5,
        origin="matched",
        category=segment.category,
        status="processed",
        clip_file="proxies/p.mp4",
    )
    admin = AdminFactory()
    run = AgreementRun.objects.create(project=project, theta=0.5, rule_version="test")
    disagreement = Disagreement.objects.create(
        run=run, video=video, kind="only_in_i", segment_i=segment
    )
    from annotator.services.ingest import create_upload
    from annotator.services.training import create_round

    # A round in a project of its own: its sample video goes to every labeler of that project.
    school = ProjectFactory()
    school.labelers.add(LabelerFactory(), LabelerFactory())
    sample = VideoFactory(project=school)
    spare = VideoFactory(project=school)  # a new round's sample (a round's own cannot be reused)
    training_round = create_round(school, "warm-up", [sample.pk], admin)

    upload = create_upload(project, "new.mp4", 10, admin)
    proposal = Proposal.objects.create(video=video, start_frame=30, end_frame=40, score=7, rank=1)
    return {
        "project": project,
        "video": video,
        "assignment": mine,
        "segment": segment,
        "job": job,
        "upload": upload,
        "clip": clip,
        "disagreement": disagreement,
        "proposal": proposal,
        "round": training_round,
        "sample": sample,
        "spare": spare,
        "other_labeler": other,
        "users": {"anon": None, "assigned": assigned.user, "other": other.user, "admin": admin},
    }


# (name, method, url, body or None, {role: expected status}); urls use the world's ids
A, D, N = 200, 403, 404  # allowed / denied / not found (hidden)
# The matrix reads best as one row per endpoint, so the formatter leaves it alone.
# fmt: off
MATRIX = [
    ("me", "get", "/api/me/", None, {"assigned": A, "other": A, "admin": A}),
    ("schema", "get", "/api/schema/", None, {"anon": A, "assigned": A, "other": A, "admin": A}),
    ("project list", "get", "/api/projects/", None, {"assigned": A, "other": A, "admin": A}),
    ("project create", "post", "/api/projects/", {"name": "new"}, {"assigned": D, "other": D, "admin": 201}),
    ("project detail", "get", "/api/projects/{project}/", None, {"assigned": A, "other": A, "admin": A}),
    ("project update", "patch", "/api/projects/{project}/", {"theta": 0.6}, {"assigned": D, "other": D, "admin": A}),
    ("project delete", "delete", "/api/projects/{project}/", None, {"assigned": D, "other": D, "admin": 409}),
    ("categories", "get", "/api/projects/{project}/categories/", None, {"assigned": A, "other": A, "admin": A}),
    ("taxonomy load", "post", "/api/projects/{project}/taxonomy/", {}, {"assigned": D, "other": D, "admin": 400}),
    ("assign", "post", "/api/projects/{project}/assign/", None, {"assigned": D, "other": D, "admin": A}),
    ("import", "post", "/api/projects/{project}/import/", {"folder": "/nonexistent", "metadata": "video_id\n"}, {"assigned": D, "other": D, "admin": 400}),
    ("process clips", "post", "/api/projects/{project}/process/", None, {"assigned": D, "other": D, "admin": 202}),
    ("processing", "get", "/api/projects/{project}/processing/", None, {"assigned": D, "other": D, "admin": A}),
    ("agreement latest", "get", "/api/projects/{project}/agreement/", None, {"assigned": D, "other": D, "admin": A}),
    ("agreement recompute", "post", "/api/projects/{project}/agreement/", {"theta": 0.5}, {"assigned": D, "other": D, "admin": 202}),
    ("review queue", "get", "/api/projects/{project}/review/", None, {"assigned": D, "other": D, "admin": A}),
    ("review video", "get", "/api/review/videos/{video}/", None, {"assigned": D, "other": D, "admin": N}),
    ("review close", "post", "/api/review/videos/{video}/close/", None, {"assigned": D, "other": D, "admin": 400}),
    ("review decide", "post", "/api/review/items/{disagreement}/decide/", {"action": "drop"}, {"assigned": D, "other": D, "admin": A}),
    ("training rounds", "get", "/api/training/rounds/", None, {"assigned": D, "other": D, "admin": A}),
    ("training round create", "post", "/api/training/rounds/", {"project": "{school}", "videos": ["{spare}"]}, {"assigned": D, "other": D, "admin": 201}),
    ("training round", "get", "/api/training/rounds/{round}/", None, {"assigned": D, "other": D, "admin": A}),
    ("training samples", "get", "/api/training/rounds/samples/?project={project}", None, {"assigned": D, "other": D, "admin": A}),
    ("training comparison", "get", "/api/training/rounds/{round}/comparison/", None, {"assigned": D, "other": D, "admin": 400}),
    ("training reference", "put", "/api/training/rounds/{round}/reference/", {"video": "{sample}", "segments": []}, {"assigned": D, "other": D, "admin": A}),
    ("training close", "post", "/api/training/rounds/{round}/close/", None, {"assigned": D, "other": D, "admin": 400}),
    ("training results", "get", "/api/training/results/?project={project}&labeler={other_code}", None, {"assigned": A, "other": A, "admin": A}),
    ("guidelines", "get", "/api/projects/{project}/guidelines/", None, {"assigned": A, "other": A, "admin": A}),
    ("guideline save", "post", "/api/projects/{project}/guidelines/", {"category_code": 1, "definition": "x"}, {"assigned": D, "other": D, "admin": 201}),
    ("agreement history", "get", "/api/projects/{project}/agreement/history/", None, {"assigned": D, "other": D, "admin": A}),
    ("agreement export csv", "get", "/api/projects/{project}/agreement/export/?table=per_pair&fmt=csv", None, {"assigned": D, "other": D, "admin": A}),
    ("agreement export json", "get", "/api/projects/{project}/agreement/export/?table=deltas&fmt=json", None, {"assigned": D, "other": D, "admin": A}),
    ("clip list", "get", "/api/clips/", None, {"assigned": D, "other": D, "admin": A}),
    ("clip summary", "get", "/api/clips/summary/", None, {"assigned": D, "other": D, "admin": A}),
    ("clip detail", "get", "/api/clips/{clip}/", None, {"assigned": D, "other": D, "admin": A}),
    ("clip process", "post", "/api/clips/{clip}/process/", None, {"assigned": D, "other": D, "admin": 400}),
    ("clip video", "get", "/api/clips/{clip}/video/", None, {"assigned": D, "other": D, "admin": A}),
    # The world's clip has no pose file: a 404 for admins, 403 for the others.
    ("clip poses", "get", "/api/clips/{clip}/poses/", None, {"assigned": D, "other": D, "admin": N}),
    ("video list", "get", "/api/videos/", None, {"assigned": A, "other": A, "admin": A}),
    ("video detail", "get", "/api/videos/{video}/", None, {"assigned": A, "other": N, "admin": A}),
    ("video proxy", "get", "/api/videos/{video}/proxy/", None, {"assigned": A, "other": N, "admin": A}),
    ("video source", "get", "/api/videos/{video}/source/", None, {"assigned": A, "other": N, "admin": A}),
    ("video metadata", "patch", "/api/videos/{video}/metadata/", {"match_result": "win"}, {"assigned": D, "other": D, "admin": A}),
    ("video delete", "delete", "/api/videos/{video}/", None, {"assigned": D, "other": D, "admin": 409}),
    # Machine proposals: the world's video has a proxy but no whole-video poses yet.
    ("video poses", "post", "/api/videos/{video}/poses/", None, {"assigned": D, "other": D, "admin": 202}),
    ("video proposals", "get", "/api/videos/{video}/proposals/", None, {"assigned": A, "other": N, "admin": A}),
    ("video proposals start", "post", "/api/videos/{video}/proposals/", None, {"assigned": D, "other": D, "admin": 409}),
    ("project proposals", "post", "/api/projects/{project}/proposals/", None, {"assigned": D, "other": D, "admin": 202}),
    ("proposal reject", "post", "/api/proposals/{proposal}/reject/", None, {"assigned": A, "other": N, "admin": D}),
    ("proposal restore", "delete", "/api/proposals/{proposal}/reject/", None, {"assigned": A, "other": N, "admin": D}),
    ("assignment list", "get", "/api/assignments/", None, {"assigned": A, "other": A, "admin": A}),
    ("assignment detail", "get", "/api/assignments/{assignment}/", None, {"assigned": A, "other": N, "admin": A}),
    ("reassign", "patch", "/api/assignments/{assignment}/", {"labeler": "{other_code}"}, {"assigned": D, "other": D, "admin": 400}),
    ("submit", "post", "/api/assignments/{assignment}/submit/", None, {"assigned": A, "other": N, "admin": A}),
    ("reopen", "post", "/api/assignments/{assignment}/reopen/", None, {"assigned": A, "other": N, "admin": A}),
    ("bookmark", "post", "/api/assignments/{assignment}/bookmark/", {"last_frame": 5}, {"assigned": A, "other": N, "admin": A}),
    ("workspace", "get", "/api/assignments/{assignment}/workspace/", None, {"assigned": A, "other": N, "admin": A}),
    ("shortcuts get", "get", "/api/me/shortcuts/", None, {"assigned": A, "other": A, "admin": D}),
    ("shortcuts put", "put", "/api/me/shortcuts/", {"shortcuts": {"step_forward": "ArrowRight"}}, {"assigned": A, "other": A, "admin": D}),
    ("segment list", "get", "/api/segments/", None, {"assigned": A, "other": A, "admin": A}),
    ("segment create", "post", "/api/segments/", {"assignment": "{assignment}", "start_frame": 50, "end_frame": 60, "category_code": 1}, {"assigned": 201, "other": D, "admin": D}),
    ("segment detail", "get", "/api/segments/{segment}/", None, {"assigned": A, "other": N, "admin": A}),
    ("segment update", "patch", "/api/segments/{segment}/", {"version": 1, "end_frame": 30}, {"assigned": A, "other": N, "admin": D}),
    ("segment delete", "delete", "/api/segments/{segment}/?version=1", None, {"assigned": A, "other": N, "admin": D}),
    ("job list", "get", "/api/jobs/", None, {"assigned": D, "other": D, "admin": A}),
    ("job detail", "get", "/api/jobs/{job}/", None, {"assigned": D, "other": D, "admin": A}),
    ("job retry", "post", "/api/jobs/{job}/retry/", None, {"assigned": D, "other": D, "admin": 400}),
    ("baseline runs", "get", "/api/baseline-runs/?project={project}", None, {"assigned": D, "other": D, "admin": A}),
    # No Release row in the world: the run is refused (400); any run id ({job} here) is a 404.
    ("baseline run start", "post", "/api/baseline-runs/", {"release": "{job}", "model": "lstm"}, {"assigned": D, "other": D, "admin": 400}),
    ("baseline run", "get", "/api/baseline-runs/{job}/", None, {"assigned": D, "other": D, "admin": N}),
    ("baseline artefact", "get", "/api/baseline-runs/{job}/artefacts/{artefact}/", None, {"assigned": D, "other": D, "admin": N}),
    ("labeler list", "get", "/api/labelers/", None, {"assigned": D, "other": D, "admin": A}),
    ("labeler detail", "get", "/api/labelers/{labeler}/", None, {"assigned": D, "other": D, "admin": A}),
    ("labeler create", "post", "/api/labelers/", {"username": "newbie", "code": "L9", "password": "longenough1"}, {"assigned": D, "other": D, "admin": 201}),
    ("labeler deactivate", "post", "/api/labelers/{labeler}/deactivate/", None, {"assigned": D, "other": D, "admin": A}),
    ("labeler activate", "post", "/api/labelers/{labeler}/activate/", None, {"assigned": D, "other": D, "admin": A}),
    ("upload create", "post", "/api/uploads/", {"project": "{project}", "filename": "a.mp4", "size": 5}, {"assigned": D, "other": D, "admin": 201}),
    ("upload chunk", "put", "/api/uploads/{upload}/chunk/?offset=0", b"12345", {"assigned": D, "other": D, "admin": A}),
    ("upload abort", "post", "/api/uploads/{upload}/abort/", None, {"assigned": D, "other": D, "admin": 204}),
    ("upload complete", "post", "/api/uploads/{upload}/complete/", None, {"assigned": D, "other": D, "admin": 400}),
    ("release list", "get", "/api/projects/{project}/releases/", None, {"assigned": D, "other": D, "admin": A}),
    # The world's processed clip has no privacy verification: the release is refused (400).
    ("release create", "post", "/api/projects/{project}/releases/", {"name": "r", "version": "1"}, {"assigned": D, "other": D, "admin": 400}),
    # The world has no release: any id ({job} here) is a 404 for admins, 403 for the others.
    ("release detail", "get", "/api/releases/{job}/", None, {"assigned": D, "other": D, "admin": N}),
    ("release download", "get", "/api/releases/{job}/download/", None, {"assigned": D, "other": D, "admin": N}),
    ("label exports", "get", "/api/projects/{project}/label-exports/", None, {"assigned": D, "other": D, "admin": A}),
    ("label export start", "post", "/api/projects/{project}/label-exports/", {"format": "imigue"}, {"assigned": D, "other": D, "admin": 202}),
    # The world's job is an ingest, not an export: a 404 for admins.
    ("label export download", "get", "/api/label-exports/{job}/download/", None, {"assigned": D, "other": D, "admin": N}),
]
# fmt: on


def _ids(world) -> dict:
    return {
        "project": world["project"].pk,
        "video": world["video"].pk,
        "assignment": world["assignment"].pk,
        "segment": world["segment"].client_uuid,
        "job": world["job"].pk,
        "upload": world["upload"].pk,
        "clip": world["clip"].pk,
        "other_code": world["other_labeler"].code,
        "labeler": world["other_labeler"].pk,
        "disagreement": world["disagreement"].pk,
        "proposal": world["proposal"].pk,
        "round": world["round"].pk,
        "sample": world["sample"].pk,
        "spare": world["spare"].pk,
        "school": world["round"].project_id,
        "artefact": "metrics",
    }


def _fill(value, ids):
    if isinstance(value, str):
        filled = value.format(**ids)
        return int(filled) if filled.isdigit() and value.startswith("{") else filled
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    return value


CASES = [
    pytest.param(name, method, url, body, role, expected.get(role, D), id=f"{name}-{role}")
    for name, method, url, body, expected in MATRIX
    for role in ROLES
]


@pytest.mark.django_db
@pytest.mark.parametrize("name,method,url,body,role,expected", CASES)
def test_permission_matrix(world, name, method, url, body, role, expected):
    client = APIClient()
    user = world["users"][role]
    if user is not None:
        client.force_authenticate(user)
    ids = _ids(world)
    target = _fill(url, ids)
    if isinstance(body, bytes):
        response = client.generic(
            method.upper(), target, body, content_type="application/octet-stream"
        )
    else:
        response = getattr(client, method)(target, _fill(body, ids), format="json")
    assert response.status_code == expected, (
        name,
        role,
        response.status_code,
        response.content[:300],
    )


def test_matrix_covers_every_route():
    """Every API route appears in the matrix, so a new endpoint cannot skip it."""
    from django.urls import get_resolver

    from api import urls as api_urls

    patterns = set()

    def walk(resolver, prefix=""):
        for entry in resolver.url_patterns:
            if hasattr(entry, "url_patterns"):
                walk(entry, prefix + str(entry.pattern))
            else:
                patterns.add(prefix + str(entry.pattern))

    walk(get_resolver(api_urls))
    routes = {
        p for p in patterns if "format" not in p and p not in ("", "^$", "docs/", "auth/token/")
    }
    covered = {url.split("?")[0] for _, _, url, _, _ in MATRIX}

    def normalise(p: str) -> str:
        import re

        p = p.lstrip("^").rstrip("$")
        p = re.sub(r"\(\?P<\w+>[^)]+\)", "{}", p)
        p = re.sub(r"<[^>]+>", "{}", p)
        return "/api/" + p.replace("\\.", ".").rstrip("/") + "/"

    def normalise_url(u: str) -> str:
        import re

        return re.sub(r"\{\w+\}", "{}", u).rstrip("/") + "/"

    missing = {normalise(r) for r in routes} - {normalise_url(u) for u in covered}
    missing = {m for m in missing if m not in ("/api//", "/api/")}
    assert not missing, f"routes without a permission row: {sorted(missing)}"


@pytest.mark.django_db
def test_token_authentication(world):
    client = APIClient()
    user = world["users"]["admin"]
    response = client.post(
        "/api/auth/token/", {"username": user.username, "password": "password123"}
    )
    assert response.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    assert client.get("/api/me/").json()["role"] == "admin"


@pytest.mark.django_db
def test_labeler_lists_hide_other_labelers_work(world):
    """Blindness in list endpoints: the other labeler's list has neither video nor segment."""
    client = APIClient()
    client.force_authenticate(world["users"]["other"])
    assert client.get("/api/videos/").json()["count"] == 0
    assert client.get("/api/segments/").json()["count"] == 0
    assert client.get("/api/assignments/").json()["count"] == 0
    client.force_authenticate(world["users"]["assigned"])
    videos = client.get("/api/videos/").json()["results"]
    assert [v["id"] for v in videos] == [world["video"].pk]
    assert "labelers" not in videos[0] and "sha256" not in videos[0]
