"""Baseline runs on a release (docs/design.md §11): the Django side of :mod:`baselines`.

:func:`start_run` checks the request (a known recipe, overrides that fit it, a release with a
usable folder) and creates a pending :class:`BaselineRun` plus its job on the ``gpu`` queue; the
job handler (``annotator.handlers.baselines``) trains and evaluates in-process. The run's
overrides and error live in its JSON fields (``config``, ``metrics``); ``job`` is its job.

Run layout: training writes into ``MEDIA_ROOT/work/baselines/<run id>/`` (stable across retries,
so a retried job resumes from its ``checkpoint.pt``; never served); the finished artefacts are
published atomically to ``MEDIA_ROOT/baselines/<run id>/``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from annotator.errors import DomainError
from annotator.job_scopes import project_scope
from annotator.models import BaselineRun, Release
from jobs import runner
from jobs.kinds import JobKind

# A release folder needs these for any recipe; skeleton recipes read poses/, TSM reads clips/.
REQUIRED_FILES = ("clips.csv", "videos.csv", "taxonomy.json", "splits/cross_subject.json")


class BaselineError(DomainError):
    """A run that cannot start: the message says why (shown to the admin as is)."""

    code = "baseline_refused"


def recipes() -> tuple[str, ...]:
    from baselines.recipes import RECIPES

    return RECIPES


def paper_numbers() -> dict[str, tuple[float, float | None]]:
    from baselines.evaluate import PAPER_NUMBERS

    return PAPER_NUMBERS


def run_dirs(run_id: int) -> tuple[str, str]:
    """(work dir, published dir), relative to MEDIA_ROOT."""
    return f"work/baselines/{run_id}", f"baselines/{run_id}"


def media_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def release_folder(release: Release) -> Path:
    """The release's folder (``Release.path``: relative to MEDIA_ROOT or absolute), checked."""
    if not release.path:
        raise BaselineError(
            f"release {release} (id {release.pk}) has no folder: write it first "
            "(export_release or the Releases API) so that its path is recorded",
            code="release_not_written",
        )
    folder = Path(release.path)
    if not folder.is_absolute():
        folder = Path(settings.MEDIA_ROOT) / folder
    if not folder.is_dir():
        raise BaselineError(
            f"release {release} (id {release.pk}): folder {folder} is missing",
            code="release_folder_missing",
        )
    missing = [name for name in REQUIRED_FILES if not (folder / name).is_file()]
    if missing:
        raise BaselineError(
            f"release {release} (id {release.pk}): folder {folder} is not a release "
            f"(missing {', '.join(missing)})",
            code="release_folder_incomplete",
        )
    return folder


def parse_value(text: str) -> Any:
    """``--set`` values are JSON when they parse as JSON (numbers, lists, true), else strings."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_sets(items: list[str]) -> dict[str, Any]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BaselineError(f"--set {item!r}: expected KEY=VALUE", code="bad_override")
        out[key.strip()] = parse_value(value)
    return out


def _check_type(key: str, old: Any, new: Any) -> None:
    """An override must keep the type of the recipe's value (new keys are free)."""
    if old is None:
        return
    is_num = isinstance(new, (int, float)) and not isinstance(new, bool)
    if isinstance(old, dict):
        raise BaselineError(
            f"override {key}: set its entries with dotted keys ({key}.NAME)", code="bad_override"
        )
    if isinstance(old, bool):
        ok = isinstance(new, bool) or key == "amp"
    elif isinstance(old, int):
        ok = is_num and isinstance(new, int)
    elif isinstance(old, float):
        ok = is_num
    elif isinstance(old, (list, tuple)):
        ok = isinstance(new, list)
    else:
        ok = isinstance(new, str) or key == "amp"
    if not ok:
        raise BaselineError(
            f"override {key}: expected {type(old).__name__}, got {new!r}", code="bad_override"
        )
    if key in ("epochs", "batch_size") and new < 1:
        raise BaselineError(f"override {key}: must be at least 1", code="bad_override")


def build_recipe(model_name: str, overrides: dict[str, Any] | None) -> dict:
    """The recipe with the overrides applied; BaselineError for an unknown model or a value of
    the wrong type (a retried job could not fix either)."""
    from baselines.recipes import load_recipe

    if model_name not in recipes():
        raise BaselineError(
            f"unknown model {model_name!r}; known: {', '.join(recipes())}", code="unknown_model"
        )
    overrides = dict(overrides or {})
    base = load_recipe(model_name)
    for key, value in overrides.items():
        if not isinstance(key, str) or not key or key.startswith(".") or key.endswith("."):
            raise BaselineError(f"override key {key!r} is not a recipe entry", code="bad_override")
        node: Any = base
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        _check_type(key, node, value)
    return load_recipe(model_name, **overrides)


def check_inputs(folder: Path, recipe: dict) -> None:
    """Refuse a run that cannot train or be evaluated on the release (no input files, an empty
    side of a split): said now, not after a job has failed (:mod:`baselines.checks`)."""
    from baselines.checks import release_problems

    problems = release_problems(folder, recipe)
    if problems:
        raise BaselineError(
            f"release folder {folder}: {'; '.join(problems)}", code="release_lacks_inputs"
        )


@transaction.atomic
def start_run(
    release: Release, model_name: str, overrides: dict[str, Any] | None = None, user=None
) -> BaselineRun:
    """A pending run and its job on the gpu queue (sent when the transaction commits)."""
    if release.status in (Release.Status.WRITING, Release.Status.FAILED):
        raise BaselineError(
            f"release {release} (id {release.pk}) is {release.status}", code="release_not_ready"
        )
    folder = release_folder(release)
    overrides = dict(overrides or {})
    recipe = build_recipe(model_name, overrides)
    check_inputs(folder, recipe)
    run = BaselineRun.objects.create(
        release=release,
        model_name=model_name,
        status=BaselineRun.Status.PENDING,
        config={"overrides": overrides, "recipe": recipe, "release_folder": str(folder)},
        metrics={"curve": [], "epochs": recipe["epochs"]},
    )
    job = runner.enqueue(
        JobKind.BASELINE_RUN,
        scope=project_scope(release.project_id),
        user=user,
        params={"baseline_run": run.pk, "model": model_name, "overrides": overrides},
    )
    work, published = run_dirs(run.pk)
    run.config = run.config | {"work_dir": work, "out_dir": published}
    run.job = job
    run.save(update_fields=["config", "job"])
    return run
