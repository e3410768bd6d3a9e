"""A picture slide plays on a screen only once its rendition for that screen is ready,
and the kiosk's manifest names that rendition."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from signage.content.renditions import RenditionWorker
from signage.db import Database
from tests import media_files as files
from tests.factories import World

pytestmark = pytest.mark.slow
AT = "2026-11-26T12:00:00+01:00"


def upload(api: Any, data: bytes, filename: str, location_id: int) -> dict[str, Any]:
    response = api.upload(data, filename, location_id)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def picture_slide_on_the_library(as_user: Any, world: World, media_id: int, **fields: str) -> int:
    editor, manager = as_user("editor"), as_user("manager")
    library = world.locations["bibliotek"]
    slide = editor.post(
        "slides",
        {
            "location_id": library,
            "title": "Udstilling",
            "kind": "image",
            "media_id": media_id,
            "fields": fields,
        },
    ).get_json()
    editor.post(f"slides/{slide['id']}/submit")
    assert manager.post(f"slides/{slide['id']}/approve").status_code == 200
    playlist = manager.post(
        "playlists",
        {
            "slug": "udstilling",
            "name": "Udstilling",
            "location_id": library,
            "items": [{"slide_id": slide["id"], "duration": 10}],
        },
    ).get_json()
    scheduled = manager.post(
        "schedules", {"playlist_id": playlist["id"], "target": {"location_id": library}}
    )
    assert scheduled.status_code == 201, scheduled.get_json()
    return int(slide["id"])


def playing(as_user: Any, display_id: int) -> tuple[str, list[int]]:
    now = as_user("viewer").get(f"displays/{display_id}/now", query_string={"at": AT}).get_json()
    return now["tier"], [entry["slide"]["id"] for entry in now["loop"]]


def test_a_picture_plays_on_a_screen_once_its_rendition_for_that_screen_is_ready(
    as_user: Any, world: World, worker: RenditionWorker, database: Database
) -> None:
    media = upload(
        as_user("editor"), files.jpeg(2000, 1000), "udstilling.jpg", world.locations["bibliotek"]
    )
    slide = picture_slide_on_the_library(as_user, world, media["id"])
    foyer = world.displays["bibliotek"]  # 1920x1080

    assert playing(as_user, foyer) == ("brand", [])  # renditions still being made

    worker.run_once()
    assert playing(as_user, foyer) == ("normal", [slide])

    narrow = (
        as_user("manager")
        .post(
            "displays",
            {
                "name": "Smal",
                "location_id": world.locations["bibliotek"],
                "resolution": [1280, 720],
            },
        )
        .get_json()
    )
    assert playing(as_user, narrow["id"]) == ("brand", [])  # no 1280x720 picture yet

    with database.transaction() as session:
        worker.plan_for_new_screens(session)
    worker.run_once()
    assert playing(as_user, narrow["id"]) == ("normal", [slide])


def test_the_manifest_names_the_rendition_made_for_the_kiosk_screen(
    as_user: Any, world: World, worker: RenditionWorker, client: Any
) -> None:
    media = upload(
        as_user("editor"), files.jpeg(2000, 1000), "bred.jpg", world.locations["bibliotek"]
    )
    slide = picture_slide_on_the_library(as_user, world, media["id"], fit="fill")
    worker.run_once()
    display = world.displays["bibliotek"]
    token = as_user("manager").post(f"displays/{display}/token").get_json()["token"]

    manifest = client.get(
        "/player/api/manifest", headers={"Authorization": f"Bearer {token}"}
    ).get_json()

    assets = manifest["slides"][str(slide)]["assets"]
    rendition = next(
        r
        for r in as_user("editor").get(f"media/{media['id']}").get_json()["renditions"]
        if (r["name"], r["ext"]) == ("1920x1080-fill", "webp")
    )
    assert [a["url"] for a in assets] == [rendition["url"]]
    assert assets[0]["bytes"] == rendition["bytes"]
    served = client.get(assets[0]["url"], buffered=True)
    assert served.status_code == 200
    assert len(served.data) == assets[0]["bytes"]
    assert hashlib.sha256(served.data).hexdigest() == assets[0]["sha256"]
