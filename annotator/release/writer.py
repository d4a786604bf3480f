"""Write a release folder (docs/design.md §10) and its ``.tar``, byte-identical for the same input.

Pure (no Django). The text files' formats are fixed in :mod:`.serialise`, the tar's in
:mod:`.tarball`. Files are written into ``.<name>-<version>.partial/`` next to the final
folder, each text file under a temporary name then renamed; clip and pose files are hard links
to their sources where the filesystem allows (no bytes copied: the pipeline replaces its
outputs by rename, so a release's link never changes under it), else copies. A rerun (resume)
keeps files whose size and sha256 already match their source and removes what the release does
not hold. The folder is renamed into place at the end (an older folder of the same name is
replaced), then tarred.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from annotator.csv_safety import safe_cell
from pipeline.hashing import sha256_file

from .chart import class_distribution_png
from .clip_ids import assign_clip_ids
from .datasheet import ReleaseSpec, class_distribution, render_datasheet, split_json
from .processing import settings_groups
from .serialise import cell, csv_bytes, json_bytes
from .tarball import ReleaseTar, order_entries, write_tar

__all__ = [
    "CLIP_COLUMNS",
    "CLASS_DISTRIBUTION_COLUMNS",
    "FORMAT",
    "FORMAT_VERSION",
    "SUBJECT_COLUMNS",
    "VIDEO_COLUMNS",
    "WrittenRelease",
    "csv_bytes",
    "json_bytes",
    "write_release",
    "write_tar",
]

FORMAT = "mgstudio-release"
FORMAT_VERSION = 1
SUBJECT_COLUMNS = ("subject_id", "gender", "nationality")
VIDEO_COLUMNS = ("video_id", "subject_id", "fps", "num_frames", "width", "height", "emotion")
CLIP_COLUMNS = (
    "clip_id",
    "video_id",
    "subject_id",
    "category_code",
    "label",
    "start_frame",
    "end_frame",
    "num_frames",
    "origin",
)
CLASS_DISTRIBUTION_COLUMNS = ("label", "category_code", "name", "group", "clips", "train", "test")
_CHUNK = 1 << 20

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class WrittenRelease:
    folder: Path
    tar: Path
    tar_sha256: str
    manifest: Mapping[str, Any]
    copied: int  # clip/pose files linked or copied this run
    reused: int  # clip/pose files already present with the right sha256 (resume)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _copy_atomic(src: str, dst: str) -> None:
    """Copy ``src`` to ``dst`` under a temporary name, then rename: the name appears only when
    complete."""
    tmp = dst + ".tmp"
    with open(src, "rb") as fi, open(tmp, "wb") as fo:
        shutil.copyfileobj(fi, fo, _CHUNK)
    os.replace(tmp, dst)


def _place(src: str, folder: str, folder_fd: int, name: str, src_sha: str) -> bool:
    """Put ``src`` at ``folder/name`` (a new name in the private work folder, so a link
    appears whole; ``folder_fd`` is ``folder`` opened, which spares the kernel the path walk);
    returns False when the name already held the same content (resume)."""
    try:
        os.link(src, name, dst_dir_fd=folder_fd)
        return True
    except FileExistsError:
        dst = os.path.join(folder, name)
        if os.path.samefile(src, dst) or (
            os.stat(dst).st_size == os.stat(src).st_size and sha256_file(dst) == src_sha
        ):
            return False
        os.unlink(dst)
        return _place(src, folder, folder_fd, name, src_sha)
    except OSError:  # another filesystem, or links not allowed: copy
        _copy_atomic(src, os.path.join(folder, name))
        return True


def _sorted_rows(rows: Sequence[Mapping[str, Any]], key: str) -> list[Mapping[str, Any]]:
    from .splits import id_sort_key

    return sorted(rows, key=lambda r: id_sort_key(r[key]))


def _clip_rows(clips: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Fill ``clip_id`` (time order, :func:`assign_clip_ids`) and ``num_frames`` when absent;
    order by video then k."""
    ids = assign_clip_ids(clips) if any("clip_id" not in c for c in clips) else None
    rows = []
    for i, c in enumerate(clips):
        row = dict(c)
        if not row.get("clip_id"):
            row["clip_id"] = ids[i] if ids else ""
        row.setdefault("num_frames", int(row["end_frame"]) - int(row["start_frame"]) + 1)
        row.setdefault("origin", "matched")
        rows.append(row)

    def key(r: Mapping[str, Any]) -> tuple[int, int]:
        video, _, k = str(r["clip_id"]).rpartition("_")
        return (int(video), int(k))

    return sorted(rows, key=key)


