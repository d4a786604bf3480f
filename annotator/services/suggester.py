"""The proposal suggester (docs/design.md §17): a finished baseline run whose skeleton classifier
names each proposal's likely category, with its probability.

An admin picks the run per project (``Project.proposal_suggester``); :func:`check_suggester`
refuses, without loading torch (the web process never does), a run that cannot serve: trained on
another project's release, not finished, without its checkpoint or release, or of a recipe that
does not classify skeletons (``baselines.checks.suggester_problem``). The proposals job then
classifies each proposal's pose window with the run's checkpoint (``baselines.predict``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.errors import DomainError
from annotator.models import BaselineRun, Project, Video
from baselines.checks import suggester_problem

from .baselines import BaselineError, media_path, release_folder


class SuggesterRefused(DomainError):
    """This run cannot suggest categories for this project; the message says why."""

    code = "suggester_refused"


def _checkpoint(run: BaselineRun) -> Path | None:
    relative = (run.artefacts or {}).get("checkpoint")
    path = media_path(relative) if relative else None
    return path if path is not None and path.is_file() else None


def check_suggester(project: Project, run: BaselineRun) -> None:
    """Refuse (SuggesterRefused) a run that cannot serve as ``project``'s suggester."""
    if run.release.project_id != project.pk:
        raise SuggesterRefused(
            f"baseline run {run.pk} was trained on another project's release",
            code="suggester_other_project",
        )
    if run.status != BaselineRun.Status.DONE:
        raise SuggesterRefused(
            f"baseline run {run.pk} is {run.status}, not done", code="suggester_not_done"
        )
    problem = suggester_problem((run.config or {}).get("recipe") or {})
    if problem:
        raise SuggesterRefused(
            f"baseline run {run.pk} cannot suggest categories: {problem}",
            code="suggester_not_a_classifier",
        )
    if _checkpoint(run) is None:
        raise SuggesterRefused(
            f"baseline run {run.pk} has no checkpoint file", code="suggester_no_checkpoint"
        )
    try:
        release_folder(run.release)
    except BaselineError as exc:
        raise SuggesterRefused(str(exc), code="suggester_no_release") from exc


# One loaded model per run and checkpoint file in a worker process: loading takes a moment,
# and every video of a project asks for the same one.
_LOADED: dict[tuple[int, str, float], object] = {}


def _classifier(run: BaselineRun):
    from baselines.predict import load_classifier

    checkpoint = _checkpoint(run)
    if checkpoint is None:
        raise SuggesterRefused(f"baseline run {run.pk} has no checkpoint file")
    key = (run.pk, str(checkpoint), checkpoint.stat().st_mtime)
    if key not in _LOADED:
        _LOADED.clear()
        _LOADED[key] = load_classifier(checkpoint.parent, release_folder(run.release))
    return _LOADED[key]


def _code(value) -> int | None:
    """A release's category code as the project's Category.code: releases write the integer;
    older or hand-made ones ``C3``."""
    text = str(value).strip().upper().removeprefix("C")
    return int(text) if text.isdigit() else None


def suggest(
    run: BaselineRun, video: Video, keypoints: np.ndarray, bounds: list[tuple[int, int]]
) -> list[tuple[int | None, float | None]]:
    """(category id, probability) of the most likely category of each window
    ``keypoints[start..end]``; (None, probability) when the run's class is not a category of
    the project any more."""
    from baselines.predict import SuggesterError, predict_windows

    check_suggester(video.project, run)
    windows = [keypoints[start : end + 1] for start, end in bounds]
    try:
        classifier = _classifier(run)
        probs = predict_windows(classifier, windows, video.width or 0, video.height or 0)
    except SuggesterError as exc:  # a checkpoint that does not fit its recipe, say
        raise SuggesterRefused(f"baseline run {run.pk}: {exc}") from exc
    categories = dict(video.project.categories.values_list("code", "pk"))
    out = []
    for row in probs:
        top = int(np.argmax(row))
        out.append((categories.get(_code(classifier.classes[top])), float(row[top])))
    return out
