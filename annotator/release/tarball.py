"""A release's deterministic ``.tar`` and its sha256, made about as fast as a plain ``tar``.

Pure (no Django). The archive holds the release folder as its own top-level directory, in a
fixed order: the bulk first — ``clips/`` then ``poses/``, each folder's files by name and then
the folder's own entry — and then the rest (the top folder's entry, then the text files and
their folders by name). Every mtime is the caller's ``mtime``, owners are 0/0 with empty names,
modes 0644 (files) and 0755 (directories), hard links are stored as plain files, GNU format.
The same folder gives the same bytes with the same tools.

Why this shape: a release holds thousands of small files, and Python's :mod:`tarfile` spends
a few hundred microseconds per file on headers and copies, several times what GNU tar needs for
the whole folder (``bench/release_export.py``). So GNU tar (≥ 1.28) writes the archive,
reading the names from a pipe as the caller puts the files in place — the bulk while they are
linked, the text files once they are made — and a small Python process hashes the file behind
it (a process, not a thread: a thread would wait for this process's GIL after every chunk).
On two cores the export then costs little more than the tar. Without GNU tar (BSD tar, or
``MGSTUDIO_RELEASE_TAR=python``) :mod:`tarfile` writes the same entries in the same order; the
bytes differ from GNU tar's, so determinism holds per machine.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["BULK_FOLDERS", "ReleaseTar", "gnu_tar", "order_entries", "write_tar"]

BULK_FOLDERS = ("clips", "poses")
# GNU tar writes 64 KiB records (``-b 128``): a sixth of the writes of its 10 KiB default,
# measured to save a third of its time here. The archive is padded to a whole record (readers
# do not care), so this is part of the bytes.
_BLOCKING_FACTOR = 128
# Reproducible-builds flags: GNU format (no atime/ctime, long names as ././@LongLink entries),
# fixed owners and mtime, ``--mode`` to fix permissions whatever umask made the files.
_GNU_FLAGS = (
    "--format=gnu",
    f"--blocking-factor={_BLOCKING_FACTOR}",
    "--owner=0",
    "--group=0",
    "--numeric-owner",
    "--mode=a=r,u+w,a+X",
    "--hard-dereference",
    "--no-recursion",
    "--null",
)


@functools.cache
def gnu_tar() -> str | None:
    """The path of a GNU tar new enough for these flags, or None."""
    if os.environ.get("MGSTUDIO_RELEASE_TAR", "").lower() == "python":
        return None
    exe = shutil.which("tar")
    if not exe:
        return None
    try:
        out = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
        first = out.stdout.splitlines()[0] if out.stdout else ""
        major, minor = (int(x) for x in first.split()[-1].split(".")[:2])
    except (OSError, subprocess.SubprocessError, ValueError, IndexError):
        return None
    return exe if "GNU tar" in first and (major, minor) >= (1, 28) else None


def order_entries(files: Iterable[str]) -> tuple[list[str], list[str]]:
    """The archive order of a release's files (paths relative to its folder): ``(bulk,
    rest)``, directory entries included; ``""`` stands for the folder itself.

    Sorted by code point, which is the order of the names' UTF-8 bytes (release names are
    generated, never undecodable bytes smuggled in as surrogates)."""
    files = sorted(set(files))
    bulk: list[str] = []
    for folder in BULK_FOLDERS:
        inside = [f for f in files if f.startswith(folder + "/")]
        if inside:
            bulk += [*inside, folder]
    taken = set(bulk)
    rest_files = [f for f in files if f not in taken]
    dirs = {f.rpartition("/")[0] for f in rest_files if "/" in f}
    rest = ["", *sorted(dirs | set(rest_files))]
    return bulk, rest


class _HashingWriter:
    def __init__(self, f):
        self.f, self.hash, self.pos = f, hashlib.sha256(), 0

    def write(self, data) -> int:
        self.hash.update(data)
        self.pos += len(data)
        return self.f.write(data)

    def tell(self) -> int:
        return self.pos


# Runs as ``python -I -S -c _HASHER <path>``: hashes the file as it grows; once its stdin
# closes (the parent's sign that tar has exited) it reads to the end and prints
# "<sha256> <bytes>".
_HASHER = """
import hashlib, select, sys
path, h, n, f, ended = sys.argv[1], hashlib.sha256(), 0, None, False
buf = bytearray(1 << 20)
view = memoryview(buf)
while True:
    if f is None:
        try:
            f = open(path, "rb", buffering=0)
        except FileNotFoundError:
            pass
    if f is not None:
        while k := f.readinto(buf):
            h.update(view[:k])
            n += k
    if ended:
        break
    ended = bool(select.select([sys.stdin], [], [], 0.001)[0])
