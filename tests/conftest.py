"""Shared fixtures: a migrated SQLite file per test, the app on it, and a seeded
municipality with one user (and API token) per role."""

from __future__ import annotations

import io
import shutil
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
from tests.factories import World, build_world


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrate once per run through Alembic; each test gets a copy of the file."""
    path = tmp_path_factory.mktemp("template") / "signage.db"
    database = Database(f"sqlite:///{path}")
    upgrade(database.engine)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path


def make_settings(instance: Path, database_url: str | None = None) -> Settings:
    instance.mkdir(parents=True, exist_ok=True)
    return Settings(
        instance_dir=instance,
        database_url=database_url or f"sqlite:///{instance / 'signage.db'}",
        media_dir=instance / "media",
        secret_key="test-secret-key-not-for-production",
        testing=True,
    )


@pytest.fixture(scope="session")
def seeded_template(
    tmp_path_factory: pytest.TempPathFactory, migrated_template: Path
) -> tuple[Path, World]:
    """The migrated database with the seeded municipality (argon2 hashing is slow by
    design, so the users are made once per run)."""
    path = tmp_path_factory.mktemp("seeded") / "signage.db"
    shutil.copyfile(migrated_template, path)
    database = Database(f"sqlite:///{path}")
    world = build_world(database)
    with database.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.dispose()
    return path, world


@pytest.fixture
def settings(request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path) -> Settings:
    """An instance on its own copy of the database: seeded when the test asks for
    `world`, else empty but migrated."""
    instance = tmp_path / "instance"
    instance.mkdir()
    template = migrated_template
    if "world" in request.fixturenames:
        template = request.getfixturevalue("seeded_template")[0]
    shutil.copyfile(template, instance / "signage.db")
    return make_settings(instance)


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
