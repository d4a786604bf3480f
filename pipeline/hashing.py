"""The one way files are hashed: SHA-256, streamed, so multi-GB sources never sit in memory."""

from __future__ import annotations

import hashlib
import os

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike[str], chunk_size: int = _CHUNK) -> str:
    """Hex SHA-256 of a file, read into one reused buffer (no per-chunk allocation)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as fh:
        buf = bytearray(chunk_size)
        view = memoryview(buf)
        while n := fh.readinto(buf):
            digest.update(view[:n])
    return digest.hexdigest()