print(h.hexdigest(), n)
"""


class ReleaseTar:
    """Writes ``tar_path`` for ``folder`` (entries named ``<folder's name>/...``): call
    :meth:`add` with entries as their files appear, in :func:`order_entries`' order (bulk,
    then rest), then :meth:`finish`. The folder must stay where it is until then.

    The archive is written to ``<tar>.tmp`` and renamed when complete; ``<tar>.sha256`` is
    written in ``sha256sum``'s format."""

    def __init__(self, tar_path: str | Path, folder: str | Path, mtime: int = 0):
        self.tar_path, self.folder, self.mtime = Path(tar_path), Path(folder), int(mtime)
        self.top = self.folder.name
        self.tmp = self.tar_path.with_name(self.tar_path.name + ".tmp")
        self.tmp.unlink(missing_ok=True)  # a stale one would be read as this tar's beginning
        exe = gnu_tar()
        self._tar: tarfile.TarFile | None = None
        self._proc = self._hasher = None
        if exe is None:
            self._raw = open(self.tmp, "wb")  # noqa: SIM115 - closed in finish() or _abort()
            self._out = _HashingWriter(self._raw)
            self._tar = tarfile.open(fileobj=self._out, mode="w", format=tarfile.GNU_FORMAT)
            return
        argv = [
            exe,
            *_GNU_FLAGS,
            f"--mtime=@{self.mtime}",
            "-cf",
            str(self.tmp),
            "-C",
            str(self.folder.parent),
            "-T",
            "-",
        ]
        # stderr to a file: a pipe nobody reads until tar exits could fill up and block it.
        self._errors = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stderr=self._errors)
        self._hasher = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", _HASHER, str(self.tmp)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def _add_python(self, rel: str) -> None:
        path = self.folder / rel if rel else self.folder
        info = tarfile.TarInfo(f"{self.top}/{rel}" if rel else self.top)
        info.mtime, info.uid, info.gid, info.uname, info.gname = self.mtime, 0, 0, "", ""
        if path.is_dir():
            info.type, info.mode = tarfile.DIRTYPE, 0o755
            self._tar.addfile(info)
        else:
            info.size, info.mode = path.stat().st_size, 0o644
            with open(path, "rb") as f:
                self._tar.addfile(info, f)

    def add(self, rels: list[str]) -> None:
        """Add entries (paths in the folder, ``""`` for the folder itself; they must exist)."""
        try:
            if self._tar is not None:
                for rel in rels:
                    self._add_python(rel)
            elif rels:
                top = self.top
                names = "".join(f"{top}/{r}\0" if r else f"{top}\0" for r in rels)
                self._proc.stdin.write(os.fsencode(names))
                self._proc.stdin.flush()
        except BrokenPipeError:  # tar has stopped: report why
            try:
                self._finish_gnu()
            finally:
                self.abort()
            raise OSError("tar stopped reading names") from None
        except BaseException:
            self.abort()
            raise

    def _finish_gnu(self) -> str:
        with contextlib.suppress(BrokenPipeError):
            self._proc.stdin.close()
        self._proc.wait()
        self._hasher.stdin.close()  # tar has exited: the hasher reads to the end
        out = self._hasher.stdout.read().split()
        self._hasher.wait()
        self._errors.seek(0)
        err = self._errors.read().decode(errors="replace").strip()
        self._errors.close()
        if self._proc.returncode != 0:
            raise OSError(f"tar failed ({self._proc.returncode}): {err[:500]}")
        if self._hasher.returncode != 0 or len(out) != 2:
            raise OSError(f"hashing {self.tmp.name} failed ({self._hasher.returncode})")
        if int(out[1]) != self.tmp.stat().st_size:
            raise OSError(f"{self.tmp.name} changed while it was hashed")
        return out[0]

    def finish(self) -> str:
        """Close the archive, rename it into place, write the ``.sha256``; return the sha256."""
        try:
            if self._tar is not None:
                self._tar.close()  # the end-of-archive blocks and record padding
                self._raw.close()
                digest = self._out.hash.hexdigest()
            else:
                digest = self._finish_gnu()
        except BaseException:
            self.abort()
            raise
        os.replace(self.tmp, self.tar_path)
        sha = self.tar_path.with_name(self.tar_path.name + ".sha256")
        sha_tmp = sha.with_name(sha.name + ".tmp")
        sha_tmp.write_bytes(f"{digest}  {self.tar_path.name}\n".encode())
        os.replace(sha_tmp, sha)
        return digest

    def abort(self) -> None:
        """Stop tar and the hasher if they run and remove the unfinished archive."""
        for proc in (self._proc, self._hasher):
            if proc is not None and proc.poll() is None:
                proc.kill()
                proc.wait()
        if self._tar is not None:
            self._raw.close()
        self.tmp.unlink(missing_ok=True)


def write_tar(folder: str | Path, tar_path: str | Path, mtime: int = 0) -> str:
    """Tar an existing release ``folder`` into ``tar_path`` (+ ``.sha256``) in the release
    order (:func:`order_entries`); returns the sha256. The same bytes as the export's tar."""
    folder = Path(folder)
    files = []
    for dirpath, _, filenames in os.walk(folder):
        rel_dir = os.path.relpath(dirpath, folder)
        files += [n if rel_dir == "." else f"{rel_dir}/{n}" for n in filenames]
    bulk, rest = order_entries(files)
    tar = ReleaseTar(tar_path, folder, mtime)
    tar.add(bulk + rest)
    return tar.finish()
