"""The periodic sweeps and what /readyz reports of them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from signage.alerts.models import Alert
from signage.db import Database
from signage.realtime import RecordingNotifier
from signage.scheduling.jobs import JOB_DEFAULTS, Sweeps, schedule_sweeps
from signage.scheduling.models import JobRun, Manifest
from signage.scheduling.propagator import Propagator
from signage.screens.models import Display
from tests.factories import World

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


def sweeps(
    database: Database, clock: Any = lambda: NOW, notifier: RecordingNotifier | None = None
) -> Sweeps:
    return Sweeps(Propagator(database, "Europe/Copenhagen", "da", clock=clock), notifier=notifier)


def test_sweeps_are_scheduled_with_a_grace_time_and_coalescing() -> None:
    from apscheduler.schedulers.background import BackgroundScheduler

    scheduler = schedule_sweeps(BackgroundScheduler(), sweeps(Database("sqlite://")))
    jobs = scheduler.get_jobs()
    assert {job.id for job in jobs} == {
        "propagate",
        "rebuild_due",
        "expire_alerts",
        "mark_offline",
        "roll_up_plays",
        "make_renditions",
        "collect_media",
        "watch_outages",
        "send_mail",
        "refresh_feeds",
        "purge_expired",
    }
    for job in jobs:
        assert job.misfire_grace_time >= 60
        assert job.coalesce is True
    assert JOB_DEFAULTS["misfire_grace_time"] >= 60


def test_displays_that_missed_heartbeats_are_marked_offline(
    database: Database, world: World
) -> None:
    with database.transaction() as session:
        for display_id, seen in (
            (world.displays["bibliotek"], NOW - timedelta(seconds=20)),
            (world.displays["plejehjem"], NOW - timedelta(minutes=5)),
        ):
            display = session.get(Display, display_id)
            display.online, display.last_seen_at = True, seen
    sweeps(database).mark_offline()
    with database.sessions() as session:
        assert session.get(Display, world.displays["bibliotek"]).online is True
        assert session.get(Display, world.displays["plejehjem"]).online is False


def test_expired_alerts_are_ended(database: Database, world: World) -> None:
    with database.transaction() as session:
        session.add_all(
            [
                Alert(
                    location_id=world.locations["kommune"],
                    title="Gammel",
                    severity="warning",
                    targets={"location_ids": [world.locations["kommune"]]},
                    expires_at=NOW - timedelta(minutes=1),
                ),
                Alert(
                    location_id=world.locations["kommune"],
                    title="Aktiv",
                    severity="warning",
                    expires_at=NOW + timedelta(hours=1),
                ),
            ]
        )
    heard = RecordingNotifier()
    sweeps(database, notifier=heard).expire_alerts()
    with database.sessions() as session:
        ended = {a.title: (a.id, a.cleared_at) for a in session.scalars(select(Alert))}
    assert ended["Gammel"][1] == NOW - timedelta(minutes=1)
    assert ended["Aktiv"][1] is None
    # The screens it reached are told to take it down, and public pages mirroring them
    # to look again.
    room = f"location:{world.locations['kommune']}"
    assert heard.sent == [
        ("alert_cleared", {"id": ended["Gammel"][0]}, room, "/player"),
        ("refresh", {}, room, "/public"),
    ]


def test_the_daily_rebuild_comes_between_one_and_five_local_time(
    database: Database, world: World
) -> None:
    sweeps(database).rebuild_due()
    with database.sessions() as session:
        rows = list(session.scalars(select(Manifest)))
    assert {row.display_id for row in rows} == set(world.displays.values())
    for row in rows:
        local = row.rebuild_after.astimezone(ZoneInfo("Europe/Copenhagen"))
        assert local.date() == date(2026, 11, 27)
        assert 1 <= local.hour < 5
    later = max(row.rebuild_after for row in rows) + timedelta(minutes=1)
    moved = sweeps(database, clock=lambda: later)
    moved.rebuild_due()
    with database.sessions() as session:
        assert all(r.built_at == later for r in session.scalars(select(Manifest)))


def test_each_sweep_is_recorded_and_readyz_reports_the_last(
    database: Database, world: World, client: Any
) -> None:
    assert client.get("/readyz").get_json()["last_sweep"] is None
    sweeps(database).mark_offline()
    with database.sessions() as session:
        run = session.get(JobRun, "mark_offline")
    assert run is not None
    assert run.ok is True
    assert client.get("/readyz").get_json()["last_sweep"] == NOW.isoformat()


def test_a_failing_sweep_is_recorded_as_failed_and_does_not_raise(database: Database) -> None:
    with database.engine.begin() as connection:
        connection.exec_driver_sql("DROP TABLE propagator_state")
    sweeps(database).propagate()
    with database.sessions() as session:
        run = session.get(JobRun, "propagate")
    assert run is not None
    assert run.ok is False
    assert "propagator_state" in (run.detail or "")


def test_propagation_and_the_rebuild_sweep_can_start_together(
    database: Database, world: World
) -> None:
    """At start-up both sweeps want every manifest at once (they run on a thread pool)."""
    import threading

    jobs = sweeps(database)
    threads = [threading.Thread(target=job) for job in (jobs.propagate, jobs.rebuild_due)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with database.sessions() as session:
        runs = {name: session.get(JobRun, name) for name in ("propagate", "rebuild")}
        built = {row.display_id for row in session.scalars(select(Manifest))}
    assert all(run is not None and run.ok for run in runs.values()), {
        name: run.detail for name, run in runs.items() if run
    }
    assert built == set(world.displays.values())
