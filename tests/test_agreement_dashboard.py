"""The agreement dashboard (issue 4, "Dashboard (admins)"): the export endpoint for papers and the
page in headless Chromium (heatmap, worst-first videos, SVG charts, downloads, Recompute).

Three labelers A, B, C; four videos, each labelled by two of them:

    v1  A–B  both segments match                      R = 1
    v2  B–C  one of two pairs matches                 R = 0.5
    v3  A–C  same category but tIoU 0.12 < θ          R = 0
    v4  A–B  two of A's three segments match B's two  R = 0.8

so R_pair(A, B) = 2·4 / 9, R_pair(A, C) = 0, R_pair(B, C) = 0.5.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest
from rest_framework.test import APIClient

from annotator.models import Assignment
from annotator.services import assignment as assignment_service
from annotator.services.agreement import latest_run, record_run, run_payload
from annotator.services.segments import create_segment
from api.agreement_export import COLUMNS
from tests.browser import PASSWORD, create_admin, login
from tests.factories import AdminFactory, LabelerFactory, ProjectFactory, VideoFactory

REPO = Path(__file__).resolve().parents[1]

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
                    assignment, labeler.user, start_frame=start, end_frame=end,
                    category_code=category,
                )  # fmt: skip
            assignment_service.submit(assignment)
    return project, labelers


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
    Clip.objects.create(project=project, video=v1, start_frame=1, end_frame=5, category=category,
                        origin="matched", status="processed")  # fmt: skip
    v2 = project.videos.get(external_id="v2")
    for status in ("processed", "agreed"):
        Clip.objects.create(project=project, video=v2, start_frame=1, end_frame=5,
                            category=category, origin="matched", status=status)  # fmt: skip
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


def expect(target):
    from playwright.sync_api import expect as pw_expect

    return pw_expect(target)


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


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_the_latest_run_and_recomputes(
    live_server, ui_page, celery_worker, tmp_path
):
    from pipeline import jobs
    from pipeline.models import Job

    project, _ = build_project()
    # The submissions queued one agreement job (record_run inside); run it here, before any
    # worker exists, so the worker started below only sees the Recompute job.
    [queued] = Job.objects.filter(kind="agreement", state="queued")
    assert jobs.execute(queued.pk, "test")[0] == "succeeded"
    run = latest_run(project)
    create_admin()
    payload = run_payload(run)
    page = ui_page
    login(page, live_server.url, "admin", PASSWORD)
    page.goto(f"{live_server.url}/projects/{project.pk}/")
    page.get_by_role("link", name="Agreement dashboard").click()
    page.wait_for_url(f"**/projects/{project.pk}/agreement/")

    expect(page.locator("#run-theta")).to_have_text("0.5")
    expect(page.locator("#run-header")).to_contain_text("mg-agreement/1")
    expect(page.locator("#kpi-r-avg")).to_have_text(f"{payload['r_avg']:.2f}")

    # The heatmap: one cell per ordered pair; shared pairs show R and n, the rest stay empty.
    heat = page.get_by_role("img", name="R per labeler pair")
    expect(heat).to_be_visible()
    expect(heat.locator("g.cell")).to_have_count(9)
    for (i, j), r in EXPECTED_PAIRS.items():
        [pair] = [p for p in payload["per_pair"] if (p["labeler_i"], p["labeler_j"]) == (i, j)]
        assert pair["r"] == r
        for row, col in ((i, j), (j, i)):
            cell = heat.locator(f'g.cell[data-row="{row}"][data-col="{col}"]')
            expect(cell.locator(".cell-r")).to_have_text(f"{r:.2f}")
            expect(cell.locator(".cell-n")).to_have_text(f"n={pair['videos']}")
    expect(heat.locator("g.cell.empty")).to_have_count(3)  # the diagonal

    # Disagreements by kind, as the run counted them.
    for kind, n in payload["disagreements"].items():
        expect(page.locator(f'#kinds-table tr[data-kind="{kind}"] td')).to_have_text(str(n))

    # R per video: worst first, each row linking to the video's review; sortable.
    rows = page.locator("#videos-table tbody tr")
    expect(rows.locator("th")).to_have_text(WORST_FIRST)
    expect(rows.locator(".r-cell")).to_have_text(["0.00", "0.50", "0.80", "1.00"])
    v3 = project.videos.get(external_id="v3")
    expect(rows.first.get_by_role("link", name="Review video v3")).to_have_attribute(
        "href", f"/review/{v3.pk}/"
    )
    page.locator('#videos-table th[data-key="r"] button').click()
    expect(rows.locator("th")).to_have_text(list(reversed(WORST_FIRST)))
    expect(page.locator('#videos-table th[data-key="r"]')).to_have_attribute(
        "aria-sort", "descending"
    )
    page.locator('#videos-table th[data-key="r"] button').click()
    expect(rows.locator("th")).to_have_text(WORST_FIRST)

    # The charts: 9 points on R(θ) with the θ marked, a bar per category, deltas histograms.
    curve = page.get_by_role("img", name="R as a function of θ")
    expect(curve.locator("circle.point")).to_have_count(9)
    expect(curve.locator(".theta-mark")).to_have_attribute("data-theta", "0.5")
    bars = page.get_by_role("img", name="R per category")
    expect(bars.locator("g.bar")).to_have_count(len(payload["per_category"]))
    first = payload["per_category"][0]
    expect(bars.locator("g.bar").first.locator(".bar-label")).to_contain_text(first["name"][:20])
    onsets = page.get_by_role("img", name="Onset deltas")
    counts = [int(c) for c in onsets.locator("g.bin").evaluate_all(
        "bins => bins.map(b => b.dataset.count)")]  # fmt: skip
    assert sum(counts) == len(payload["boundary_deltas"]["onsets"]) == payload["matches"]
    expect(page.get_by_role("img", name="Offset deltas")).to_be_visible()

    # Progress: 4 videos, all assigned and labelled; v1 (no disagreement) closed by itself.
    assert [v.external_id for v in project.videos.filter(review_closed_at__isnull=False)] == ["v1"]
    expect(page.locator('#progress-table tr[data-step="labelled"] td.num')).to_have_text("4")
    expect(page.locator('#progress-table tr[data-step="agreed"] td.num')).to_have_text("1")
    expect(page.locator('#progress-table tr[data-step="processed"] td.num')).to_have_text("0")

    # A CSV download, made by the server.
    with page.expect_download() as info:
        page.get_by_role("link", name="R per labeler pair as CSV").click()
    download = info.value
    assert download.suggested_filename == f"Dash-agreement-run{run.pk}-per_pair.csv"
    text = Path(download.path()).read_text()
    assert text.splitlines()[0] == ",".join(COLUMNS["per_pair"])
    assert len(text.splitlines()) == 1 + len(payload["per_pair"])

    shots = REPO / "docs" if os.environ.get("MGSTUDIO_DOCS_SCREENSHOTS") == "1" else tmp_path
    page.screenshot(path=str(shots / "agreement-dashboard.png"), full_page=True)

    # Recompute with θ = 0.3: a job, run by a real worker; the page follows it and redraws.
    celery_worker()
    page.get_by_label("θ (tIoU threshold)").fill("0.3")
    page.get_by_role("button", name="Recompute").click()
    expect(page.locator("#run-theta")).to_have_text("0.3", timeout=60_000)
    expect(page.locator("#recompute-status")).to_have_text("Recomputed with θ = 0.3.")
    latest = latest_run(project)
    assert (latest.theta, latest.trigger) == (0.3, "manual")
    expect(page.locator("#history-table tbody tr")).to_have_count(2)
    expect(page.locator("#history-table tbody tr").first).to_have_attribute(
        "data-run-id", str(latest.pk)
    )
    curve = page.get_by_role("img", name="R as a function of θ")
    expect(curve.locator(".theta-mark")).to_have_count(2)  # this run's θ and the project's
    assert page.js_errors == []
