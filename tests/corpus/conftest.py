"""One populated instance per corpus module: the seeded municipality on its own database
copy, with one object of every kind made for the corpus to aim at, and the admin's API.

Built once per module (the corpus sends thousands of requests; a fresh database per
request would take minutes)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.app import create_app
from signage.db import Database
from tests.conftest import Api, make_settings
from tests.corpus.checks import Fingerprint
from tests.databases import DATABASES
from tests.factories import World


@dataclass
class Populated:
    app: Flask
    database: Database
    world: World
    admin: Api
    fingerprint: Fingerprint
    # One object of every kind made for the corpus (by operation prefix: "slides", …)
    ids: dict[str, int] = field(default_factory=dict)
    device_token: str = ""

    def client(self) -> FlaskClient:
        return self.app.test_client()

    def api(self, user: str | None) -> Api:
        return Api(self.client(), self.world.tokens[user] if user else None)


def created(api: Api, path: str, payload: dict[str, Any]) -> int:
    response = api.post(path, json=payload)
    assert response.status_code == 201, (path, response.get_json())
    return int(response.get_json()["id"])


def populate(admin: Api, world: World) -> dict[str, int]:
    """An object of every kind, in the library, for the corpus to change and read."""
    bibliotek, kultur = world.locations["bibliotek"], world.locations["kultur"]
    ids: dict[str, int] = {}
    ids["locations"] = created(
        admin, "locations", {"slug": "korpus", "name": "Korpus", "parent_id": kultur}
    )
    ids["displays"] = created(admin, "displays", {"name": "Korpus", "location_id": bibliotek})
    ids["groups"] = created(
        admin,
        "groups",
        {"slug": "korpus", "name": "Korpus", "location_id": bibliotek, "display_ids": []},
    )
    ids["themes"] = created(
        admin, "themes", {"slug": "korpus", "name": "Korpus", "location_id": bibliotek}
    )
    ids["users"] = created(
        admin,
        "users",
        {"email": "korpus@example.dk", "name": "Korpus", "password": "a long enough secret"},
    )
    ids["grants"] = created(
        admin, "grants", {"user_id": ids["users"], "role": "viewer", "location_id": bibliotek}
    )
    ids["slides"] = created(
        admin,
        "slides",
        {"title": "Korpus", "location_id": bibliotek, "fields": {"heading": "Korpus"}},
    )
    ids["playlists"] = created(
        admin,
        "playlists",
        {
            "slug": "korpus",
            "name": "Korpus",
            "location_id": bibliotek,
            "items": [{"slide_id": ids["slides"], "duration": 10}],
        },
    )
    ids["schedules"] = created(
        admin,
        "schedules",
        {
            "playlist_id": ids["playlists"],
            "location_id": bibliotek,
            "target": {"display_id": ids["displays"]},
        },
    )
    ids["feeds"] = created(
        admin, "feeds", {"name": "Korpus", "location_id": bibliotek, "kind": "push"}
    )
    ids["alerts"] = created(
        admin,
        "alerts",
        {"title": "Korpus", "severity": "info", "targets": {"display_ids": [ids["displays"]]}},
    )
    assert admin.post(f"slides/{ids['slides']}/submit").status_code == 200
    return ids


@pytest.fixture(scope="module")
def populated(
    tmp_path_factory: pytest.TempPathFactory, seeded_template: tuple[Path, World]
) -> Iterator[Populated]:
    template, world = seeded_template
    instance = tmp_path_factory.mktemp("corpus") / "instance"
    DATABASES.create(instance, template)
    app = create_app(make_settings(instance))
    database: Database = app.extensions["signage.db"]
    admin = Api(app.test_client(), world.tokens["admin"])
    ids = populate(admin, world)
    token = admin.post(f"displays/{ids['displays']}/token").get_json()["token"]
    yield Populated(app, database, world, admin, Fingerprint(database), ids, token)
    database.dispose()
    DATABASES.drop(instance)
