"""The same migration, API and import/export on PostgreSQL as on SQLite."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.app import create_app
from signage.db import Database
from signage.declarative.exporter import export_folder
from signage.declarative.importer import import_folder
from signage.migrate import upgrade
from signage.models import Base
from signage.scheduling.models import Change, PropagatorState
from signage.scheduling.propagator import STATE_NAME, Propagator, committed_changes
from tests.conftest import Api, make_settings
from tests.factories import add_location, build_world

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


def test_plays_are_taken_once_rolled_up_and_reported_on_postgres(
    postgres_url: str, tmp_path: Path
) -> None:
    from zoneinfo import ZoneInfo

    from signage.db import utcnow
    from signage.reports.rollups import roll_up
    from tests.integration.test_plays import Kiosk, make_alert, make_slides, raw_sums, rolled_sums
    from tests.integration.test_plays import scatter as spread

    app = create_app(make_settings(tmp_path / "instance", postgres_url))
    database: Database = app.extensions["signage.db"]
    upgrade(database.engine)
    world = build_world(database)
    client = app.test_client()
    manager = Api(client, world.tokens["manager"])
    display = world.displays["bibliotek"]
    token = manager.post(f"displays/{display}/token").get_json()["token"]
    kiosk = Kiosk(
        client,
        app,
        display,
        {"Authorization": f"Bearer {token}"},
        make_slides(database, world.locations["bibliotek"], 3),
        make_alert(database, world.locations["bibliotek"]),
    )
    plays = spread([kiosk], 200, seed=11)[display]

    assert kiosk.send(plays).status_code == 202
    assert kiosk.send(plays[:50]).status_code == 202  # sent again after a reconnect
    kiosk.flush()
    with database.transaction() as session:
        roll_up(session, ZoneInfo("Europe/Copenhagen"), utcnow(), timedelta(days=90))
    raw_hours, raw_days = raw_sums(database)

    assert sum(v for k, v in raw_hours.items() if k[-1] == "plays") == 200
    assert rolled_sums(database) == (raw_hours, raw_days)
    by_day = manager.get("reports/plays", query_string={"group_by": "day"}).get_json()
    assert sum(item["plays"] + item["alert_plays"] for item in by_day["items"]) == 200
    database.dispose()


def test_a_change_that_commits_after_a_later_one_is_not_skipped(postgres_url: str) -> None:
    """Change ids are drawn at insert and seen at commit: while an earlier id's
    transaction is open, the propagator must not read past it."""
    database = Database(postgres_url)
    upgrade(database.engine)
    world = build_world(database)
    propagator = Propagator(database, "Europe/Copenhagen", "da")
    propagator.run_once()
    kommune = world.locations["kommune"]

    slow = database.sessions()
    add_location(slow, "sen", kommune)  # flushed: its change has an id, not yet committed
    earlier = slow.scalar(select(func.max(Change.id)))
    with database.transaction() as fast:
        add_location(fast, "hurtig", kommune)
    try:
        assert propagator.run_once() == []  # waited for the open writer, then gave up
        with database.sessions() as session:
            state = session.get(PropagatorState, STATE_NAME)
            assert state is not None
            assert state.last_change_id < earlier

        found: list[list[Change] | None] = []
        with database.sessions() as session:
            reader = threading.Thread(target=lambda: found.append(read(session)))
            reader.start()
            time.sleep(0.2)
            slow.commit()
            reader.join()
    finally:
        slow.close()
        database.dispose()
    kinds = [(change.kind, change.id) for change in found[0] or []]
    assert [kind for kind, _ in kinds] == ["location", "location"]
    assert kinds[0][1] == earlier


def read(session: Session) -> list[Change] | None:
    state = session.get(PropagatorState, STATE_NAME)
    assert state is not None
    return committed_changes(session, state.last_change_id)
