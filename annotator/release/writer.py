"""Write a release folder (design §10) and its ``.tar``, byte-identical for the same input.

Pure (no Django). Determinism choices:

- CSV: fixed column order (extra keys in the input rows are dropped, never written — that is how
  names and file names stay out), ``csv.QUOTE_MINIMAL``, ``\\n`` line endings, UTF-8; ints as
  ``str(int)``, floats as ``repr(float)``, ``None`` as empty, booleans as ``true``/``false``.
- JSON: ``sort_keys=True``, ``indent=2``, ``ensure_ascii=False``, no NaN, trailing newline.
- The chart PNG has no text chunks (see :mod:`.datasheet`).
- Files are written into ``.<name>-<version>.partial/`` next to the final folder; each file is
  written to a temporary name and renamed, and a rerun (resume) keeps copied clips/poses whose
  size and sha256 already match their source. Files left there that the release does not hold
  are removed. The folder is renamed into place at the end (an older folder of the same name is
  replaced).
- The tar: entries sorted by path, directories first within their parent's order, mtime =
  ``mtime`` (0 unless the caller passes e.g. ``SOURCE_DATE_EPOCH``), uid/gid 0, empty
  uname/gname, mode 0o755 for directories and 0o644 for files, PAX format (extended headers
  only appear for over-long names). ``<folder>.tar.sha256`` is ``sha256sum``'s format.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import shutil
import tarfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .clip_ids import assign_clip_ids
from .datasheet import (
    ReleaseSpec,
    class_distribution,
    class_distribution_png,
    render_datasheet,
    split_json,
)

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
    "sha256_file",
    "write_release",
    "write_tar",
]

FORMAT = "mgstudio-release"
FORMAT_VERSION = 1
SUBJECT_COLUMNS = ("subject_id", "gender", "nationality")
VIDEO_COLUMNS = ("video_id", "subject_id", "fps", "num_frames", "width", "height", "emotion")
CLIP_COLUMNS = ("clip_id", "video_id", "subject_id", "category_code", "label", "start_frame",
                "end_frame", "num_frames", "origin")  # fmt: skip
CLASS_DISTRIBUTION_COLUMNS = ("label", "category_code", "name", "group", "clips", "train", "test")
_CHUNK = 1 << 20

Progress = Callable[[int, int], None]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_bytes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> bytes:
    """A CSV with exactly ``columns`` (a row missing one raises ``KeyError``)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    w.writerow(columns)
    for row in rows:
        w.writerow([_cell(row[c]) for c in columns])
    return buf.getvalue().encode("utf-8")


def json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False)
            + "\n").encode("utf-8")  # fmt: skip


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


@dataclass(frozen=True)
class WrittenRelease:
    folder: Path
    tar: Path
    tar_sha256: str
    manifest: Mapping[str, Any]
    copied: int  # clip/pose files copied this run
    reused: int  # clip/pose files already present with the right sha256 (resume)


