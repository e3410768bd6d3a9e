"""What the processes of a scaled deployment share, on the real Redis and PostgreSQL:
pairing rate limits counted by every web process together, the propagator woken by
commits that grew the change log, and change ids that grow in commit order."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import select

from signage.app import create_app
from signage.cluster import Wakeups, change_signal, changes_channel
from signage.db import Database, utcnow
from signage.limits import RedisLimiter
from signage.scheduling.models import Change, JobRun
from signage.screens.devices import REGISTRATIONS_PER_WINDOW
from signage.screens.models import Location
from tests.conftest import make_settings
from tests.databases import DATABASES
from tests.services.conftest import RedisService

pytestmark = pytest.mark.services
WOKEN_WITHIN_S = 5


def test_the_redis_limiter_counts_one_address_across_limiters(
    redis_service: RedisService,
) -> None:
    key = f"{redis_service.prefix}:limit:test"
    first, second = (RedisLimiter(redis_service.url, key, 3, 60) for _ in range(2))
    assert [first.hit("10.0.0.1"), second.hit("10.0.0.1"), first.hit("10.0.0.1")] == [0, 0, 0]
    wait = second.hit("10.0.0.1")
    assert 0 < wait <= 60
    assert first.hit("10.0.0.1") > 0, "a refused event must not reset the window"
    assert second.hit("10.0.0.2") == 0, "another address has a window of its own"


def test_the_redis_limiter_lets_events_through_again_after_the_window(
    redis_service: RedisService,
) -> None:
    limiter = RedisLimiter(redis_service.url, f"{redis_service.prefix}:limit:short", 1, 0.2)
    assert limiter.hit("10.0.0.1") == 0
    assert limiter.hit("10.0.0.1") == 1  # at most a second, rounded up
    threading.Event().wait(0.3)
    assert limiter.hit("10.0.0.1") == 0


def test_asking_the_redis_limiter_how_long_to_wait_counts_nothing(
    redis_service: RedisService,
) -> None:
    key = f"{redis_service.prefix}:limit:peek"
    counter, asker = (RedisLimiter(redis_service.url, key, 2, 60) for _ in range(2))
    assert [asker.waiting("account") for _ in range(5)] == [0] * 5
    assert counter.hit("account") == 0
    assert asker.waiting("account") == 0
    assert counter.hit("account") == 0
    assert 0 < asker.waiting("account") <= 60
    assert asker.waiting("other") == 0


def test_pairing_registrations_are_limited_across_two_web_processes(
    redis_service: RedisService, tmp_path: Path, migrated_template: Path
) -> None:
    """Two apps (as two web processes) on one Redis: the address's registrations
    through the first count at the second."""
    settings = make_settings(
        tmp_path, DATABASES.create(tmp_path, migrated_template)
    ).with_overrides(redis_url=redis_service.url, redis_prefix=redis_service.prefix, run_jobs=False)
    apps = [create_app(settings), create_app(settings)]
    first, second = (app.test_client() for app in apps)
    address = {"REMOTE_ADDR": "192.0.2.7"}
    try:
        taken = [
            first.post("/player/api/register", environ_base=address).status_code
            for _ in range(REGISTRATIONS_PER_WINDOW)
        ]
        refused = second.post("/player/api/register", environ_base=address)
        other = second.post("/player/api/register", environ_base={"REMOTE_ADDR": "192.0.2.8"})
    finally:
        for app in apps:
            app.extensions["signage.db"].dispose()

    assert taken == [201] * REGISTRATIONS_PER_WINDOW
    assert refused.status_code == 429
    assert refused.get_json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["Retry-After"]) > 0
    assert other.status_code == 201


@pytest.fixture
def signalled(
    redis_service: RedisService, tmp_path: Path, migrated_template: Path
) -> tuple[Database, Wakeups]:
    """A database whose commits signal through Redis, and the propagator's listener."""
    settings = make_settings(
        tmp_path, DATABASES.create(tmp_path, migrated_template)
    ).with_overrides(redis_url=redis_service.url, redis_prefix=redis_service.prefix)
    database = Database(settings.database_url, on_change=change_signal(settings))
    wakeups = Wakeups(redis_service.url, changes_channel(redis_service.prefix))
    wakeups.subscribe()
    wakeups.wait(0.2)  # the subscription is confirmed
    return database, wakeups


def test_a_commit_that_grows_the_change_log_wakes_the_propagator(
    signalled: tuple[Database, Wakeups],
) -> None:
    database, wakeups = signalled
    with database.transaction() as session:
        session.add(Location(slug="nord", name="Nord", timezone="Europe/Copenhagen"))
    assert wakeups.wait(WOKEN_WITHIN_S)
    with database.sessions() as session:
        assert session.scalar(select(Change.kind).order_by(Change.id.desc())) == "location"
    wakeups.close()
    database.dispose()


def test_commits_that_change_nothing_shown_and_rollbacks_wake_nobody(
    signalled: tuple[Database, Wakeups],
) -> None:
    database, wakeups = signalled
    with database.transaction() as session:
        session.add(JobRun(name="test", last_run_at=utcnow()))
    session = database.sessions()
    session.add(Location(slug="syd", name="Syd", timezone="Europe/Copenhagen"))
    session.flush()  # the change row is written, then thrown away
    session.rollback()
    session.commit()
    session.close()
    assert not wakeups.wait(1.0)
    wakeups.close()
    database.dispose()
