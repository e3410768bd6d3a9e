"""A backup made on SQLite restores into PostgreSQL, and one made there back into
SQLite, row for row and file for file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select

from signage.backup import backup, restore, tables
from signage.db import Database
from signage.declarative.importer import import_folder
from signage.migrate import upgrade
from tests import processes
from tests.factories import build_world


def rows_of(url: str) -> dict[str, list[dict[str, Any]]]:
    database = Database(url)
    try:
        with database.engine.connect() as connection:
            return {
                table.name: [
                    dict(row)
                    for row in connection.execute(
                        select(table).order_by(*table.primary_key.columns)
                    ).mappings()
                ]
                for table in tables()
            }
    finally:
        database.dispose()


def files_of(media: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(media)): path.read_bytes()
        for path in sorted(media.rglob("*"))
        if path.is_file()
    }


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
    before = rows_of(sqlite_url)
    assert before["displays"]
    assert before["users"]

    first = tmp_path / "from-sqlite.tar.gz"
    backup(sqlite_url, media, first)
    restore(postgres_url, tmp_path / "pg-media", first)
    assert rows_of(postgres_url) == before
    assert files_of(tmp_path / "pg-media") == files_of(media)

    second = tmp_path / "from-postgresql.tar.gz"
    backup(postgres_url, tmp_path / "pg-media", second)
    again_url = f"sqlite:///{tmp_path / 'again.db'}"
    restore(again_url, tmp_path / "again-media", second)
    assert rows_of(again_url) == before
    assert files_of(tmp_path / "again-media") == files_of(media)
