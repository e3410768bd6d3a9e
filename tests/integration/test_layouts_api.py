"""Layouts through the API: the list of layouts, the layout of displays, groups and
locations (null inherits), regions of schedules, and manifests rebuilt for exactly the
displays a layout choice reaches."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from signage.core.layouts import LAYOUTS, REGIONS
from signage.db import Database
from signage.scheduling.models import Manifest
from signage.scheduling.propagator import Propagator
from tests.factories import World
from tests.integration.test_propagation import propagator, published  # noqa: F401


def manifest_layouts(database: Database) -> dict[int, str]:
    with database.sessions() as session:
        manifests = session.scalars(select(Manifest))
        return {m.display_id: json.loads(m.body)["layout"]["key"] for m in manifests}


def test_every_signed_in_caller_reads_every_layout_with_both_orientations(
    as_user: Any,
) -> None:
    response = as_user("viewer").get("layouts")

    assert response.status_code == 200
    items = response.get_json()["items"]
    assert [item["key"] for item in items] == list(LAYOUTS)
    ticker = next(item for item in items if item["key"] == "main-ticker")
    assert ticker["grid"] == 12
    assert ticker["regions"] == ["main", "ticker"]
    assert ticker["landscape"][1] == {"name": "ticker", "x": 0, "y": 11, "w": 12, "h": 1}
    side = next(item for item in items if item["key"] == "main-side")
    assert side["portrait"][1] == {"name": "side", "x": 0, "y": 9, "w": 12, "h": 3}


@pytest.mark.parametrize(
    ("collection", "payload"),
    [
        ("locations", {"slug": "filial", "name": "Filial"}),
        ("displays", {"name": "Skranke"}),
        ("groups", {"slug": "foyer", "name": "Foyer"}),
    ],
)
def test_a_layout_is_chosen_returned_and_cleared_to_inherit(
    as_user: Any, world: World, collection: str, payload: dict[str, Any]
) -> None:
    admin = as_user("admin")
    where = "parent_id" if collection == "locations" else "location_id"
    payload = {**payload, where: world.locations["bibliotek"], "layout": "main-ticker"}

    created = admin.post(collection, payload)
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    assert item["layout"] == "main-ticker"
    assert admin.get(f"{collection}/{item['id']}").get_json()["layout"] == "main-ticker"

    changed = admin.patch(f"{collection}/{item['id']}", {"layout": "main-side"})
    assert changed.get_json()["layout"] == "main-side"
    cleared = admin.patch(f"{collection}/{item['id']}", {"layout": None})
    assert cleared.status_code == 200
    assert cleared.get_json()["layout"] is None  # inherits again


@pytest.mark.parametrize("collection", ["locations", "displays", "groups"])
def test_an_unknown_layout_is_refused_naming_the_layouts_there_are(
    as_user: Any, world: World, collection: str
) -> None:
    item_id = (
        world.locations["bibliotek"] if collection == "locations" else world.displays["bibliotek"]
    )
    if collection == "groups":
        group = as_user("admin").post(
            "groups", {"slug": "g", "name": "G", "location_id": world.locations["bibliotek"]}
        )
        item_id = group.get_json()["id"]

    response = as_user("admin").patch(f"{collection}/{item_id}", {"layout": "split-screen"})

    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert message.startswith("layout: unknown layout 'split-screen'")
    assert all(key in message for key in LAYOUTS)


def test_a_schedule_into_an_unknown_region_is_refused_naming_the_regions(
    as_user: Any, world: World
) -> None:
    admin = as_user("admin")
    playlist = admin.post(
        "playlists",
        {"slug": "p", "name": "P", "location_id": world.locations["bibliotek"], "items": []},
    ).get_json()
    schedule = {
        "playlist_id": playlist["id"],
        "target": {"location_id": world.locations["bibliotek"]},
    }

    refused = admin.post("schedules", {**schedule, "region": "banner"})
    accepted = admin.post("schedules", {**schedule, "region": "ticker"})

    assert refused.status_code == 422
    message = refused.get_json()["error"]["message"]
    assert message == f"region: unknown region 'banner' (use one of {', '.join(REGIONS)})"
    assert accepted.status_code == 201
    assert accepted.get_json()["region"] == "ticker"
    patched = admin.patch(f"schedules/{accepted.get_json()['id']}", {"region": "sidebar"})
    assert patched.status_code == 422


def test_an_unknown_region_is_refused_when_asking_what_plays_now(
    as_user: Any, world: World
) -> None:
    response = as_user("viewer").get(
        f"displays/{world.displays['bibliotek']}/now", query_string={"region": "banner"}
    )
    assert response.status_code == 400
    assert "main, side, ticker" in response.get_json()["error"]["message"]


def test_now_and_the_timeline_name_the_layout_the_display_uses_inherited_or_its_own(
    as_user: Any, world: World
) -> None:
    admin, viewer = as_user("admin"), as_user("viewer")
    bibliotek = world.displays["bibliotek"]

    def used() -> tuple[str, str, list[str]]:
        now = viewer.get(f"displays/{bibliotek}/now").get_json()
        timeline = viewer.get(
            f"displays/{bibliotek}/timeline",
            query_string={"from": "2026-12-01T00:00:00Z", "to": "2026-12-01T06:00:00Z"},
        ).get_json()
        return (
            now["layout"],
            timeline["layout"],
            sorted({s["region"] for s in timeline["segments"]}),
        )

    assert used() == ("full", "full", ["main"])
    admin.patch(f"locations/{world.locations['kultur']}", {"layout": "main-ticker"})
    assert admin.get(f"displays/{bibliotek}").get_json()["layout"] is None  # its own: none
    assert used() == ("main-ticker", "main-ticker", ["main", "ticker"])
    admin.patch(f"displays/{bibliotek}", {"layout": "main-side"})
    assert used() == ("main-side", "main-side", ["main", "side"])


def test_a_layout_choice_rebuilds_the_manifests_of_the_displays_it_reaches(
    as_user: Any,
    world: World,
    database: Database,
    propagator: Propagator,  # noqa: F811
    published: list[tuple[int, str]],  # noqa: F811
) -> None:
    admin = as_user("admin")
    bibliotek, plejehjem = world.displays["bibliotek"], world.displays["plejehjem"]
    propagator.run_once()
    assert manifest_layouts(database) == {bibliotek: "full", plejehjem: "full"}

    # A location's choice reaches its subtree and no further.
    published.clear()
    admin.patch(f"locations/{world.locations['kultur']}", {"layout": "main-ticker"})
    propagator.run_once()
    assert [d for d, _ in published] == [bibliotek]
    assert manifest_layouts(database) == {bibliotek: "main-ticker", plejehjem: "full"}

    # A group's choice reaches its members, before their location's.
    group = admin.post(
        "groups",
        {
            "slug": "indgange",
            "name": "Indgange",
            "location_id": world.locations["kommune"],
            "display_ids": [bibliotek, plejehjem],
            "layout": "main-side",
        },
    )
    assert group.status_code == 201
    propagator.run_once()
    assert manifest_layouts(database) == {bibliotek: "main-side", plejehjem: "main-side"}

    # The display's own choice comes first; clearing it inherits again.
    admin.patch(f"displays/{plejehjem}", {"layout": "main-side-ticker"})
    propagator.run_once()
    assert manifest_layouts(database)[plejehjem] == "main-side-ticker"
    admin.patch(f"displays/{plejehjem}", {"layout": None})
    admin.patch(f"groups/{group.get_json()['id']}", {"layout": None})
    propagator.run_once()
    assert manifest_layouts(database) == {bibliotek: "main-ticker", plejehjem: "full"}


def test_the_openapi_document_names_the_layouts_and_regions_a_client_may_send(
    client: Any,
) -> None:
    document = client.get("/api/openapi.json").get_json()
    schemas = document["components"]["schemas"]

    for name in ("LocationIn", "LocationPatch", "DisplayIn", "DisplayPatch", "GroupPatch"):
        choice = schemas[name]["properties"]["layout"]["anyOf"]
        assert {"type": "string", "enum": list(LAYOUTS)} in choice, name
    assert schemas["ScheduleIn"]["properties"]["region"]["enum"] == list(REGIONS)
    assert schemas["Display"]["properties"]["layout"]["anyOf"][0]["enum"] == list(LAYOUTS)
    assert "get" in document["paths"]["/api/v1/layouts"]
