"""The same migration, API and import/export on PostgreSQL as on SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select

from signage.app import create_app
from signage.db import Database
from signage.declarative.exporter import export_folder
from signage.declarative.importer import import_folder
from signage.migrate import upgrade
from signage.models import Base
from signage.scheduling.models import Change
from tests.conftest import Api, make_settings
from tests.factories import build_world

pytestmark = pytest.mark.services
REPO = Path(__file__).resolve().parents[2]


def test_the_migration_creates_exactly_the_models_on_postgres(postgres_url: str) -> None:
    database = Database(postgres_url)
    upgrade(database.engine)
    with database.engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    database.dispose()


def test_the_api_works_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path / "instance", postgres_url))
    database: Database = app.extensions["signage.db"]
    upgrade(database.engine)
    world = build_world(database)
    manager = Api(app.test_client(), world.tokens["manager"])
    playlist = manager.post(
        "playlists", {"slug": "pg", "name": "PG", "location_id": world.locations["bibliotek"]}
    )
    assert playlist.status_code == 201
    schedule = manager.post(
        "schedules",
        {
            "playlist_id": playlist.get_json()["id"],
            "target": {"location_id": world.locations["bibliotek"]},
            "window": ["22:00", "06:00"],
        },
    )
    assert schedule.status_code == 201, schedule.get_json()
    clash = manager.post(
        "playlists", {"slug": "pg", "name": "Again", "location_id": world.locations["bibliotek"]}
    )
    assert clash.status_code == 409
    assert manager.get("playlists").get_json()["items"][0]["slug"] == "pg"
    refused = manager.post("displays", {"name": "X", "location_id": world.locations["plejehjem"]})
    assert refused.status_code == 403
    database.dispose()


def test_import_and_export_round_trip_on_postgres(postgres_url: str, tmp_path: Path) -> None:
    database = Database(postgres_url)
    upgrade(database.engine)
    with database.transaction() as session:
        report = import_folder(session, REPO, tmp_path / "media")
    assert report.created["slide"] > 0
    with database.transaction() as session:
        assert import_folder(session, REPO, tmp_path / "media").summary() == "nothing changed"
        changes = session.scalar(select(func.count()).select_from(Change))
    assert changes
    with database.sessions() as session:
        export_folder(session, tmp_path / "from-postgres", tmp_path / "media")
    database.dispose()

    sqlite = Database(f"sqlite:///{tmp_path / 'copy.db'}")
    upgrade(sqlite.engine)
    with sqlite.transaction() as session:
        import_folder(session, tmp_path / "from-postgres", tmp_path / "media")
    with sqlite.sessions() as session:
        export_folder(session, tmp_path / "from-sqlite", tmp_path / "media")
    sqlite.dispose()
    exported = sorted((tmp_path / "from-postgres").rglob("*.yaml"))
    content = [*REPO.glob("displays/*.yaml"), *REPO.glob("playlists/*.yaml")]
    assert len(exported) == len(content)
    for path in exported:
        twin = tmp_path / "from-sqlite" / path.relative_to(tmp_path / "from-postgres")
        assert twin.read_text() == path.read_text(), path.name
