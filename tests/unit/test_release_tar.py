"""The release tar (annotator.release.tarball), table-driven over both writers: GNU tar with the
checksum taken behind it, and the tarfile fallback. No database; real files, real GNU tar."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
from pathlib import Path

import pytest

from annotator.release import tarball
from annotator.release.tarball import ReleaseTar, order_entries, write_tar

WRITERS = ["gnu", "python"]


@pytest.fixture(params=WRITERS)
def writer(request, monkeypatch):
    if request.param == "gnu":
        if tarball.gnu_tar.__wrapped__() is None:
            pytest.skip("GNU tar is not installed")
        monkeypatch.delenv("MGSTUDIO_RELEASE_TAR", raising=False)
    else:
        monkeypatch.setenv("MGSTUDIO_RELEASE_TAR", "python")
    tarball.gnu_tar.cache_clear()
    yield request.param
    tarball.gnu_tar.cache_clear()


def _folder(root: Path, name: str = "demo-1.0") -> Path:
    """A release-shaped folder. The last pose file ends in 3 MiB of zeros (longer than the
    hashing thread's hold-back and than tar's end-of-archive) to catch a wrong cut."""
    folder = root / name
    for rel, data in {
        "README.md": b"# demo\n",
        "clips.csv": b"clip_id\n0001_0\n",
        "manifest.json": b"{}\n",
        "splits/cross_subject.json": b"{}\n",
        "stats/class_distribution.png": b"\x89PNG fake",
        "clips/0001_0.mp4": os.urandom(70_000),
        "clips/0001_1.mp4": os.urandom(1_500_000),
        "poses/0001_0.npz": os.urandom(1000),
        "poses/0001_1.npz": os.urandom(700) + bytes(3 << 20),
    }.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(data)
    os.chmod(folder / "clips/0001_0.mp4", 0o600)  # modes are the archive's, not the file's
    return folder


def _members(tar_path: Path) -> list[tuple[str, str, int, bytes]]:
    out = []
    with tarfile.open(tar_path) as tar:
        for m in tar.getmembers():
            assert (m.uid, m.gid, m.uname, m.gname, m.mtime) == (0, 0, "", "", 1_600_000_000)
            data = tar.extractfile(m).read() if m.isfile() else b""
            out.append((m.name, "d" if m.isdir() else "f", m.mode, data))
    return out


def test_order_puts_the_bulk_first_each_folder_after_its_files():
    bulk, rest = order_entries(
        [
            "poses/b.npz",
            "clips/b.mp4",
            "README.md",
            "clips/a.mp4",
            "stats/x.png",
            "manifest.json",
            "clips.csv",
        ]
    )
    assert bulk == ["clips/a.mp4", "clips/b.mp4", "clips", "poses/b.npz", "poses"]
    assert rest == ["", "README.md", "clips.csv", "manifest.json", "stats", "stats/x.png"]
    assert order_entries(["README.md"]) == ([], ["", "README.md"])


def test_archive_holds_the_folder_exactly_with_fixed_metadata(tmp_path, writer):
    folder = _folder(tmp_path / "src")
    digest = write_tar(folder, tmp_path / "a.tar", mtime=1_600_000_000)
    tar_bytes = (tmp_path / "a.tar").read_bytes()
    assert digest == hashlib.sha256(tar_bytes).hexdigest()
    assert (tmp_path / "a.tar.sha256").read_text() == f"{digest}  a.tar\n"
    members = _members(tmp_path / "a.tar")
    names = [name for name, *_ in members]
    assert names[:5] == [
        "demo-1.0/clips/0001_0.mp4",
        "demo-1.0/clips/0001_1.mp4",
        "demo-1.0/clips",
        "demo-1.0/poses/0001_0.npz",
        "demo-1.0/poses/0001_1.npz",
    ]
    assert names[5:7] == ["demo-1.0/poses", "demo-1.0"]
    files = {n[len("demo-1.0/") :]: (mode, data) for n, kind, mode, data in members if kind == "f"}
    on_disk = {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }
    assert {k: v[1] for k, v in files.items()} == on_disk
    assert {mode for mode, _ in files.values()} == {0o644}
    assert {mode for _, kind, mode, _ in members if kind == "d"} == {0o755}
    record = 128 * 512 if writer == "gnu" else tarfile.RECORDSIZE
    assert len(tar_bytes) % record == 0 and not list(tmp_path.glob("*.tmp"))


def test_the_same_folder_gives_the_same_bytes(tmp_path, writer):
    folder = _folder(tmp_path / "src")
    a = write_tar(folder, tmp_path / "a.tar", mtime=1_600_000_000)
    b = write_tar(folder, tmp_path / "b.tar", mtime=1_600_000_000)
    assert a == b and (tmp_path / "a.tar").read_bytes() == (tmp_path / "b.tar").read_bytes()
    assert write_tar(folder, tmp_path / "c.tar", mtime=1_600_000_001) != a


def test_entries_added_as_their_files_appear_give_the_same_archive(tmp_path, writer):
    """How the export uses it: bulk names sent in batches as each batch's files appear, the
    rest once the text files are written."""
    folder = _folder(tmp_path / "stage")
    expected = write_tar(folder, tmp_path / "ref.tar", mtime=1_600_000_000)
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    for p in [*folder.glob("poses/*"), *folder.glob("*.*")]:
        p.rename(hidden / p.name)
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    bulk, rest = order_entries(
        [
            *files,
            *(f"poses/{p.name}" for p in hidden.glob("*.npz")),
            *(p.name for p in hidden.iterdir() if p.suffix != ".npz"),
        ]
    )
    tar = ReleaseTar(tmp_path / "out.tar", folder, 1_600_000_000)
    tar.add(bulk[:3])  # clips: present
    for p in hidden.glob("*.npz"):
        p.rename(folder / "poses" / p.name)
    tar.add(bulk[3:])
    for p in hidden.iterdir():
        p.rename(folder / p.name)
    tar.add(rest)
    assert tar.finish() == expected


def test_a_file_that_vanishes_fails_clearly_and_leaves_no_archive(tmp_path, writer):
    folder = _folder(tmp_path / "src")
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    bulk, rest = order_entries(files)
    (folder / "clips/0001_1.mp4").unlink()
    tar = ReleaseTar(tmp_path / "out.tar", folder, 0)
    with pytest.raises(OSError, match="0001_1.mp4"):
        tar.add(bulk + rest)
        tar.finish()
    assert not (tmp_path / "out.tar").exists() and not (tmp_path / "out.tar.tmp").exists()
    assert not (tmp_path / "out.tar.sha256").exists()


def test_a_stale_temporary_archive_is_not_taken_for_the_new_one(tmp_path, writer):
    folder = _folder(tmp_path / "src")
    (tmp_path / "out.tar.tmp").write_bytes(os.urandom(300_000))  # a crashed run's leftovers
    digest = write_tar(folder, tmp_path / "out.tar", mtime=1_600_000_000)
    assert digest == write_tar(folder, tmp_path / "ref.tar", mtime=1_600_000_000)
    with tarfile.open(fileobj=io.BytesIO((tmp_path / "out.tar").read_bytes())) as tar:
        assert len(tar.getmembers()) == 14


def test_abort_stops_tar_and_leaves_nothing(tmp_path, writer):
    """An export that fails half-way (its text files never come) leaves no process running
    and no archive behind."""
    folder = _folder(tmp_path / "src")
    files = [p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()]
    bulk, _ = order_entries(files)
    tar = ReleaseTar(tmp_path / "out.tar", folder, 0)
    tar.add(bulk)
    tar.abort()
    for proc in (tar._proc, tar._hasher):
        assert proc is None or proc.poll() is not None
    assert list(tmp_path.glob("out.tar*")) == []
