"""The baseline run page and the project's baselines page in headless Chromium: curves,
metrics against the paper, per-class table, artefacts, and starting a run."""

from __future__ import annotations

import pytest

from annotator.models import BaselineRun, Release
from tests.support.factories import ProjectFactory
from tests.support.release_factory import synthetic_release


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_run_page_shows_curve_metrics_and_artefacts(live_server, ui_page, media_root):
    import zlib

    from tests.support.browser import create_admin, login

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data).to_bytes(4, "big")
        return len(data).to_bytes(4, "big") + kind + data + crc

    out = media_root / "baselines" / "x"
    out.mkdir(parents=True)
    ihdr = (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])  # 1×1, 8-bit RGB
    (out / "confusion.png").write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )
    release = Release.objects.create(project=ProjectFactory(), name="tiny", version="1")
    curve = [
        {"epoch": 1, "loss": 1.5, "accuracy": 0.25},
        {"epoch": 2, "loss": 1.1, "accuracy": 0.5},
    ]
    run = BaselineRun.objects.create(
        release=release,
        model_name="lstm",
        status="done",
        metrics={
            "curve": curve,
            "epochs": 2,
            "top1": 0.375,
            "top5": 0.875,
            "mean_class_accuracy": 0.4,
            "num_train": 24,
            "num_test": 24,
            "trivial": {"majority_top1": 0.25, "prior_top5": 0.75},
            "per_class": [
                {
                    "label": 0,
                    "code": "C1",
                    "name": "",
                    "support": 4,
                    "correct": 2,
                    "recall": 0.5,
                    "predicted": 3,
                }
            ],
        },
        artefacts={"confusion": "baselines/x/confusion.png"},
    )
    create_admin()
    page = ui_page
    login(page, live_server.url, "admin")
    page.goto(f"{live_server.url}/baselines/runs/{run.pk}/")
    page.locator("svg.curve-loss circle.point").nth(1).wait_for()
    assert page.locator("svg.curve-loss circle.point").count() == 2
    assert page.locator("svg.curve-accuracy circle.point").count() == 2
    assert page.locator("svg.curve-loss circle.point").first.get_attribute("data-loss") == "1.5"
    assert page.locator("#metrics-table tr.this-run .top1").inner_text() == "37.50"
    assert page.locator("#metrics-table tr.this-run .top5").inner_text() == "87.50"
    assert "32.36" in page.locator("#metrics-table").inner_text()  # the paper's LSTM
    assert page.locator("#per-class-table tbody tr").count() == 1
    page.locator("#confusion-img").wait_for()
    assert page.evaluate("document.getElementById('confusion-img').naturalWidth") == 1
    assert page.locator("#artefacts-list a").get_attribute("href") == (
        f"/api/baseline-runs/{run.pk}/artefacts/confusion/"
    )
    page.goto(f"{live_server.url}/projects/{release.project_id}/baselines/")
    page.locator(f'#runs-table tr[data-run="{run.pk}"]').wait_for()
    assert page.locator(f'#runs-table tr[data-run="{run.pk}"] .top1').inner_text() == "37.50"
    assert page.locator("#no-releases").is_visible()  # no folder written: nothing to start

    # A written release can be picked; starting a run queues it and lists it.
    synthetic_release(media_root / "releases" / "tiny-2", num_classes=6)
    written = Release.objects.create(
        project=release.project, name="tiny", version="2", path="releases/tiny-2", status="done"
    )
    page.reload()
    page.get_by_label("Release", exact=True).select_option(str(written.pk))
    page.get_by_label("Model", exact=True).select_option("stgcn")
    page.locator("#run-overrides").fill("epochs=3\nmodel_cfg.dropout=0.1")
    page.get_by_role("button", name="Start run").click()
    page.locator("#page-notice a").wait_for()
    new = BaselineRun.objects.exclude(pk=run.pk).get()
    assert (new.release_id, new.model_name) == (written.pk, "stgcn")
    assert new.config["overrides"] == {"epochs": 3, "model_cfg.dropout": 0.1}
    page.locator(f'#runs-table tr[data-run="{new.pk}"] .badge.status-pending').wait_for()
    assert not page.js_errors, page.js_errors
