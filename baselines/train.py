"""Explicit training loops for every recipe; a run folder holds everything needed to audit it.

Run folder: ``config.json`` (the recipe and release path), ``env.json`` (seed, versions,
device), ``checkpoint.pt`` (after every epoch; a rerun resumes from it), ``history.jsonl``,
``predictions.npz`` (test scores) and the evaluation report (see ``evaluate.py``).
"""

from __future__ import annotations

import json
import platform
import random
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader

from baselines import evaluate
from baselines.checks import NonFiniteLoss, UnusableRelease, release_problems, usable_clip_ids
from baselines.data import (
    ClipDataset,
    RandomAffine,
    Release,
    UniformSample,
    VideoDataset,
    class_balanced_sampler,
    collate_padded,
)
from baselines.models import build_model
from baselines.models.vae import SeqVAE, knn_scores
from baselines.recipes import load_recipe

Progress = Callable[[int, float, float | None], None]  # (epoch, mean loss, train accuracy)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    # On CPU every op we use has a deterministic kernel; warn_only keeps a GPU run alive if a
    # cuDNN kernel has none (GPU runs are documented as not bit-reproducible).
    torch.use_deterministic_algorithms(True, warn_only=True)


def environment(seed: int, device: torch.device) -> dict:
    import torchvision

    return {
        "seed": seed,
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "torchvision": torchvision.__version__,
        "numpy": np.__version__,
        "platform": platform.platform(),
        "device": str(device),
        "threads": torch.get_num_threads(),
    }


def _eval_dataset(recipe: dict, release: Release, clips):
    """Clips with test-time processing only (no augmentation, centred segments)."""
    if recipe["input"] == "rgb":
        from baselines.video import RGBClipDataset

        return RGBClipDataset(release, clips, recipe["num_frames"], recipe["image_size"])
    tf = [UniformSample(recipe["num_frames"])] if recipe["input"] == "fixed" else []
    return ClipDataset(release, clips, recipe.get("min_score", 0.1), tf)


def _usable(recipe: dict, release: Release, clips) -> list:
    """The clips whose input file (pose or RGB clip) the release holds: a release may have
    poses for some videos only (skeletons imported for a few), and those clips are left out."""
    have = usable_clip_ids(release.root, recipe)
    return [c for c in clips if c.clip_id in have]


def _datasets(recipe: dict, release: Release, protocol: str = "cross_subject"):
    """Train and test datasets plus the collate function the recipe's input kind needs."""
    train_clips = _usable(recipe, release, release.split_clips("train", protocol))
    test_set = _eval_dataset(
        recipe, release, _usable(recipe, release, release.split_clips("test", protocol))
    )
    seed = recipe["seed"]
    if recipe["input"] == "rgb":
        from baselines.video import RGBClipDataset, collate_fixed

        n, size = recipe["num_frames"], recipe["image_size"]
        return (
            RGBClipDataset(release, train_clips, n, size, train=True, seed=seed),
            test_set,
            collate_fixed,
        )
    train_tf = [RandomAffine()] if recipe.get("augment") else []
    if recipe["input"] == "fixed":
        train_tf.append(UniformSample(recipe["num_frames"], train=True))
    ms = recipe.get("min_score", 0.1)
    return ClipDataset(release, train_clips, ms, train_tf, seed=seed), test_set, collate_padded


def _optimizer(params, cfg: dict) -> torch.optim.Optimizer:
    cfg = dict(cfg)
    name = cfg.pop("name")
    if name == "adam":
        return torch.optim.Adam(params, **cfg)
    if name == "sgd":
        return torch.optim.SGD(params, **cfg)
    raise KeyError(name)


def _batch_loss(model: nn.Module, x, lengths, y, unsupervised: bool):
    """Loss and logits (None when the model has no classifier) for one batch."""
    if isinstance(model, SeqVAE):
        terms = model.losses(x, lengths, None if unsupervised else y)
        return terms["loss"], terms.get("logits")
    logits = model(x, lengths)
    return F.cross_entropy(logits, y), logits


def _amp_dtype(recipe: dict, device: torch.device) -> torch.dtype | None:
    """Mixed precision for this recipe on this device: None (fp32), fp16 or bf16.

    Off unless a recipe asks for it: on an H100 fp16 autocast made the small skeleton models
    8–38 % slower (kernel launches dominate them), while TSM gained 22 % with bf16
    (bench/gpu_epoch.py, docs/benchmarks.md). Never on CPU.
    """
    amp = recipe.get("amp", False)
    if device.type != "cuda" or not amp:
        return None
    if amp is True or amp == "fp16":
        return torch.float16
    if amp == "bf16":
        return torch.bfloat16
    raise ValueError(f"recipe amp must be false, true, 'fp16' or 'bf16', not {amp!r}")


