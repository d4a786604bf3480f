"""Attacks on the server-folder import and on media serving, as an admin of the app would try
them (docs/security.md): nothing outside an import root is ever read, and nothing is served
before ffprobe has said it is a video."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from annotator.models import Video
from annotator.services.ingest import import_folder
from jobs import runner
from jobs.models import Job
from tests.support import media_factory as mf
from tests.support.factories import AdminFactory, ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _in_process_jobs(settings):
    # Jobs run here in the test's own transaction; a heartbeat thread on another connection
    # would wait on the job row the test holds.
    settings.JOB_HEARTBEAT_SECONDS = 3600


@pytest.fixture
def admin() -> APIClient:
    client = APIClient()
    client.force_authenticate(AdminFactory())
    return client


@pytest.fixture
def project():
    return ProjectFactory()


@pytest.fixture
def import_root(tmp_path, settings) -> Path:
    """An import root holding one batch folder, and a private video beside the root."""
    root = tmp_path / "import"
    (root / "batch").mkdir(parents=True)
    (tmp_path / "outside").mkdir()
    mf.make_numbered_video(tmp_path / "outside" / "secret.mp4", 10)
    settings.IMPORT_ROOTS = [str(root)]
    return root


def post_import(client: APIClient, project, folder, metadata: str):
    return client.post(
        f"/api/projects/{project.pk}/import/",
        {"folder": str(folder), "metadata": metadata},
        format="json",
    )


def run_import(client: APIClient, project, folder, metadata: str) -> Job:
    """The import as the API starts it, with its job run here (its ingest jobs stay queued)."""
    started = post_import(client, project, folder, metadata)
    assert started.status_code == 202, started.json()
    job_id = started.json()["job"]
    runner.execute(job_id, "test")
    return Job.objects.get(pk=job_id)


def stored_sources(media_root: Path) -> list[Path]:
    return [p for p in (media_root / "sources").rglob("*") if p.is_file()]


def test_import_roots_default_to_a_folder_under_the_data_dir(settings):
    default = Path(settings.DATA_DIR) / "import"
    assert [Path(p) for p in settings.IMPORT_ROOTS] == [default]
    assert default.is_dir()  # made by the entry points (mgstudio.data_dirs)


@pytest.mark.parametrize(
    "folder,metadata",
    [
        ("/", "video_id,file\nleak,etc/hostname\n"),  # the attack as it was reported
        ("/proc/self", "video_id,file\nenv,environ\n"),  # the worker's secret key
        ("/etc", "video_id,file\nhost,hostname\n"),
    ],
    ids=["root", "proc-self-environ", "etc"],
)
def test_server_files_cannot_be_imported_with_the_default_roots(
    admin, project, media_root, folder, metadata
):
    answer = post_import(admin, project, folder, metadata)
    assert answer.status_code == 400
    assert answer.json()["code"] == "import_folder_not_allowed"
    assert not Video.objects.exists() and not Job.objects.exists()


def test_outside_folders_get_one_answer_whether_or_not_they_exist(admin, project, import_root):
    # Otherwise the error would tell an admin which folders exist on the server.
    answers = [
        post_import(admin, project, folder, "video_id\n1\n")
        for folder in ("/etc", "/no/such/folder", import_root.parent, import_root / "missing/..")
    ]
    assert [(a.status_code, a.json()["code"]) for a in answers[:3]] == [
        (400, "import_folder_not_allowed")
    ] * 3
    assert answers[3].status_code == 202  # ".." that stays inside the root is fine


def test_a_folder_symlinked_out_of_the_root_is_refused(admin, project, import_root):
    (import_root / "everything").symlink_to("/")
    (import_root / "proc").symlink_to("/proc/self")
    for link in ("everything", "proc"):
        answer = post_import(admin, project, import_root / link, "video_id,file\nx,environ\n")
        assert answer.status_code == 400 and answer.json()["code"] == "import_folder_not_allowed"


def test_the_filesystem_root_is_refused_as_an_import_root(admin, project, settings):
    settings.IMPORT_ROOTS = ["/"]
    answer = post_import(admin, project, "/etc", "video_id,file\nhost,hostname\n")
    assert answer.status_code == 400 and answer.json()["code"] == "import_root_unsafe"


def test_rows_cannot_reach_outside_the_folder(admin, project, import_root, media_root, tmp_path):
    batch = import_root / "batch"
    mf.make_numbered_video(batch / "link.mp4", 10)
    (batch / "leak.mp4").symlink_to(tmp_path / "outside" / "secret.mp4")
    (batch / "env.mp4").symlink_to("/proc/self/environ")
    (batch / "notes.txt").write_text("SECRET=1\n")
    metadata = (
        "video_id,file\n"
        "../../outside/secret,\n"  # the id walks out of the folder
        "by-file,../../outside/secret.mp4\n"
        "leak,\n"  # a symlink inside the folder, found by its id
        "leak-by-name,leak.mp4\n"  # the same symlink, named
        "env,\n"
        "*,\n"  # globs would pick link.mp4 (the only video left in the folder)
        "?ink,\n"
        "[l]ink,\n"
        "notes,notes.txt\n"
    )
    job = run_import(admin, project, batch, metadata)
    assert job.state == "succeeded", job.log
    assert job.result["created"] == []
    reasons = job.result["rejected"]
    assert len(reasons) == 9, reasons
    for key, why in reasons.items():
        assert any(
            words in why
            for words in ("may not contain", "outside the import folder", "not a video file")
        ), (key, why)
    assert stored_sources(media_root) == []
    assert (tmp_path / "outside" / "secret.mp4").stat().st_nlink == 1  # never hard-linked
    assert not Video.objects.exclude(source_file="").exists()


def test_a_nul_byte_in_the_csv_rejects_its_row(project, import_root, media_root):
    # The API refuses NUL in any text field; the command line reads the CSV from a file.
    mf.make_numbered_video(import_root / "batch" / "ok.mp4", 10)
    report = import_folder(
        project, import_root / "batch", "video_id,file\nnul,ok\x00.mp4\nok,ok.mp4\n"
    )
    assert [v.external_id for v in report.created] == ["ok"]
    (rejected,) = report.rejected
    assert "may not contain '\\x00'" in rejected.error


def test_nothing_is_served_before_the_probe(admin, project, import_root, media_root):
    """A text file named .mp4 passes every name check; its bytes must still never be served."""
    secret = "DJANGO_SECRET_KEY=not-for-your-eyes\n"
    (import_root / "batch" / "notes.mp4").write_text(secret)
    job = run_import(admin, project, import_root / "batch", "video_id\nnotes\n")
    assert job.result["created"] == ["notes"]
    video = Video.objects.get(external_id="notes")
    assert video.status == "pending" and video.source_file
    for endpoint in ("source", "proxy"):
        answer = admin.get(f"/api/videos/{video.pk}/{endpoint}/")
        assert answer.status_code == 404, endpoint
        body = b"".join(getattr(answer, "streaming_content", [answer.content]))
        assert secret.encode() not in body
    runner.execute(video.ingest_job_id, "test")
    video.refresh_from_db()
    assert (video.status, video.error_code) == ("rejected", "not_a_video")
    assert admin.get(f"/api/videos/{video.pk}/source/").status_code == 404


def test_long_file_name_gives_a_bounded_id(admin, project):
    ids = []
    for name in ("a" * 200 + ".mp4", "a" * 200 + "b.mp4", "match [final]?.mp4"):
        created = admin.post(
            "/api/uploads/", {"project": project.pk, "filename": name, "size": 10}, format="json"
        )
        assert created.status_code == 201, created.json()
        ids.append(created.json()["external_id"])
    long_a, long_b, odd = ids
    assert long_a == "a" * 41 + "-" + hashlib.sha256(b"a" * 200).hexdigest()[:8]
    assert len(long_b) == 50 and long_b != long_a
    assert odd == "match _final__"


def test_typed_ids_are_checked(admin, project, import_root, media_root):
    for external_id in ("../x", "a*", "x" * 51):
        answer = admin.post(
            "/api/uploads/",
            {"project": project.pk, "filename": "v.mp4", "size": 10, "external_id": external_id},
            format="json",
        )
        assert answer.status_code == 400, external_id
    body = {"project": project.pk, "filename": "v.mp4", "size": 10, "external_id": "a/b"}
    assert admin.post("/api/uploads/", body, format="json").json()["code"] == "invalid_video_id"
    long_id = "9" * 51
    mf.make_numbered_video(import_root / "batch" / "v.mp4", 10)
    job = run_import(admin, project, import_root / "batch", f"video_id,file\n{long_id},v.mp4\n")
    assert job.state == "succeeded", job.log
    assert "longer than 50" in " ".join(job.result["rejected"].values())
    assert not Video.objects.filter(external_id=long_id).exists()


def test_the_command_line_import_keeps_its_folder_as_the_root(project, tmp_path, media_root):
    # The operator names any folder on the command line; rows still cannot leave it.
    folder, outside = tmp_path / "operator", tmp_path / "outside"
    folder.mkdir()
    outside.mkdir()
    mf.make_numbered_video(folder / "1.mp4", 10)
    mf.make_numbered_video(outside / "secret.mp4", 10)
    (folder / "2.mp4").symlink_to(outside / "secret.mp4")
    metadata = tmp_path / "meta.csv"
    metadata.write_text("video_id\n1\n2\n")
    call_command("import_videos", str(folder), metadata=str(metadata), project=project.name)
    videos = dict(Video.objects.values_list("external_id", "status"))
    assert videos == {"1": "pending", "2": "rejected"}
    assert os.stat(outside / "secret.mp4").st_nlink == 1
