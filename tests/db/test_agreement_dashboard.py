"""The agreement dashboard's data: the export endpoint for papers (CSV/JSON of the latest run),
progress counts, and who may open the page. The project is tests.support.agreement_project."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rest_framework.test import APIClient

from annotator.models import Assignment
from annotator.services.agreement import record_run, run_payload
from api.agreement_export import COLUMNS
from tests.support.agreement_project import EXPECTED_PAIRS, build_project
from tests.support.factories import AdminFactory, VideoFactory


def export(client, project, table, fmt):
    url = f"/api/projects/{project.pk}/agreement/export/"
    return client.get(url, {"table": table, "fmt": fmt})


# --- the export endpoint ---------------------------------------------------------------------


@pytest.mark.django_db
def test_export_before_any_run_is_404_and_labelers_are_refused():
    project, labelers = build_project()
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    assert export(admin, project, "per_pair", "csv").status_code == 404
    assert export(admin, project, "per_pair", "json").status_code == 404
    record_run(project)
    labeler = APIClient()
    labeler.force_authenticate(labelers["A"].user)
    for table in COLUMNS:
        assert export(labeler, project, table, "csv").status_code == 403
    assert APIClient().get(f"/api/projects/{project.pk}/agreement/export/").status_code in (
        401,
        403,
    )


@pytest.mark.django_db
def test_export_rejects_unknown_tables_and_formats():
    project, _ = build_project()
    record_run(project)
    admin = APIClient()
    admin.force_authenticate(AdminFactory())
    assert export(admin, project, "nothing", "csv").status_code == 400
    assert export(admin, project, "per_pair", "xlsx").status_code == 400


@pytest.mark.django_db
def test_export_csv_and_json_match_the_latest_run():
    project, _ = build_project()
    record_run(project)
    run = record_run(project, theta=0.3)  # the latest run is the one exported
    payload = run_payload(run)
    admin = APIClient()
    admin.force_authenticate(AdminFactory())

    def download(table, fmt):
        response = export(admin, project, table, fmt)
        assert response.status_code == 200, response.content[:300]
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment;")
        assert f'-run{run.pk}-{table}.{fmt}"' in disposition
        return response.content.decode()

    def rows(table):
        text = download(table, "csv")
        reader = list(csv.reader(io.StringIO(text)))
        assert reader[0] == COLUMNS[table]
        return reader[1:]

    cell = lambda v: "" if v is None else str(v)  # noqa: E731

    pairs = rows("per_pair")
    assert pairs == [[cell(p[c]) for c in COLUMNS["per_pair"]] for p in payload["per_pair"]]
    assert {(r[0], r[1]): float(r[6]) for r in pairs} == EXPECTED_PAIRS

    videos = rows("per_video")
    assert [r[0] for r in videos] == [v["video"] for v in payload["per_video"]]
    kinds = COLUMNS["per_video"][8:]
    for row, entry in zip(videos, payload["per_video"], strict=True):
        assert row[:8] == [cell(entry[c]) for c in COLUMNS["per_video"][:8]]
        assert row[8:] == [str(entry["disagreements"].get(k, 0)) for k in kinds]

    categories = rows("per_category")
    assert categories == [
        [cell(c[k]) for k in COLUMNS["per_category"]] for c in payload["per_category"]
    ]
    curve = rows("r_curve")
    assert [float(r[0]) for r in curve] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert curve == [[cell(p[k]) for k in COLUMNS["r_curve"]] for p in payload["r_curve"]]

    deltas = rows("deltas")
    onsets = payload["boundary_deltas"]["onsets"]
    offsets = payload["boundary_deltas"]["offsets"]
    assert deltas == [["onset", str(v)] for v in onsets] + [["offset", str(v)] for v in offsets]
    assert len(onsets) == run.summary["matches"]

    for table, key in [(t, t) for t in ("per_pair", "per_video", "per_category", "r_curve")] + [
        ("deltas", "boundary_deltas")
    ]:
        assert json.loads(download(table, "json")) == payload[key]


@pytest.mark.django_db
def test_progress_counts_videos_along_the_way():
    from django.utils import timezone

    from annotator.models import Clip

    project, labelers = build_project()
    extra = VideoFactory(project=project, external_id="v5")  # assigned once, not submitted
    Assignment.objects.create(video=extra, labeler=labelers["A"], position=9)
    v1 = project.videos.get(external_id="v1")
    v1.review_closed_at = timezone.now()
    v1.save(update_fields=["review_closed_at"])
    category = project.categories.get(code=1)
    Clip.objects.create(
        project=project,
        video=v1,
        start_frame=1,
        end_frame=5,
        category=category,
        origin="matched",
        status="processed",
    )
    v2 = project.videos.get(external_id="v2")
    for status in ("processed", "agreed"):
        Clip.objects.create(
            project=project,
            video=v2,
            start_frame=1,
            end_frame=5,
            category=category,
            origin="matched",
            status=status,
        )
    client = APIClient()
    client.force_authenticate(AdminFactory())
    progress = client.get(f"/api/projects/{project.pk}/").json()["progress"]
    assert {k: progress[k] for k in ("videos", "assigned", "labelled", "agreed", "processed")} == {
        "videos": 5,
        "assigned": 5,
        "labelled": 4,
        "agreed": 1,
        "processed": 1,
    }
    assert progress["released"] == 0
    assert progress["clips"] == 3  # the existing keys stay


# --- the page --------------------------------------------------------------------------------


def test_dashboard_page_is_for_admins_only(client, db):
    project, labelers = build_project()
    url = f"/projects/{project.pk}/agreement/"
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(labelers["A"].user)
    assert client.get(url).status_code == 403
    client.force_login(AdminFactory())
    response = client.get(url)
    assert response.status_code == 200
    assert b'id="agreement-app"' in response.content
    detail = client.get(f"/projects/{project.pk}/").content.decode()
    assert f'href="{url}"' in detail
