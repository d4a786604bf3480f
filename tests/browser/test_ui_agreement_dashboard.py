"""The agreement dashboard page in headless Chromium: heatmap, worst-first videos, SVG charts,
downloads and Recompute, on the project of tests.support.agreement_project."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from annotator.services.agreement import latest_run, run_payload
from api.agreement_export import COLUMNS
from tests.support.agreement_project import EXPECTED_PAIRS, WORST_FIRST, build_project
from tests.support.browser import PASSWORD, create_admin, login
from tests.support.paths import DOCS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dashboard_draws_the_latest_run_and_recomputes(
    live_server, ui_page, celery_worker, tmp_path
):
    from jobs import runner
    from jobs.models import Job

    project, _ = build_project()
    # The submissions queued one agreement job (record_run inside); run it here, before any
    # worker exists, so the worker started below only sees the Recompute job.
    [queued] = Job.objects.filter(kind="agreement", state="queued")
    assert runner.execute(queued.pk, "test")[0] == "succeeded"
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
    counts = [
        int(c)
        for c in onsets.locator("g.bin").evaluate_all("bins => bins.map(b => b.dataset.count)")
    ]
    assert sum(counts) == len(payload["boundary_deltas"]["onsets"]) == payload["matches"]
    expect(page.get_by_role("img", name="Offset deltas")).to_be_visible()

    # Progress: 4 videos, all assigned and labelled; v1 (no disagreement) closed by itself.
    assert [v.external_id for v in project.videos.filter(review_closed_at__isnull=False)] == ["v1"]
    expect(page.locator('#progress-table tr[data-step="labelled"] td.num')).to_have_text("4")
    expect(page.locator('#progress-table tr[data-step="agreed"] td.num')).to_have_text("1")
    expect(page.locator('#progress-table tr[data-step="processed"] td.num')).to_have_text("0")

    # R by origin: no segment here began as a machine proposal, so all are "by hand".
    split = payload["by_origin"]
    manual = page.locator('#origin-table tr[data-origin="manual"] td')
    expect(manual).to_have_text(
        [
            str(split["manual"]["segments"]),
            str(split["manual"]["matches"]),
            f"{payload['r_avg']:.2f}",
        ]
    )
    expect(page.locator('#origin-table tr[data-origin="proposal"] td').first).to_have_text("0")

    # A CSV download, made by the server.
    with page.expect_download() as info:
        page.get_by_role("link", name="R per labeler pair as CSV").click()
    download = info.value
    assert download.suggested_filename == f"Dash-agreement-run{run.pk}-per_pair.csv"
    text = Path(download.path()).read_text()
    assert text.splitlines()[0] == ",".join(COLUMNS["per_pair"])
    assert len(text.splitlines()) == 1 + len(payload["per_pair"])

    shots = DOCS if os.environ.get("MGSTUDIO_DOCS_SCREENSHOTS") == "1" else tmp_path
    page.screenshot(path=str(shots / "agreement-dashboard.png"), full_page=True)

    # Recompute with θ = 0.3: a job, run by a real worker; the page follows it and redraws.
    celery_worker()
    page.get_by_label("θ (tIoU threshold)").fill("0.3")
    page.get_by_role("button", name="Recompute").click()
    expect(page.locator("#run-theta")).to_have_text("0.3", timeout=60_000)
    expect(page.locator("#recompute-status")).to_have_text("Recomputed with θ = 0.3.")
    latest = latest_run(project)
    assert (latest.theta, latest.trigger) == (0.3, "manual")
    expect(page.locator("#run-header")).to_contain_text("started on demand")
    expect(page.locator("#history-table tbody tr")).to_have_count(2)
    expect(page.locator("#history-table tbody tr").first).to_have_attribute(
        "data-run-id", str(latest.pk)
    )
    curve = page.get_by_role("img", name="R as a function of θ")
    expect(curve.locator(".theta-mark")).to_have_count(2)  # this run's θ and the project's
    assert page.js_errors == []
