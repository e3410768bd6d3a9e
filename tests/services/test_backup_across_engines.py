"""A backup made on SQLite restores into PostgreSQL, and one made there back into
SQLite, row for row and file for file."""

from __future__ import annotations

from pathlib import Path

from signage.backup import backup, restore
from signage.db import Database
from signage.declarative.importer import import_folder
from signage.migrate import upgrade
from tests import processes
from tests.databases import every_row
from tests.factories import build_world
from tests.media_files import stored_files


def test_sqlite_to_postgresql_and_back(postgres_url: str, tmp_path: Path) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'source.db'}"
    media = tmp_path / "media"
    database = Database(sqlite_url)
    try:
        upgrade(database.engine)
        build_world(database)
        with database.transaction() as session:
            import_folder(session, processes.REPO, media)
    finally:
        database.dispose()
    original = media / "originals" / "ab" / ("ab" + "0" * 62)
    original.parent.mkdir(parents=True)
    original.write_bytes(b"an original, byte for byte \x00\xff")
    before = every_row(sqlite_url)
    assert before["displays"]
    assert before["users"]

    first = tmp_path / "from-sqlite.tar.gz"
    backup(sqlite_url, media, first)
    restore(postgres_url, tmp_path / "pg-media", first)
    assert every_row(postgres_url) == before
    assert stored_files(tmp_path / "pg-media") == stored_files(media)

    second = tmp_path / "from-postgresql.tar.gz"
    backup(postgres_url, tmp_path / "pg-media", second)
    again_url = f"sqlite:///{tmp_path / 'again.db'}"
    restore(again_url, tmp_path / "again-media", second)
    assert every_row(again_url) == before
    assert stored_files(tmp_path / "again-media") == stored_files(media)
