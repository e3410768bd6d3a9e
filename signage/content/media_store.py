"""Content-addressed storage of uploaded originals on local disk.

Files are named by SHA-256 and written atomically (temporary file, fsync, rename), so
the same file twice is stored once and a crash never leaves half a file.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

CHUNK_BYTES = 1024 * 1024


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            digest.update(chunk)
    return digest.hexdigest()


def original_path(media_dir: Path, sha256: str) -> Path:
    return media_dir / "originals" / sha256[:2] / sha256


def rendition_dir(media_dir: Path, sha256: str) -> Path:
    return media_dir / "renditions" / sha256[:2] / sha256


def store_original(media_dir: Path, source: Path, *, link: bool = False) -> tuple[str, Path]:
    """Put `source` into the store; return its digest and stored path. With `link` (for a
    temporary file nobody else writes) a hard link when the store is on the same file
    system, so a 200 MB video is not copied; else a copy."""
    sha256 = sha256_of(source)
    target = original_path(media_dir, sha256)
    if target.exists():
        return sha256, target
    if link:
        with source.open("rb") as handle:
            os.fsync(handle.fileno())  # the content is on disk before its name is
        link_or_copy(source, target)
    else:
        write_atomically(target, lambda out: _copy(source, out))
    return sha256, target


def link_or_copy(source: Path, target: Path) -> None:
    """Give `target` the whole content of `source`: a hard link where the file system
    allows (a name for complete content), else a copy written atomically."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except FileExistsError:
        return  # another process stored it first
    except OSError:  # another file system, or links not supported
        write_atomically(target, lambda out: _copy(source, out))


def _copy(source: Path, out: IO[bytes]) -> None:
    with source.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK_BYTES), b""):
            out.write(chunk)


def write_atomically(target: Path, write: Callable[[IO[bytes]], Any]) -> None:
    """Write through a temporary file beside `target`, fsync it, then rename it into
    place: readers see the whole file or none."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


INCOMING = "incoming"  # uploads being received (signage.api.media, signage.console.library)
STALE_AFTER_S = 6 * 3600  # no upload takes this long; a younger file may be in flight
LEFTOVER_PATTERNS = (
    f"{INCOMING}/upload-*",
    "originals/*/.incoming-*",
    "renditions/*/*/.incoming-*",
)


def remove_leftovers(media_dir: Path, now: float, older_than_s: float = STALE_AFTER_S) -> int:
    """Remove what an interrupted upload or write left behind (a process killed while
    receiving or storing a file): temporary files older than `older_than_s`. Younger
    ones may belong to another process still at work on the same media folder. Stored
    media never match. Returns how many were removed."""
    removed = 0
    for pattern in LEFTOVER_PATTERNS:
        for path in media_dir.glob(pattern):
            try:
                if now - path.stat().st_mtime > older_than_s and path.is_file():
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # its process finished with it meanwhile
    return removed
