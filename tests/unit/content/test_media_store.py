"""Media on a volume every process shares: a file gets its name only once it is whole,
so no reader (another web process, nginx) ever sees half of one."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import IO

import pytest

from signage.content.media_store import (
    link_or_copy,
    remove_leftovers,
    store_original,
    write_atomically,
)

HALF = b"x" * 4096


def test_a_file_written_atomically_has_no_name_until_it_is_whole(tmp_path: Path) -> None:
    target = tmp_path / "renditions" / "ab" / "main.webp"

    def write(out: IO[bytes]) -> None:
        out.write(HALF)
        out.flush()
        assert not target.exists()
        out.write(HALF)

    write_atomically(target, write)
    assert target.read_bytes() == HALF * 2
    assert [p.name for p in target.parent.iterdir()] == ["main.webp"]


def test_rewriting_a_file_keeps_the_old_one_whole_until_the_new_one_is_complete(
    tmp_path: Path,
) -> None:
    target = tmp_path / "main.jpg"
    target.write_bytes(b"old")

    def write(out: IO[bytes]) -> None:
        out.write(HALF)
        out.flush()
        assert target.read_bytes() == b"old"
        out.write(HALF)

    write_atomically(target, write)
    assert target.read_bytes() == HALF * 2


def test_a_failed_write_leaves_neither_the_file_nor_its_temporary(tmp_path: Path) -> None:
    target = tmp_path / "main.png"

    def write(out: IO[bytes]) -> None:
        out.write(HALF)
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, write)
    assert list(tmp_path.iterdir()) == []


def test_an_upload_stored_twice_by_two_processes_is_one_whole_file(tmp_path: Path) -> None:
    upload = tmp_path / "incoming" / "upload-1"
    upload.parent.mkdir()
    upload.write_bytes(HALF * 3)
    first = store_original(tmp_path / "media", upload, link=True)
    second = store_original(tmp_path / "media", upload, link=True)
    assert first == second
    assert first[1].read_bytes() == HALF * 3


SHM = Path("/dev/shm")  # noqa: S108 - a file system other than the test folder's, on purpose


def test_a_copy_across_file_systems_is_never_seen_half_written(tmp_path: Path) -> None:
    """Where a hard link cannot be made (the original on another file system) the copy
    is written beside its name and renamed: a reader polling the name throughout sees
    nothing, then the whole file."""
    if not SHM.is_dir() or SHM.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on a file system other than the test's folder")
    size = 48 * 1024 * 1024
    source = SHM / f"signage-test-{os.getpid()}.mp4"
    source.write_bytes(os.urandom(1024) * (size // 1024))
    target = tmp_path / "renditions" / "cd" / "original.mp4"
    seen: list[int | None] = []
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            try:
                seen.append(target.stat().st_size)
            except FileNotFoundError:
                seen.append(None)

    reader = threading.Thread(target=read)
    reader.start()
    try:
        link_or_copy(source, target)
    finally:
        done.set()
        reader.join()
        source.unlink()
    assert target.stat().st_size == size
    assert None in seen, "the reader looked only after the copy"
    assert set(seen) <= {None, size}


def test_only_old_leftovers_of_interrupted_writes_are_removed(tmp_path: Path) -> None:
    media = tmp_path / "media"
    stored = media / "originals" / "ab" / ("ab" + "1" * 62)
    rendition = media / "renditions" / "ab" / ("ab" + "1" * 62) / "main.webp"
    old = [
        media / "incoming" / "upload-x1",
        media / "originals" / "ab" / ".incoming-y2",
        media / "renditions" / "ab" / ("ab" + "1" * 62) / ".incoming-z3",
    ]
    young = media / "incoming" / "upload-in-flight"
    for path in [stored, rendition, *old, young]:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(HALF)
    now = 1_000_000_000.0
    for path in [stored, rendition, *old]:
        os.utime(path, (now - 7 * 3600, now - 7 * 3600))
    os.utime(young, (now - 60, now - 60))

    assert remove_leftovers(media, now) == len(old)
    assert not any(path.exists() for path in old)
    assert stored.exists()  # stored media are never leftovers, however old
    assert rendition.exists()
    assert young.exists()  # may be another process's upload in progress