def _r_matrix_csv(reliability: Mapping[str, Any] | None) -> bytes | None:
    if not reliability or not reliability.get("labelers"):
        return None
    labelers = [str(x) for x in reliability["labelers"]]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["labeler", *map(safe_cell, labelers)])
    for name, row in zip(labelers, reliability.get("r_matrix", []), strict=False):
        w.writerow([safe_cell(name), *[cell(v) for v in row]])
    return buf.getvalue().encode("utf-8")


def _texts(
    spec: ReleaseSpec, clips: list[dict[str, Any]], datasheet: str | None, chart_png: bytes | None
) -> dict[str, bytes]:
    """Every generated file of the release but the manifest, by its path in the folder."""
    cross = split_json(spec.cross_subject)
    texts: dict[str, bytes] = {
        "taxonomy.json": json_bytes(dict(spec.taxonomy)),
        "subjects.csv": csv_bytes(SUBJECT_COLUMNS, _sorted_rows(spec.subjects, "subject_id")),
        "videos.csv": csv_bytes(VIDEO_COLUMNS, _sorted_rows(spec.videos, "video_id")),
        "clips.csv": csv_bytes(CLIP_COLUMNS, clips),
        "splits/cross_subject.json": json_bytes(cross),
        "splits/emotion.json": json_bytes(split_json(spec.emotion)),
        "skeleton.json": json_bytes({"layouts": dict(spec.skeleton)}),
    }
    dist = class_distribution(spec.taxonomy, clips, cross)
    texts["stats/class_distribution.csv"] = csv_bytes(
        CLASS_DISTRIBUTION_COLUMNS,
        [
            {
                "label": r.label,
                "category_code": r.code,
                "name": r.name,
                "group": r.group,
                "clips": r.clips,
                "train": r.train,
                "test": r.test,
            }
            for r in dist
        ],
    )
    texts["stats/class_distribution.png"] = (
        chart_png
        if chart_png is not None
        else class_distribution_png(spec.taxonomy, clips, distribution=dist)
    )
    if spec.clip_settings:
        texts["stats/processing.json"] = json_bytes({"stages": settings_groups(spec.clip_settings)})
    r_csv = _r_matrix_csv(spec.reliability)
    if r_csv is not None:
        texts["stats/r_matrix.csv"] = r_csv
    texts["stats/reliability.json"] = json_bytes(
        {"theta": spec.theta, **{k: v for k, v in (spec.reliability or {}).items() if k != "theta"}}
    )
    texts["README.md"] = (
        datasheet if datasheet is not None else render_datasheet(spec, dist)
    ).encode("utf-8")
    return texts


def _manifest(
    spec: ReleaseSpec, n_clips: int, entries: Mapping[str, tuple[int, str]]
) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": spec.name,
        "version": spec.version,
        "software": dict(spec.software),
        "config": dict(spec.config),
        "theta": spec.theta,
        "labels_only": spec.labels_only,
        "counts": {
            "videos": len(spec.videos),
            "subjects": len(spec.subjects),
            "clips": n_clips,
            "clip_files": sum(r.startswith("clips/") for r in entries),
            "pose_files": sum(r.startswith("poses/") for r in entries),
        },
        "files": [
            {"path": rel, "size": size, "sha256": sha}
            for rel, (size, sha) in sorted(entries.items())
        ],
    }


def _remove_strays(work: Path, keep: set[str]) -> None:
    """Remove from a resumed work folder what this release does not hold (a file from an
    older run, a ``.tmp``), then empty directories."""
    for path in sorted(work.rglob("*"), reverse=True):
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif path.relative_to(work).as_posix() not in keep:
            path.unlink()


def _link_bulk(
    tar: ReleaseTar,
    bulk: list[str],
    copies: Mapping[str, str],
    known: Mapping[str, str],
    work: Path,
    tick: Callable[[], None],
) -> tuple[dict[str, tuple[int, str]], int, int]:
    """Put every clip and pose file in place and hand it to ``tar`` in batches as it lands;
    returns the manifest entries (size, sha256) and how many files were placed / reused."""
    entries: dict[str, tuple[int, str]] = {}
    copied = reused = 0
    folders: dict[str, tuple[str, int]] = {}  # "clips" -> (its path, open descriptor)
    batch: list[str] = []
    try:
        for rel in bulk:
            src = copies.get(rel)
            if src is not None:
                sub, _, name = rel.rpartition("/")
                if sub not in folders:
                    path = str(work / sub)
                    folders[sub] = (path, os.open(path, os.O_RDONLY | os.O_DIRECTORY))
                path, fd = folders[sub]
                src_sha = known.get(src) or sha256_file(src)
                if _place(src, path, fd, name, src_sha):
                    copied += 1
                else:
                    reused += 1
                entries[rel] = (os.stat(name, dir_fd=fd).st_size, src_sha)
                tick()
            batch.append(rel)
            if len(batch) >= 64:
                tar.add(batch)
                batch = []
        tar.add(batch)
    finally:
        for _, fd in folders.values():
            os.close(fd)
    return entries, copied, reused


