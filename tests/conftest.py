"""Shared fixtures: a migrated database per test (SQLite, or PostgreSQL: see
tests/databases.py), the app on it, and a seeded municipality with one user (and API
token) per role."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from signage.app import create_app
from signage.config import Settings
from signage.content.renditions import RenditionWorker, new_pool
from signage.db import Database
from signage.migrate import upgrade
from signage.realtime import RecordingNotifier
from tests.databases import DATABASES
from tests.factories import World, build_world


def pytest_report_header() -> str:
    return f"database: {DATABASES.kind} (SIGNAGE_TEST_DATABASE)"


def pytest_configure(config: pytest.Config) -> None:
    DATABASES.check_reachable()


def pytest_sessionfinish(session: pytest.Session) -> None:
    problems = DATABASES.close()
    if problems:
        print("\ntest databases left behind:", *problems, sep="\n  ")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Migrate once per run through Alembic; each test gets a copy (the instance folder
    of the template database is returned)."""
    instance = tmp_path_factory.mktemp("template")
    database = Database(DATABASES.create(instance, keep=True))
    upgrade(database.engine)
    DATABASES.seal(database)
    database.dispose()
    yield instance
    DATABASES.drop(instance)


def make_settings(instance: Path, database_url: str | None = None) -> Settings:
    instance.mkdir(parents=True, exist_ok=True)
    return Settings(
        instance_dir=instance,
        database_url=database_url or DATABASES.url(instance),
        media_dir=instance / "media",
        secret_key="test-secret-key-not-for-production",
        testing=True,
    )


@pytest.fixture(scope="session")
def seeded_template(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
) -> Iterator[tuple[Path, World]]:
    """The migrated database with the seeded municipality (argon2 hashing is slow by
    design, so the users are made once per run)."""
    instance = tmp_path_factory.mktemp("seeded")
    database = Database(DATABASES.create(instance, migrated_template, keep=True))
    world = build_world(database)
    DATABASES.seal(database)
    database.dispose()
    yield instance, world
    DATABASES.drop(instance)


@pytest.fixture(autouse=True, scope="module")
def _drop_the_modules_databases() -> Iterator[None]:
    """Drop the databases the module's tests and fixtures made (on PostgreSQL; files go
    with their temporary folders)."""
    mark = DATABASES.mark()
    yield
    DATABASES.drop_made_since(mark)


@pytest.fixture
def settings(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path
) -> Iterator[Settings]:
    """An instance on its own copy of the database: seeded when the test asks for
    `world`, else empty but migrated."""
    instance = tmp_path / "instance"
    template = migrated_template
    if "world" in request.fixturenames:
        template = request.getfixturevalue("seeded_template")[0]
    DATABASES.create(instance, template)
    yield make_settings(instance)
    DATABASES.drop(instance)


@pytest.fixture
def app(settings: Settings) -> Iterator[Flask]:
    app = create_app(settings)
    yield app
    app.extensions["signage.db"].dispose()


@pytest.fixture
def database(app: Flask) -> Database:
    return app.extensions["signage.db"]  # type: ignore[no-any-return]


@pytest.fixture
def world(seeded_template: tuple[Path, World]) -> World:
    return seeded_template[1]


@dataclass
class Api:
    """Calls the JSON API as one user, with their bearer token."""

    client: FlaskClient
    token: str | None

    def call(self, method: str, path: str, json: Any = None, **kwargs: Any) -> Any:
        headers = kwargs.pop("headers", {})
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        url = path if path.startswith("/") else f"/api/v1/{path}"
        return self.client.open(url, method=method, json=json, headers=headers, **kwargs)

    def get(self, path: str, **kw: Any) -> Any:
        return self.call("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("POST", path, json=json, **kw)

    def patch(self, path: str, json: Any = None, **kw: Any) -> Any:
        return self.call("PATCH", path, json=json, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.call("DELETE", path, **kw)

    def upload(self, data: bytes, filename: str, location_id: int) -> Any:
        """POST /media as multipart, encoded in memory (the test client spools a big
        body to a temporary file that it never closes)."""
        file = FileStorage(
            io.BytesIO(data), filename=filename, content_type="application/octet-stream"
        )
        boundary, body = encode_multipart({"file": file, "location_id": str(location_id)})
        return self.post(
            "media", data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )


@pytest.fixture(scope="session")
def rendition_pool() -> Iterator[Pool]:
    """One pool of spawned rendition workers for the whole run (spawning is slow)."""
    pool = new_pool(1)
    yield pool
    pool.terminate()
    pool.join()


@pytest.fixture
def worker(database: Database, settings: Settings, rendition_pool: Pool) -> RenditionWorker:
    """The rendition worker, on this test's database and media folder."""
    return RenditionWorker(database, settings.media_dir, RecordingNotifier(), pool=rendition_pool)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def as_user(client: FlaskClient, world: World) -> Any:
    """`as_user("admin")` gives an Api acting with that seeded user's token."""

    def make(name: str | None) -> Api:
        return Api(client, world.tokens[name] if name else None)

    return make
