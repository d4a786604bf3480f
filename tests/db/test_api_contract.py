"""The API's contract (docs/design.md §14): every success response is typed in the OpenAPI
schema, the schema builds without a warning, and every domain refusal is answered by the one
exception handler with its status, message and stable code."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

from annotator import errors
from annotator.services.agreement import record_run, run_payload
from api.serializers import AgreementReportSerializer
from tests.support.agreement_project import build_project
from tests.support.factories import AdminFactory, ProjectFactory

pytestmark = pytest.mark.django_db

# Objects in 2xx responses that are maps by nature (their keys are data, not field names),
# as "Component.property" ("{}" marks a map's values). Every other object must be typed.
MAPS = {
    "Shortcuts.shortcuts": "action name → key; the actions are the annotate page's own",
    "Workspace.shortcuts": "the same shortcuts, handed to the annotate page",
    "Assigned.load": "labeler code → videos",
    "Assigned.pairs": '"A-B" labeler pair → videos they share',
    "VideoReview.segments": "labeler code → that labeler's submitted segments",
    "RoundStatus.labelers": "labeler code → their items in the round",
    "RoundComparison.labelers": "labeler code → their items in the round",
    "RoundComparison.mean_r": "labeler code → mean R against the others",
    "RoundComparison.segments": "video external id → labeler code → segments",
    "RoundComparison.segments{}": "labeler code → segments, per video",
    "BaselineRun.artefacts": "artefact name → download URL; names depend on the model",
    "BaselineRun.overrides": "dotted recipe key → value, as the admin gave them",
    "BaselineRun.recipe": "the model's whole training recipe; its keys differ per model",
}


def _schema(tmp_path: Path) -> dict:
    """The schema as `manage.py spectacular --fail-on-warn` writes it (a warning fails)."""
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--fail-on-warn", "--file", str(out), stdout=StringIO())
    return yaml.safe_load(out.read_text())


def _free_objects(schema: dict) -> tuple[set[str], set[str]]:
    """(free-form objects outside the listed maps, listed maps seen) over every 2xx response,
    following $refs; an object is free-form when it has no properties of its own."""
    components = schema["components"]["schemas"]
    free: set[str] = set()
    maps_seen: set[str] = set()

    def walk(node: dict, where: str, seen: frozenset) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], name, seen | {name})
            return
        for key in ("allOf", "oneOf", "anyOf"):
            for sub in node.get(key, []):
                walk(sub, where, seen)
        if node.get("type") == "array":
            walk(node.get("items", {}), where, seen)
            return
        properties = node.get("properties")
        extra = node.get("additionalProperties")
        if node.get("type") == "object" or properties is not None or extra is not None:
            if not properties:
                if where in MAPS:
                    maps_seen.add(where)
                else:
                    free.add(where)
                if isinstance(extra, dict):
                    walk(extra, where + "{}", seen)
            for name, prop in (properties or {}).items():
                walk(prop, f"{where}.{name}", seen)

    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                if not str(code).startswith("2"):
                    continue
                for media in (response.get("content") or {}).values():
                    if "schema" in media:
                        walk(media["schema"], f"{method.upper()} {path} {code}", frozenset())
    return free, maps_seen


def test_every_success_response_is_typed(tmp_path):
    free, maps_seen = _free_objects(_schema(tmp_path))
    assert not free, f"free-form objects in 2xx responses (type them, or list a map): {free}"
    assert maps_seen == set(MAPS), f"listed maps the schema no longer has: {set(MAPS) - maps_seen}"


def test_the_dashboard_report_is_the_cli_report():
    """The API types the stored run; it must answer exactly what `reliability --json` prints."""
    project, _ = build_project()
    run = record_run(project)
    assert dict(AgreementReportSerializer(run).data) == run_payload(run)


def _domain_errors() -> list[type[errors.DomainError]]:
    # Import every module that defines domain errors, so that all subclasses are registered.
    from annotator.services import (  # noqa: F401
        accounts,
        baselines,
        clip_import,
        ingest,
        job_retry,
        projects,
        review,
        segment_import,
        segments,
        training,
    )
    from api import agreement_export  # noqa: F401

    found, todo = [], [errors.DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_every_domain_error_has_a_kind_and_a_snake_case_code():
    classes = _domain_errors()
    assert len(classes) > 15
    for cls in classes:
        assert cls.kind in errors.KINDS, cls
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.code), cls


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        # invalid → 400, with the error's own fields
        ("post", "/api/projects/{project}/assign/", None, 400, "too_few_labelers"),
        ("post", "/api/projects/{project}/releases/", {"name": "r"}, 400, "no_clips"),
        # not found → 404
        ("get", "/api/projects/{project}/agreement/", None, 404, "agreement_not_computed"),
        # conflict → 409
        ("delete", "/api/projects/{busy}/", None, 409, "project_has_segments"),
        # a request the view refuses before any service
        ("get", "/api/projects/{project}/agreement/export/?table=x", None, 400, "unknown_table"),
    ],
)
def test_domain_errors_answer_status_detail_and_code(method, url, body, status, code):
    busy, _ = build_project("Busy")
    ids = {"project": ProjectFactory().pk, "busy": busy.pk}
    client = APIClient()
    client.force_authenticate(AdminFactory())
    response = getattr(client, method)(url.format(**ids), body, format="json")
    assert response.status_code == status, response.content
    answer = response.json()
    assert answer["code"] == code and answer["detail"]
    if code == "no_clips":
        assert answer["clips"] == []


def test_drf_refusals_keep_their_body_and_gain_a_code():
    project = ProjectFactory()
    client = APIClient()
    assert client.get("/api/me/").json()["code"] == "not_authenticated"
    client.force_authenticate(AdminFactory())
    missing = client.get(f"/api/projects/{project.pk + 1000}/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    invalid = client.post("/api/projects/", {}, format="json")
    assert invalid.status_code == 400 and "name" in invalid.json()  # field errors untouched