def fit(
    model: nn.Module,
    train_set,
    collate,
    recipe: dict,
    out: Path,
    device: torch.device,
    progress: Progress | None = None,
    unsupervised: bool = False,
) -> None:
    """Train for ``recipe['epochs']``, checkpointing every epoch; resumes from ``out``."""
    gen = torch.Generator().manual_seed(recipe["seed"])
    sampler = (
        class_balanced_sampler(train_set.labels, recipe["seed"])
        if recipe.get("balanced_sampler")
        else None
    )
    loader = DataLoader(
        train_set,
        batch_size=recipe["batch_size"],
        shuffle=sampler is None,
        sampler=sampler,
        generator=gen,
        collate_fn=collate,
        num_workers=0,
    )
    opt = _optimizer(model.parameters(), recipe["optimizer"])
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, list(recipe.get("lr_steps", ())), 0.1)
    amp_dtype = _amp_dtype(recipe, device)
    use_amp = amp_dtype is not None
    # bf16 keeps fp32's range, so only fp16 needs loss scaling.
    scaler = torch.amp.GradScaler("cuda", enabled=amp_dtype == torch.float16)
    step_model = model
    if device.type == "cuda" and recipe.get("compile", False):
        step_model = torch.compile(model)  # GPU only: on CPU compile time dwarfs our epochs
    ckpt_path, start = out / "checkpoint.pt", 0
    if ckpt_path.exists():
        ckpt = torch.load(ckpt_path, map_location=device, weights_only=False)
        model.load_state_dict(ckpt["model"])
        opt.load_state_dict(ckpt["optimizer"])
        sched.load_state_dict(ckpt["scheduler"])
        # Restoring every generator makes a resumed run equal to an uninterrupted one.
        torch.set_rng_state(ckpt["rng"]["torch"])
        gen.set_state(ckpt["rng"]["loader"])
        train_set.generator.set_state(ckpt["rng"]["data"])
        if sampler is not None:
            sampler.generator.set_state(ckpt["rng"]["sampler"])
        start = ckpt["epoch"] + 1
    for epoch in range(start, recipe["epochs"]):
        model.train()
        total, correct, seen = 0.0, 0, 0
        for batch, (x, lengths, y) in enumerate(loader):
            x, y = x.to(device), y.to(device)
            with torch.autocast(device.type, dtype=amp_dtype, enabled=use_amp):
                loss, logits = _batch_loss(step_model, x, lengths, y, unsupervised)
            # Checked before the step: a NaN would reach the weights, the checkpoint and the
            # metrics, and a retry from the last checkpoint would diverge the same way.
            if not torch.isfinite(loss.detach()).item():
                raise NonFiniteLoss(recipe.get("name", "run"), epoch, batch, loss.item())
            opt.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(opt)
            scaler.update()
            total += loss.item() * len(y)
            seen += len(y)
            if logits is not None:
                correct += (logits.argmax(1) == y).sum().item()
        sched.step()
        mean_loss = total / max(seen, 1)
        acc = None if unsupervised else correct / max(seen, 1)
        rng = {
            "torch": torch.get_rng_state(),
            "loader": gen.get_state(),
            "data": train_set.generator.get_state(),
            "sampler": sampler.generator.get_state() if sampler is not None else None,
        }
        # Write then rename: a run killed mid-save still resumes from the previous epoch.
        tmp = ckpt_path.with_suffix(".tmp")
        torch.save(
            {
                "model": model.state_dict(),
                "optimizer": opt.state_dict(),
                "scheduler": sched.state_dict(),
                "epoch": epoch,
                "rng": rng,
            },
            tmp,
        )
        tmp.replace(ckpt_path)
        with (out / "history.jsonl").open("a") as f:
            f.write(json.dumps({"epoch": epoch, "loss": mean_loss, "accuracy": acc}) + "\n")
        if progress is not None:
            progress(epoch, mean_loss, acc)


@torch.no_grad()
def predict(
    model: nn.Module,
    dataset,
    collate,
    device: torch.device,
    batch_size: int = 64,
    features: bool = False,
) -> np.ndarray:
    """Softmax scores ``(N, num_classes)`` (or raw features) in dataset order."""
    model.eval()
    loader = DataLoader(dataset, batch_size=batch_size, shuffle=False, collate_fn=collate)
    outs = []
    for x, lengths, _ in loader:
        out = model(x.to(device), lengths)
        outs.append(out.float().cpu() if features else out.float().softmax(1).cpu())
    return torch.cat(outs).numpy()