def write_release(
    spec: ReleaseSpec,
    out_dir: str | Path,
    *,
    clip_files: Mapping[str, str | Path] | None = None,
    pose_files: Mapping[str, str | Path] | None = None,
    source_sha256: Mapping[str, str] | None = None,
    datasheet: str | None = None,
    chart_png: bytes | None = None,
    mtime: int = 0,
    progress: Progress | None = None,
) -> WrittenRelease:
    """Write ``<out_dir>/<name>-<version>/`` and ``<name>-<version>.tar`` (+ ``.sha256``).

    ``clip_files`` / ``pose_files`` map a clip id to its source mp4 / npz; a clip without an
    entry gets no file (a labels-only release passes no clips, ``spec.labels_only=True``).
    ``source_sha256`` maps a source path (``str`` of the path given) to the sha256 recorded
    for it when it was made; the manifest takes it as is (:func:`.validate_release` re-checks
    every file), and a source without one is hashed here. ``datasheet`` defaults to
    :func:`render_datasheet`, ``chart_png`` to :func:`class_distribution_png`.
    ``progress(done, total)`` is called as files are written.
    """
    out_dir = Path(out_dir)
    clip_files = dict(clip_files or {})
    pose_files = dict(pose_files or {})
    known = dict(source_sha256 or {})
    if spec.labels_only and clip_files:
        raise ValueError("a labels-only release holds no clip files")
    clips = _clip_rows(spec.clips)
    clip_ids = [str(c["clip_id"]) for c in clips]
    if len(set(clip_ids)) != len(clip_ids):
        raise ValueError("duplicate clip ids")
    unknown = sorted((set(clip_files) | set(pose_files)) - set(clip_ids))
    if unknown:
        raise ValueError(f"files given for unknown clip ids: {', '.join(unknown[:5])}")

    copies: dict[str, str] = {}  # path in the release -> source
    for folder, files, ext in (("clips", clip_files, "mp4"), ("poses", pose_files, "npz")):
        copies.update(
            (f"{folder}/{cid}.{ext}", str(files[cid])) for cid in clip_ids if cid in files
        )
    bulk, _ = order_entries(copies)

    final = out_dir / spec.folder_name
    # The folder is built under its final name inside a hidden staging folder: the tar reads
    # it there under the name it will have.
    staging = out_dir / f".{spec.folder_name}.partial"
    work = staging / spec.folder_name
    resumed = work.exists()
    work.mkdir(parents=True, exist_ok=True)
    for sub in sorted({rel.rpartition("/")[0] for rel in copies}):
        (work / sub).mkdir(parents=True, exist_ok=True)
    total = len(copies) + 2
    step = max(1, total // 100)  # about a hundred progress calls, however many files
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress and (done % step == 0 or done == total):
            progress(done, total)

    # The bulk goes into the tar as it is linked into place: tar runs beside the rest.
    tar = ReleaseTar(out_dir / f"{spec.folder_name}.tar", work, mtime)
    try:
        entries, copied, reused = _link_bulk(tar, bulk, copies, known, work, tick)

        # The text files are made while tar works through the bulk.
        texts = _texts(spec, clips, datasheet, chart_png)
        _, rest = order_entries([*texts, *copies, "manifest.json"])
        for rel, data in sorted(texts.items()):
            _write_atomic(work / rel, data)
            entries[rel] = (len(data), hashlib.sha256(data).hexdigest())
        manifest = _manifest(spec, len(clips), entries)
        _write_atomic(work / "manifest.json", json_bytes(manifest))
        tick()
        if resumed:
            _remove_strays(work, set(entries) | {"manifest.json"})
        # Only generated files and folders get the release's mtime: clip and pose files are links
        # to the pipeline's outputs, and the tar records ``mtime`` for every entry anyway.
        for rel in ["manifest.json", *texts, *(r for r in rest if r and not (work / r).is_file())]:
            os.utime(work / rel, (mtime, mtime))
        os.utime(work, (mtime, mtime))
        tar.add(rest)
        digest = tar.finish()
        tick()
    except BaseException:
        tar.abort()  # no tar process left running, no half archive
        raise

    if final.exists():
        old = out_dir / f".{spec.folder_name}.old"
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
        os.replace(work, final)
        shutil.rmtree(old)
    else:
        os.replace(work, final)
    shutil.rmtree(staging, ignore_errors=True)
    return WrittenRelease(final, tar.tar_path, digest, manifest, copied, reused)
