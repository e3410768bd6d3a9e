"""Content-addressed storage of uploaded originals on local disk.

Files are named by SHA-256 and written atomically (temporary file, fsync, rename), so
the same file twice is stored once and a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

CHUNK_BYTES = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def original_path(media_dir: Path, sha256: str) -> Path:
    return media_dir / "originals" / sha256[:2] / sha256


def store_original(media_dir: Path, source: Path) -> tuple[str, Path]:
    """Copy `source` into the store; return its digest and stored path."""
    sha256 = sha256_of(source)
    target = original_path(media_dir, sha256)
    if target.exists():
        return sha256, target
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as handle:
            for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return sha256, target
