"""Create, read, update, delete and paginate every collection of the JSON API,
with refusals for callers outside the location scope or below the needed role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.factories import World

REVISION_FIELDS = {"kind", "fields", "variants", "duration"}
# For each collection: who may write it, a valid body (built from the world), and a change.
Body = Callable[[World], dict[str, Any]]


def location_body(w: World) -> dict[str, Any]:
    return {"slug": "filial", "name": "Filial", "parent_id": w.locations["bibliotek"]}


def display_body(w: World) -> dict[str, Any]:
    return {
        "name": "Udlån",
        "location_id": w.locations["bibliotek"],
        "orientation": "portrait",
        "resolution": [1080, 1920],
        "languages": ["da", "uk"],
        "tags": ["udlaan"],
        "power": [{"window": ["07:00", "20:00"], "rrule": "FREQ=WEEKLY;BYDAY=MO,TU"}],
    }


def group_body(w: World) -> dict[str, Any]:
    return {
        "slug": "bib-skaerme",
        "name": "Bibliotekets skærme",
        "location_id": w.locations["bibliotek"],
        "display_ids": [w.displays["bibliotek"]],
    }


def theme_body(w: World) -> dict[str, Any]:
    return {
        "slug": "trivsel-2027",
        "name": "Trivsel",
        "location_id": w.locations["kommune"],
        "year": 2027,
        "color": "#00aa88",
    }


def user_body(w: World) -> dict[str, Any]:
    return {"email": "ny@example.dk", "name": "Ny Kollega", "password": "lang nok adgangskode"}


def grant_body(w: World) -> dict[str, Any]:
    return {"user_id": w.users["editor"], "role": "viewer", "location_id": w.locations["social"]}


def playlist_body(w: World) -> dict[str, Any]:
    return {
        "slug": "bib-uge",
        "name": "Ugens arrangementer",
        "location_id": w.locations["bibliotek"],
        "items": [],
    }


def slide_body(w: World) -> dict[str, Any]:
    return {
        "title": "Lektiecafé",
        "location_id": w.locations["bibliotek"],
        "kind": "text",
        "fields": {"heading": "Lektiecafé", "body": "Tirsdag 15–17"},
        "variants": {"uk": {"heading": "Допомога з домашніми завданнями"}},
        "duration": 12,
    }


def schedule_body(w: World, playlist_id: int) -> dict[str, Any]:
    return {
        "playlist_id": playlist_id,
        "target": {"location_id": w.locations["bibliotek"]},
        "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        "window": ["09:00", "17:00"],
        "tier": "normal",
        "weight": 2,
    }


CASES: list[tuple[str, str, Body, dict[str, Any]]] = [
    ("locations", "admin", location_body, {"name": "Filialen"}),
    ("displays", "manager", display_body, {"name": "Udlånet", "rotation": 90}),
    ("groups", "manager", group_body, {"name": "Skærme på biblioteket"}),
    ("themes", "communicator", theme_body, {"name": "Trivsel og sundhed"}),
    ("users", "admin", user_body, {"name": "Ny Kollega Hansen"}),
    ("grants", "admin", grant_body, {"role": "editor"}),
    ("playlists", "manager", playlist_body, {"name": "Ugens program"}),
    ("slides", "editor", slide_body, {"title": "Lektiecafé i biblioteket"}),
]


@pytest.mark.parametrize(("name", "writer", "body", "change"), CASES, ids=[c[0] for c in CASES])
def test_a_collection_supports_create_read_update_and_delete(
    as_user: Any, world: World, name: str, writer: str, body: Body, change: dict[str, Any]
) -> None:
    api = as_user(writer)
    created = api.post(name, body(world))
    assert created.status_code == 201, created.get_json()
    item = created.get_json()
    for key, value in body(world).items():
        if key in REVISION_FIELDS and name == "slides":
            assert item["latest"][key] == value, key
        elif key not in {"password", "display_ids", "items"}:
            assert item[key] == value, key
    fetched = api.get(f"{name}/{item['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == item

    updated = api.patch(f"{name}/{item['id']}", change)
    assert updated.status_code == 200, updated.get_json()
    for key, value in change.items():
        assert updated.get_json()[key] == value
    assert api.get(f"{name}/{item['id']}").get_json()[next(iter(change))] == next(
        iter(change.values())
    )

    listed = [row["id"] for row in api.get(name, query_string={"limit": 500}).get_json()["items"]]
    assert item["id"] in listed

    assert api.delete(f"{name}/{item['id']}").status_code == 204
    gone = api.get(f"{name}/{item['id']}")
    assert gone.status_code == 404
    assert gone.get_json()["error"]["code"] == "not_found"


def test_schedules_support_create_read_update_and_delete(as_user: Any, world: World) -> None:
    api = as_user("manager")
    playlist = api.post("playlists", playlist_body(world)).get_json()
    created = api.post("schedules", schedule_body(world, playlist["id"]))
    assert created.status_code == 201, created.get_json()
    schedule = created.get_json()
    assert schedule["target"] == {"location_id": world.locations["bibliotek"]}
    assert schedule["window"] == ["09:00", "17:00"]
    assert schedule["location_id"] == world.locations["bibliotek"]
    changed = api.patch(f"schedules/{schedule['id']}", {"weight": 5, "window": ["22:00", "06:00"]})
    assert changed.status_code == 200
    assert changed.get_json()["weight"] == 5
    assert changed.get_json()["window"] == ["22:00", "06:00"]
    assert api.delete(f"schedules/{schedule['id']}").status_code == 204
    assert api.get(f"schedules/{schedule['id']}").status_code == 404


def test_lists_are_paginated_with_an_opaque_cursor(as_user: Any, world: World) -> None:
    api = as_user("manager")
    for number in range(7):
        assert (
            api.post(
                "displays", {"name": f"Skærm {number}", "location_id": world.locations["bibliotek"]}
            ).status_code
            == 201
        )
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        query = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        body = api.get("displays", query_string=query).get_json()
        assert len(body["items"]) <= 3
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == sorted(set(seen))
    assert len(seen) == 8  # the seeded Indgang plus seven


def test_lists_filter_by_location(as_user: Any, world: World) -> None:
    body = (
        as_user("admin")
        .get("displays", query_string={"location_id": world.locations["plejehjem"]})
        .get_json()
    )
    assert [d["name"] for d in body["items"]] == ["Personalestue"]


def test_a_manager_sees_only_displays_in_their_subtree(as_user: Any, world: World) -> None:
    names = [d["name"] for d in as_user("manager").get("displays").get_json()["items"]]
    assert names == ["Indgang"]
    hidden = as_user("manager").get(f"displays/{world.displays['plejehjem']}")
    assert hidden.status_code == 404


def test_local_staff_read_central_locations_above_them(as_user: Any, world: World) -> None:
    slugs = {loc["slug"] for loc in as_user("editor").get("locations").get_json()["items"]}
    assert slugs == {"kommune", "kultur", "bibliotek"}


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("displays", display_body),
        ("groups", group_body),
        ("playlists", playlist_body),
        ("slides", slide_body),
    ],
)
def test_writing_outside_ones_location_scope_is_refused(
    as_user: Any, world: World, name: str, body: Body
) -> None:
    payload = body(world)
    payload["location_id"] = world.locations["plejehjem"]
    payload.pop("display_ids", None)
    api = as_user("manager")
    refused = api.post(name, payload)
    assert refused.status_code == 403
    assert refused.get_json()["error"]["code"] == "forbidden"
    listed = as_user("admin").get(name, query_string={"location_id": world.locations["plejehjem"]})
    assert all(item.get("name") != payload.get("name") for item in listed.get_json()["items"])


def test_moving_an_entity_out_of_ones_scope_is_refused(as_user: Any, world: World) -> None:
    moved = as_user("manager").patch(
        f"displays/{world.displays['bibliotek']}", {"location_id": world.locations["plejehjem"]}
    )
    assert moved.status_code == 403
    display = as_user("admin").get(f"displays/{world.displays['bibliotek']}").get_json()
    assert display["location_id"] == world.locations["bibliotek"]


def test_a_group_may_not_reach_displays_outside_ones_scope(as_user: Any, world: World) -> None:
    body = group_body(world)
    body["display_ids"] = [world.displays["bibliotek"], world.displays["plejehjem"]]
    assert as_user("manager").post("groups", body).status_code == 403


@pytest.mark.parametrize(("name", "writer", "body", "change"), CASES, ids=[c[0] for c in CASES])
def test_a_role_below_the_needed_one_is_refused(
    as_user: Any, world: World, name: str, writer: str, body: Body, change: dict[str, Any]
) -> None:
    refused = as_user("viewer").post(name, body(world))
    assert refused.status_code == 403
    assert "role" in refused.get_json()["error"]["message"]


def test_an_editor_may_not_create_displays(as_user: Any, world: World) -> None:
    assert as_user("editor").post("displays", display_body(world)).status_code == 403


def test_anonymous_callers_are_asked_to_authenticate(as_user: Any) -> None:
    response = as_user(None).get("locations")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_provisioning_a_display_returns_its_token_once(
    as_user: Any, world: World, database: Any
) -> None:
    from signage.accounts.security import hash_token
    from signage.screens.models import Display

    body = {**display_body(world), "provision": True}
    created = as_user("manager").post("displays", body).get_json()
    assert len(created["token"]) >= 43
    assert created["paired"] is True
    assert "token" not in as_user("manager").get(f"displays/{created['id']}").get_json()
    with database.sessions() as session:
        stored = session.get(Display, created["id"])
        assert stored.token_hash == hash_token(created["token"])
    rotated = as_user("manager").post(f"displays/{created['id']}/token").get_json()
    assert rotated["token"] != created["token"]


def test_display_names_are_unique_within_a_location(as_user: Any, world: World) -> None:
    body = {"name": "Indgang", "location_id": world.locations["bibliotek"]}
    clash = as_user("manager").post("displays", body)
    assert clash.status_code == 409
    body["location_id"] = world.locations["kultur"]
    assert as_user("admin").post("displays", body).status_code == 201


def test_a_location_with_children_cannot_be_deleted(as_user: Any, world: World) -> None:
    refused = as_user("admin").delete(f"locations/{world.locations['kultur']}")
    assert refused.status_code == 409
    assert as_user("admin").get(f"locations/{world.locations['kultur']}").status_code == 200


def test_a_location_cannot_be_moved_below_itself(as_user: Any, world: World) -> None:
    refused = as_user("admin").patch(
        f"locations/{world.locations['kultur']}", {"parent_id": world.locations["bibliotek"]}
    )
    assert refused.status_code == 422


def test_a_slide_cannot_carry_a_theme_its_author_may_not_see(as_user: Any, world: World) -> None:
    communicator = as_user("communicator")
    theme = communicator.post(
        "themes",
        json={"slug": "plejehjem-tema", "name": "Plejehjemmets tema", "year": 2026,
              "location_id": world.locations["plejehjem"]},
    )  # fmt: skip
    assert theme.status_code == 201, theme.get_json()
    slide = {"title": "Åbningstider", "location_id": world.locations["bibliotek"],
             "kind": "text", "fields": {"heading": "Åbent"}}  # fmt: skip
    editor = as_user("editor")
    refused = editor.post("slides", json={**slide, "theme_id": theme.get_json()["id"]})
    assert refused.status_code == 404
    assert editor.post("slides", json=slide).status_code == 201
