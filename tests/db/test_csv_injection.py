"""The agreement downloads neutralise spreadsheet formulas in names and video ids, and keep
negative numbers as numbers (docs/security.md, "CSV formula injection")."""

from __future__ import annotations

import csv
import io

import pytest
from rest_framework.test import APIClient

from annotator.services.agreement import record_run
from tests.support.agreement_project import build_project
from tests.support.factories import AdminFactory


def link(code: int) -> str:
    return f'=HYPERLINK("http://evil.example/{code}","click")'


@pytest.mark.django_db
def test_agreement_csv_exports_neutralise_formulas_and_keep_negative_deltas():
    project, _ = build_project()
    for category in project.categories.all():
        category.name = link(category.code)
        category.save(update_fields=["name"])
    video = project.videos.order_by("pk").first()
    video.external_id = "=1+1"
    video.save(update_fields=["external_id"])
    record_run(project)
    admin = APIClient()
    admin.force_authenticate(AdminFactory())

    def table(name: str) -> list[list[str]]:
        url = f"/api/projects/{project.pk}/agreement/export/"
        answer = admin.get(url, {"table": name, "fmt": "csv"})
        assert answer.status_code == 200
        return list(csv.reader(io.StringIO(answer.content.decode())))[1:]

    rows = table("per_category")
    assert rows and all(name == "'" + link(int(code)) for code, name, *_ in rows)
    videos = {row[0] for row in table("per_video")}
    assert "'=1+1" in videos and "=1+1" not in videos
    deltas = [int(row[1]) for row in table("deltas")]  # still plain integers
    assert any(d < 0 for d in deltas), "the project has an early onset: a negative delta"
    # JSON is not a spreadsheet format: it keeps the names as they are.
    url = f"/api/projects/{project.pk}/agreement/export/"
    as_json = admin.get(url, {"table": "per_category", "fmt": "json"}).json()
    assert all(row["name"] == link(row["category"]) for row in as_json)