def _write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _copy_atomic(src: Path, dst: Path) -> None:
    """Put ``src`` at ``dst``: a hard link when both are on one filesystem (no bytes copied; the
    pipeline replaces its outputs by rename, so the release's link never changes under it),
    else a copy. Either way the name appears only when complete."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(dst.name + ".tmp")
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:
        with open(src, "rb") as fi, open(tmp, "wb") as fo:
            shutil.copyfileobj(fi, fo, _CHUNK)
    os.replace(tmp, dst)


class _HashingWriter:
    """A file wrapper that hashes what is written, so the tar is hashed as it is made."""

    def __init__(self, f):
        self.f, self.hash, self.pos = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.hash.update(data)
        self.pos += len(data)
        return self.f.write(data)

    def tell(self) -> int:
        return self.pos


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
    w.writerow(["labeler", *labelers])
    for name, row in zip(labelers, reliability.get("r_matrix", []), strict=False):
        w.writerow([name, *[_cell(v) for v in row]])
    return buf.getvalue().encode("utf-8")


def write_tar(folder: Path, tar_path: Path, mtime: int = 0) -> str:
    """Tar ``folder`` (as its own top-level directory) deterministically; returns its sha256."""
    folder = Path(folder)
    entries: list[tuple[str, Path]] = [(folder.name, folder)]
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        rel = Path(dirpath).relative_to(folder.parent)
        for d in dirnames:
            entries.append(((rel / d).as_posix(), Path(dirpath) / d))
        for f in sorted(filenames):
            entries.append(((rel / f).as_posix(), Path(dirpath) / f))
    entries.sort(key=lambda e: e[0])
    tmp = tar_path.with_name(tar_path.name + ".tmp")
    with open(tmp, "wb") as raw:
        out = _HashingWriter(raw)
        _tar_entries(out, entries, mtime)
    os.replace(tmp, tar_path)
    digest = out.hash.hexdigest()
    _write_atomic(tar_path.with_name(tar_path.name + ".sha256"),
                  f"{digest}  {tar_path.name}\n".encode())
    return digest


def _tar_entries(out: _HashingWriter, entries: list[tuple[str, Path]], mtime: int) -> None:
    with tarfile.open(fileobj=out, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for name, path in entries:
            info = tarfile.TarInfo(name)
            info.mtime, info.uid, info.gid, info.uname, info.gname = mtime, 0, 0, "", ""
            if path.is_dir():
                info.type, info.mode = tarfile.DIRTYPE, 0o755
                tar.addfile(info)
            else:
                info.size, info.mode = path.stat().st_size, 0o644
                with open(path, "rb") as f:
                    tar.addfile(info, f)


def write_release(
    spec: ReleaseSpec,
    out_dir: str | Path,
    *,
    clip_files: Mapping[str, str | Path] | None = None,
    pose_files: Mapping[str, str | Path] | None = None,
    datasheet: str | None = None,
    chart_png: bytes | None = None,
    mtime: int = 0,
    progress: Progress | None = None,
) -> WrittenRelease:
    """Write ``<out_dir>/<name>-<version>/`` and ``<name>-<version>.tar`` (+ ``.sha256``).

    ``clip_files`` / ``pose_files`` map a clip id to its source mp4 / npz; a clip without an
    entry gets no file (a labels-only release passes no clips, ``spec.labels_only=True``).
    ``datasheet`` defaults to :func:`render_datasheet`, ``chart_png`` to
    :func:`class_distribution_png`. ``progress(done, total)`` is called after each file.
    """
    out_dir = Path(out_dir)
    clip_files = dict(clip_files or {})
    pose_files = dict(pose_files or {})
    if spec.labels_only and clip_files:
        raise ValueError("a labels-only release holds no clip files")
    clips = _clip_rows(spec.clips)
    clip_ids = [str(c["clip_id"]) for c in clips]
    if len(set(clip_ids)) != len(clip_ids):
        raise ValueError("duplicate clip ids")
    unknown = sorted((set(clip_files) | set(pose_files)) - set(clip_ids))
    if unknown:
        raise ValueError(f"files given for unknown clip ids: {', '.join(unknown[:5])}")

    cross = split_json(spec.cross_subject)
    emotion = split_json(spec.emotion)
    texts: dict[str, bytes] = {
        "taxonomy.json": json_bytes(dict(spec.taxonomy)),
        "subjects.csv": csv_bytes(SUBJECT_COLUMNS, _sorted_rows(spec.subjects, "subject_id")),
        "videos.csv": csv_bytes(VIDEO_COLUMNS, _sorted_rows(spec.videos, "video_id")),
        "clips.csv": csv_bytes(CLIP_COLUMNS, clips),
        "splits/cross_subject.json": json_bytes(cross),
        "splits/emotion.json": json_bytes(emotion),
        "skeleton.json": json_bytes({"layouts": dict(spec.skeleton)}),
    }
    dist = class_distribution(spec.taxonomy, clips, cross)
    texts["stats/class_distribution.csv"] = csv_bytes(
        CLASS_DISTRIBUTION_COLUMNS,
        [{"label": r.label, "category_code": r.code, "name": r.name, "group": r.group,
          "clips": r.clips, "train": r.train, "test": r.test} for r in dist],
    )  # fmt: skip
    texts["stats/class_distribution.png"] = (
        chart_png if chart_png is not None else class_distribution_png(spec.taxonomy, clips)
    )
    r_csv = _r_matrix_csv(spec.reliability)
    if r_csv is not None:
        texts["stats/r_matrix.csv"] = r_csv
    texts["stats/reliability.json"] = json_bytes(
        {"theta": spec.theta, **{k: v for k, v in (spec.reliability or {}).items()
                                 if k != "theta"}})  # fmt: skip
    texts["README.md"] = (datasheet if datasheet is not None
                          else render_datasheet(spec)).encode("utf-8")  # fmt: skip

    copies: dict[str, Path] = {}
    for cid in clip_ids:
        if cid in clip_files:
            copies[f"clips/{cid}.mp4"] = Path(clip_files[cid])
        if cid in pose_files:
            copies[f"poses/{cid}.npz"] = Path(pose_files[cid])

    final = out_dir / spec.folder_name
    work = out_dir / f".{spec.folder_name}.partial"
    work.mkdir(parents=True, exist_ok=True)
    total = len(texts) + len(copies) + 2
    done = 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, total)

    entries: dict[str, tuple[int, str]] = {}
    for rel, data in sorted(texts.items()):
        _write_atomic(work / rel, data)
        entries[rel] = (len(data), hashlib.sha256(data).hexdigest())
        tick()
    copied = reused = 0
    for rel, src in sorted(copies.items()):
        dst = work / rel
        src_size = src.stat().st_size
        src_sha = sha256_file(src)
        # Resuming: a link to the source is the source; a copy is checked byte for byte.
        same = dst.is_file() and (
            os.path.samefile(src, dst)
            or (dst.stat().st_size == src_size and sha256_file(dst) == src_sha)
        )
        if not same:
            _copy_atomic(src, dst)
            copied += 1
        else:
            reused += 1
        entries[rel] = (src_size, src_sha)
        tick()

    manifest = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "name": spec.name,
        "version": spec.version,
        "software": dict(spec.software),
        "config": dict(spec.config),
        "theta": spec.theta,
        "labels_only": spec.labels_only,
        "counts": {"videos": len(spec.videos), "subjects": len(spec.subjects),
                   "clips": len(clips), "clip_files": sum(r.startswith("clips/") for r in copies),
                   "pose_files": sum(r.startswith("poses/") for r in copies)},
        "files": [{"path": rel, "size": size, "sha256": sha}
                  for rel, (size, sha) in sorted(entries.items())],
    }  # fmt: skip
    _write_atomic(work / "manifest.json", json_bytes(manifest))
    tick()

    # Anything else in the work folder (a stale file from an older run, a .tmp) goes.
    keep = set(entries) | {"manifest.json"}
    for path in sorted(work.rglob("*"), reverse=True):
        rel = path.relative_to(work).as_posix()
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in keep:
            path.unlink()
    for path in [work, *work.rglob("*")]:
        os.utime(path, (mtime, mtime))

    if final.exists():
        old = out_dir / f".{spec.folder_name}.old"
        if old.exists():
            shutil.rmtree(old)
        os.replace(final, old)
        os.replace(work, final)
        shutil.rmtree(old)
    else:
        os.replace(work, final)
    tar_path = out_dir / f"{spec.folder_name}.tar"
    digest = write_tar(final, tar_path, mtime)
    tick()
    return WrittenRelease(final, tar_path, digest, manifest, copied, reused)
