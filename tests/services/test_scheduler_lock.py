"""One scheduler runs the jobs: a second, started by mistake, stands by and takes over
when the first dies. Real `signage scheduler` processes on the real PostgreSQL."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from signage.db import Database
from signage.scheduling.lock import FileLock, PostgresLock, SchedulerLock
from signage.scheduling.models import JobRun, Manifest
from signage.screens.models import Display, Location
from tests.processes import REPO, SIGNAGE, environment

pytestmark = [pytest.mark.services, pytest.mark.slow]
WITHIN_S = 30  # a cold interpreter on a busy two-core machine


@pytest.fixture(params=["postgres", "sqlite"])
def two_locks(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[list[SchedulerLock]]:
    if request.param == "postgres":
        url = request.getfixturevalue("postgres_url")
        locks: list[SchedulerLock] = [PostgresLock(url), PostgresLock(url)]
    else:
        locks = [FileLock(tmp_path / "signage.db.scheduler") for _ in range(2)]
    yield locks
    for lock in locks:
        lock.release()


def test_the_scheduler_lock_has_one_holder_until_it_lets_go(two_locks: list[SchedulerLock]) -> None:
    first, second = two_locks
    assert first.acquire()
    assert first.is_held()
    assert not second.acquire()
    assert not second.is_held()
    first.release()
    assert second.acquire()
    assert not first.acquire()


def wait_until(condition: Callable[[], bool], what: str, within_s: float = WITHIN_S) -> None:
    deadline = time.monotonic() + within_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {within_s} s: {what}")
        time.sleep(0.2)


def test_a_second_scheduler_stands_by_and_takes_over_when_the_first_is_killed(
    postgres_url: str, tmp_path: Path
) -> None:
    env = {**environment(tmp_path / "instance"), "SIGNAGE_DATABASE_URL": postgres_url}
    for command in (["db", "upgrade"], ["import", str(REPO)]):
        done = subprocess.run([SIGNAGE, *command], env=env, capture_output=True, check=False)
        assert done.returncode == 0, done.stderr
    database = Database(postgres_url)
    logs = [tmp_path / "first.log", tmp_path / "second.log"]
    processes: list[subprocess.Popen[bytes]] = []

    def log(index: int) -> str:
        return logs[index].read_text()

    def start(index: int) -> None:
        with logs[index].open("w") as out:
            processes.append(
                subprocess.Popen([SIGNAGE, "scheduler"], env=env, stdout=out, stderr=out)
            )

    def manifests() -> int:
        with database.sessions() as session:
            return session.scalar(select(func.count()).select_from(Manifest)) or 0

    try:
        start(0)
        wait_until(lambda: "holding the scheduler lock" in log(0), "the first holds the lock")
        wait_until(lambda: manifests() == 6, "the first builds the manifests")
        start(1)
        wait_until(lambda: "standing by" in log(1), "the second stands by")
        time.sleep(3)  # a few job intervals: the second still only waits
        assert "took over" not in log(1)
        assert "running the jobs" not in log(1)

        processes[0].kill()
        processes[0].wait(10)
        wait_until(lambda: "took over the scheduler lock" in log(1), "the second takes over")
        with database.sessions() as session:
            before = session.scalar(select(JobRun.last_run_at).where(JobRun.name == "propagate"))
        with database.transaction() as session:
            place = session.scalar(select(Location).where(Location.slug == "raadhuset"))
            assert place is not None
            session.add(Display(name="Ny skærm", location_id=place.id))
        wait_until(lambda: manifests() == 7, "the second builds the new display's manifest")
        with database.sessions() as session:
            after = session.scalar(select(JobRun.last_run_at).where(JobRun.name == "propagate"))
        assert before is not None
        assert after is not None
        assert after > before
    finally:
        for process in processes:
            process.kill()
            process.wait(10)
        database.dispose()


def test_a_scheduler_that_loses_its_lock_stops_rather_than_run_the_jobs_unguarded(
    postgres_url: str, tmp_path: Path
) -> None:
    """Its lock's connection is cut (a database restart, a network failure): a standby
    may take the lock now, so the holder stops and exits with an error."""
    env = {**environment(tmp_path / "instance"), "SIGNAGE_DATABASE_URL": postgres_url}
    upgraded = subprocess.run([SIGNAGE, "db", "upgrade"], env=env, capture_output=True, check=False)
    assert upgraded.returncode == 0, upgraded.stderr
    log = tmp_path / "scheduler.log"
    with log.open("w") as out:
        process = subprocess.Popen([SIGNAGE, "scheduler"], env=env, stdout=out, stderr=out)
    database = Database(postgres_url)
    try:
        wait_until(lambda: "holding the scheduler lock" in log.read_text(), "it holds the lock")
        with database.engine.connect() as connection:
            cut = connection.scalar(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_locks"
                    " WHERE locktype = 'advisory' AND granted"
                    " AND database = (SELECT oid FROM pg_database"
                    " WHERE datname = current_database())"
                )
            )
        assert cut == 1
        assert process.wait(WITHIN_S) == 1, log.read_text()
        assert "lost the scheduler lock" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
        database.dispose()
