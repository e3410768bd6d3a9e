"""The Alembic migrations create exactly the models, and can be undone, on the database
the suite runs on (tests/databases.py)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, Table, inspect, select

from signage.db import Database
from signage.migrate import alembic_config, upgrade
from signage.models import Base
from signage.reports.models import PlayEvent
from tests.databases import DATABASES, sqlite_only

CREATED = datetime(2026, 11, 27, tzinfo=UTC)
# A display row as 0007's table takes it (the model's defaults are Python-side).
DISPLAY_0007 = {
    "name": "Skærm",
    "orientation": "landscape",
    "width": 1920,
    "height": 1080,
    "rotation": 0,
    "languages": [],
    "tags": [],
    "power": [],
    "online": False,
    "created_at": CREATED,
}


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[Database]:
    """An empty database, not yet migrated."""
    instance = tmp_path / "fresh"
    database = Database(DATABASES.create(instance))
    yield database
    database.dispose()
    DATABASES.drop(instance)


def test_migrating_a_fresh_database_creates_exactly_the_models(fresh: Database) -> None:
    upgrade(fresh.engine)
    with fresh.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


@sqlite_only
def test_sqlite_runs_with_wal_foreign_keys_and_a_busy_timeout(fresh: Database) -> None:
    upgrade(fresh.engine)
    with fresh.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "foreign_keys", "busy_timeout")
        }
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 5000}


def test_the_migration_downgrades_to_nothing_and_upgrades_again(fresh: Database) -> None:
    upgrade(fresh.engine)
    config = alembic_config(fresh.engine.url.render_as_string(hide_password=False))
    with fresh.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert set(inspect(fresh.engine).get_table_names()) <= {"alembic_version"}
    upgrade(fresh.engine)
    assert "slides" in inspect(fresh.engine).get_table_names()


def migrate_to(database: Database, revision: str, *, down: bool = False) -> None:
    config = alembic_config(database.engine.url.render_as_string(hide_password=False))
    with database.engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, revision)


def test_plays_keep_their_instants_through_the_rekeying_migration(fresh: Database) -> None:
    """0008 stores a play's start as a number and keys plays by display, start and name:
    plays stored before keep their instants, both ways."""
    migrate_to(fresh, "0007")
    starts = [
        datetime(2026, 11, 27, 9, 41, 0, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),  # no microseconds: SQLite's text still has them
    ]
    with fresh.engine.begin() as connection:  # the tables as 0007 left them
        tables = MetaData()
        tables.reflect(connection, only=["locations", "displays", "play_events"])
        location = connection.execute(
            tables.tables["locations"]
            .insert()
            .values(slug="x", name="X", public=False, created_at=CREATED)
        ).inserted_primary_key[0]
        display = connection.execute(
            tables.tables["displays"].insert().values(location_id=location, **DISPLAY_0007)
        ).inserted_primary_key[0]
        old = tables.tables["play_events"]
        connection.execute(
            old.insert(),
            [
                {"display_id": display, "started_at": starts[0], "duration_ms": 8000,
                 "client_id": "named-play"},
                {"display_id": display, "started_at": starts[1], "duration_ms": 9000,
                 "client_id": None},
            ],
        )  # fmt: skip

    upgrade(fresh.engine)
    with fresh.sessions() as session:
        plays = session.execute(
            select(PlayEvent.started_at, PlayEvent.client_id, PlayEvent.duration_ms).order_by(
                PlayEvent.duration_ms
            )
        ).all()
    assert [tuple(play) for play in plays] == [
        (starts[0], "named-play", 8000),
        (starts[1], plays[1].client_id, 9000),
    ]
    assert plays[1].client_id.startswith("row-")

    migrate_to(fresh, "0007", down=True)
    with fresh.engine.connect() as connection:
        old = Table("play_events", MetaData(), autoload_with=connection)
        back = connection.execute(select(old.c.started_at).order_by(old.c.duration_ms))
        assert [row[0].replace(tzinfo=UTC) for row in back] == starts
