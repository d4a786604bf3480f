"""The baseline-run job (gpu queue): train and evaluate one recipe on a release.

Training runs in-process through :func:`baselines.train.train` with its progress callback: each
epoch's loss and training accuracy go into ``BaselineRun.metrics["curve"]`` (the run page polls
it) and the job's progress. The run folder ``MEDIA_ROOT/work/baselines/<run id>/`` is the same
for every attempt, so a retried job resumes from the last epoch's ``checkpoint.pt``. Once the
evaluation is written, the artefacts are moved into the job's temp dir and published with one
rename to ``MEDIA_ROOT/baselines/<run id>/``; a retry that finds them published only records
them. ``torch`` is imported inside the job only (the web process never loads it).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from annotator.models import BaselineRun
from annotator.services.baselines import (
    BaselineError,
    build_recipe,
    check_inputs,
    media_path,
    release_folder,
    run_dirs,
)
from baselines.evaluate import json_safe
from jobs.kinds import JobKind
from jobs.models import Job
from jobs.registry import job_handler
from jobs.runner import JobContext, JobInputError

# Artefact name (the API's download name) → file in the run folder.
ARTEFACTS = {
    "checkpoint": "checkpoint.pt",
    "confusion": "confusion.png",
    "per_class": "per_class.csv",
    "predictions": "predictions.npz",
    "metrics": "metrics.json",
    "report": "report.md",
    "config": "config.json",
    "env": "env.json",
    "history": "history.jsonl",
}


def _history(folder: Path) -> list[dict]:
    """The epochs already trained (a resumed attempt continues the curve)."""
    path = folder / "history.jsonl"
    if not path.is_file():
        return []
    curve = []
    for line in path.read_text().splitlines():
        if line.strip():
            row = json.loads(line)
            curve.append(
                {"epoch": row["epoch"] + 1, "loss": row["loss"], "accuracy": row["accuracy"]}
            )
    return curve


def _set_metrics(run_id: int, **fields) -> None:
    # The boundary to the JSON column: a NaN or infinite float becomes null, never a row the
    # database refuses (which would fail the job with a confusing IntegrityError).
    if "metrics" in fields:
        fields["metrics"] = json_safe(fields["metrics"])
    BaselineRun.objects.filter(pk=run_id).update(**fields)


def _per_class(confusion: list[list[int]], folder: Path, recipe: dict) -> list[dict]:
    names: dict[int, dict] = {}
    taxonomy = folder / "taxonomy.json"
    if recipe["kind"] != "emotion" and taxonomy.is_file():
        for cat in json.loads(taxonomy.read_text()).get("categories", []):
            names[int(cat.get("label", len(names)))] = cat
    rows = []
    for label, row in enumerate(confusion):
        support, correct = int(sum(row)), int(row[label])
        cat = names.get(label, {})
        rows.append(
            {
                "label": label,
                "code": cat.get("code", ""),
                "name": cat.get("name", ""),
                "support": support,
                "correct": correct,
                "recall": correct / support if support else None,
                "predicted": int(sum(r[label] for r in confusion)),
            }
        )
    return rows


def _finish(
    run: BaselineRun, out_rel: str, curve: list[dict], epochs: int, folder: Path, recipe: dict
) -> dict:
    """Record the published run: metrics (without the raw confusion matrix, which stays in
    metrics.json), per-class table, artefact paths; status done."""
    out = media_path(out_rel)
    report = json.loads((out / "metrics.json").read_text())
    if not curve:
        curve = _history(out)
    metrics = {k: v for k, v in report.items() if k != "confusion"}
    metrics |= {
        "curve": curve,
        "epochs": epochs,
        "per_class": _per_class(report.get("confusion", []), folder, recipe),
    }
    env = out / "env.json"
    if env.is_file():
        metrics["device"] = json.loads(env.read_text()).get("device", "")
    artefacts = {
        name: f"{out_rel}/{file}" for name, file in ARTEFACTS.items() if (out / file).is_file()
    }
    _set_metrics(run.pk, metrics=metrics, artefacts=artefacts, status=BaselineRun.Status.DONE)
    return {
        "baseline_run": run.pk,
        "top1": metrics.get("top1"),
        "top5": metrics.get("top5"),
        "mean_class_accuracy": metrics.get("mean_class_accuracy"),
        "out_dir": out_rel,
    }


def _fail_run(job: Job, code: str, message: str) -> None:
    run = BaselineRun.objects.filter(pk=job.params.get("baseline_run")).first()
    if run is None:
        return
    # The work folder (checkpoint) stays: an admin's retry of the job resumes from it.
    _set_metrics(
        run.pk,
        status=BaselineRun.Status.FAILED,
        metrics=dict(run.metrics or {}) | {"error": message, "error_code": code},
    )


@job_handler(JobKind.BASELINE_RUN, on_failed=_fail_run)
def baseline_run(ctx: JobContext) -> dict:
    run = (
        BaselineRun.objects.select_related("release")
        .filter(pk=ctx.params.get("baseline_run"))
        .first()
    )
    if run is None:
        raise JobInputError("the baseline run no longer exists", code="no_run")
    try:
        folder = release_folder(run.release)
        recipe = build_recipe(
            ctx.params.get("model", run.model_name), ctx.params.get("overrides") or {}
        )
        check_inputs(folder, recipe)
    except BaselineError as exc:
        raise JobInputError(str(exc), code="bad_run") from exc
    work_rel, out_rel = run_dirs(run.pk)
    epochs = int(recipe["epochs"])
    if (media_path(out_rel) / "metrics.json").is_file():
        ctx.log("artefacts already published by an earlier attempt; recording them")
        result = _finish(run, out_rel, [], epochs, folder, recipe)
        shutil.rmtree(media_path(work_rel), ignore_errors=True)
        return result

    work = media_path(work_rel)
    work.mkdir(parents=True, exist_ok=True)
    curve = _history(work)
    if curve:
        ctx.log(f"resuming after epoch {curve[-1]['epoch']} of {epochs}")
    metrics = {"curve": curve, "epochs": epochs}
    _set_metrics(run.pk, status=BaselineRun.Status.RUNNING, metrics=metrics)
    ctx.progress(0.95 * len(curve) / epochs, f"training {run.model_name}", force=True)

    def on_epoch(epoch: int, loss: float, accuracy: float | None) -> None:
        curve.append({"epoch": epoch + 1, "loss": loss, "accuracy": accuracy})
        _set_metrics(run.pk, metrics={"curve": curve, "epochs": epochs})
        shown = "" if accuracy is None else f", train acc {accuracy:.3f}"
        message = f"epoch {epoch + 1}/{epochs}: loss {loss:.4f}{shown}"
        ctx.progress(0.95 * (epoch + 1) / epochs, message, force=True)
        ctx.log(message)

    # torch is imported here, not at the top: every web process loads this module to register
    # the handler, and only a worker that trains should pay for torch.
    from baselines.checks import BaselineInputError
    from baselines.train import train

    try:
        train(recipe, folder, work, on_epoch, device=ctx.params.get("device"))
    except BaselineInputError as exc:
        # Permanent: the same release and recipe would fail the same way on a retry.
        raise JobInputError(str(exc), code=exc.code) from exc
    ctx.progress(0.97, "publishing artefacts", force=True)
    staged = ctx.temp_path("out")
    staged.mkdir()
    for file in ARTEFACTS.values():
        if (work / file).is_file():
            shutil.move(str(work / file), str(staged / file))
    shutil.rmtree(media_path(out_rel), ignore_errors=True)  # never a complete one (see above)
    ctx.publish(staged, out_rel)
    result = _finish(run, out_rel, curve, epochs, folder, recipe)
    shutil.rmtree(work, ignore_errors=True)
    ctx.log(f"top-1 {result['top1']:.4f}, published to {out_rel}")
    return result
