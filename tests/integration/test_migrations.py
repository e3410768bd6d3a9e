"""The Alembic migrations create exactly the models, and can be undone, on the database
the suite runs on (tests/databases.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from signage.db import Database
from signage.migrate import alembic_config, upgrade
from signage.models import Base
from tests.databases import DATABASES, sqlite_only


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