def _write_json(path: Path, obj: dict) -> None:
    path.write_text(json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def _report(out: Path, scores: np.ndarray, labels, train_labels, ids) -> dict:
    """Keep the test predictions beside the run, then write its metrics and report."""
    np.savez(
        out / "predictions.npz",
        scores=scores,
        labels=np.array(labels),
        train_labels=np.array(train_labels),
        ids=np.array(ids),
    )
    return evaluate.write_report(out)


def _record_inputs(out: Path, recipe: dict, release, rel: Release, train_set, test_set) -> None:
    """config.json also says how many clips each side had, and how many were left out for
    lack of an input file (the report repeats it)."""
    left_out = {
        part: len(rel.split_clips(part)) - len(ds.clips)
        for part, ds in (("train", train_set), ("test", test_set))
    }
    _write_json(
        out / "config.json",
        {
            "recipe": recipe,
            "release": str(Path(release).resolve()),
            "inputs": {"train": len(train_set.clips), "test": len(test_set.clips)},
            "left_out": left_out,
        },
    )


def train(
    recipe: dict | str,
    release: str | Path,
    out: str | Path,
    progress: Progress | None = None,
    device: str | None = None,
) -> dict:
    """Train ``recipe`` on ``release`` into run folder ``out``; returns the evaluation metrics."""
    recipe = load_recipe(recipe) if isinstance(recipe, str) else recipe
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    dev = torch.device(device or ("cuda" if torch.cuda.is_available() else "cpu"))
    _write_json(out / "config.json", {"recipe": recipe, "release": str(Path(release).resolve())})
    _write_json(out / "env.json", environment(recipe["seed"], dev))
    seed_everything(recipe["seed"])
    rel = Release(release)
    problems = release_problems(rel.root, recipe)
    if problems:
        raise UnusableRelease(f"release {rel.root.name}: " + "; ".join(problems))
    if recipe["kind"] == "emotion":
        return _train_emotion(recipe, rel, out, dev, progress)
    train_set, test_set, collate = _datasets(recipe, rel)
    _record_inputs(out, recipe, release, rel, train_set, test_set)
    model = build_model(
        recipe["model"], num_classes=rel.num_classes, **recipe.get("model_cfg", {})
    ).to(dev)
    unsupervised = recipe["kind"] == "usvae"
    fit(model, train_set, collate, recipe, out, dev, progress, unsupervised)
    if unsupervised:
        # The KNN memory is the training clips as the test clips are seen: unaugmented.
        memory = _eval_dataset(recipe, rel, train_set.clips)
        train_feats = predict(model, memory, collate, dev, features=True)
        test_feats = predict(model, test_set, collate, dev, features=True)
        scores = knn_scores(
            torch.from_numpy(train_feats),
            torch.tensor(train_set.labels),
            torch.from_numpy(test_feats),
            rel.num_classes,
            recipe.get("knn_k", 5),
        ).numpy()
    else:
        scores = predict(model, test_set, collate, dev)
    ids = [c.clip_id for c in test_set.clips]
    return _report(out, scores, test_set.labels, train_set.labels, ids)


def clip_probabilities(run: Path, release: Release, device: torch.device) -> dict[str, np.ndarray]:
    """Every clip's MG probability vector from a finished clip run (KNN scores for U-S-VAE)."""
    cfg = json.loads((run / "config.json").read_text())["recipe"]
    model = build_model(
        cfg["model"], num_classes=release.num_classes, **cfg.get("model_cfg", {})
    ).to(device)
    model.load_state_dict(
        torch.load(run / "checkpoint.pt", map_location=device, weights_only=False)["model"]
    )
    from baselines.video import collate_fixed

    collate = collate_fixed if cfg["input"] == "rgb" else collate_padded
    clips = _usable(cfg, release, release.clips)
    everything = _eval_dataset(cfg, release, clips)
    if cfg["kind"] == "usvae":
        feats = torch.from_numpy(predict(model, everything, collate, device, features=True))
        # KNN memory: the training clips of the split the clip model was trained on.
        train_ids = {c.clip_id for c in release.split_clips("train")}
        is_train = torch.tensor([c.clip_id in train_ids for c in clips])
        labels = torch.tensor([c.label for c in clips])
        scores = knn_scores(
            feats[is_train], labels[is_train], feats, release.num_classes, cfg.get("knn_k", 5)
        ).numpy()
    else:
        scores = predict(model, everything, collate, device)
    return {c.clip_id: s for c, s in zip(clips, scores, strict=True)}


def _train_emotion(
    recipe: dict, rel: Release, out: Path, dev: torch.device, progress: Progress | None
) -> dict:
    clip_recipe = load_recipe(recipe["clip_recipe"], **recipe.get("clip", {}))
    clip_recipe["seed"] = recipe["seed"]
    train(clip_recipe, rel.root, out / "clip", device=str(dev))
    seed_everything(recipe["seed"])
    probs = clip_probabilities(out / "clip", rel, dev)
    train_set = VideoDataset(rel, rel.split_videos("train"), probs)
    test_set = VideoDataset(rel, rel.split_videos("test"), probs)
    model = build_model(
        recipe["model"], in_features=rel.num_classes, **recipe.get("model_cfg", {})
    ).to(dev)
    fit(model, train_set, collate_padded, recipe, out, dev, progress)
    scores = predict(model, test_set, collate_padded, dev)
    return _report(out, scores, test_set.labels, train_set.labels, test_set.video_ids)
