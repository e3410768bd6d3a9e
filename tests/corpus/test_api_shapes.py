"""Bad input of every shape on every path of the JSON API (bodies that are not objects,
wrong types, bad ids, pages and filters, sizes, tokens): a 4xx with the uniform error body, never a
500 or a stack trace, and nothing stored or half-written; the server keeps serving."""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask.testing import FlaskClient

from signage.api.collections import COLLECTIONS
from signage.api.http import encode_cursor
from signage.app import MAX_REQUEST_BYTES
from signage.db import Database
from signage.schemas import MAX_ID
from tests.conftest import Api
from tests.corpus.checks import assert_error, row_counts
from tests.corpus.conftest import Populated
from tests.factories import World

NAMES = sorted(COLLECTIONS)
UNKNOWN = 999999
BEYOND = MAX_ID + 1


SERIAL = itertools.count(1)  # names made unique: the module shares one database


# -- one populated instance for the module (tests/corpus/conftest.py) ----------------------
@pytest.fixture
def world(populated: Populated) -> World:
    return populated.world


@pytest.fixture
def database(populated: Populated) -> Database:
    return populated.database


@pytest.fixture
def client(populated: Populated) -> FlaskClient:
    return populated.client()


@pytest.fixture
def as_user(populated: Populated) -> Callable[[str | None], Api]:
    return populated.api


@pytest.fixture
def admin(populated: Populated) -> Api:
    return populated.admin


@pytest.fixture
def refused(database: Database, admin: Api) -> Callable[[], Any]:
    """`with refused(): ...` asserts that nothing was written and the server still answers."""

    @contextmanager
    def check() -> Iterator[None]:
        before = row_counts(database)
        yield
        follow_up = admin.get("locations")
        assert follow_up.status_code == 200
        assert follow_up.get_json()["items"]
        assert row_counts(database) == before

    return check


def valid_payload(name: str, world: World, admin: Api) -> dict[str, Any]:
    """A body that creates one `name` as the admin (creating what it refers to first)."""
    bibliotek, n = world.locations["bibliotek"], next(SERIAL)
    if name == "locations":
        return {"slug": f"filial-{n}", "name": "Filial", "parent_id": world.locations["kultur"]}
    if name == "displays":
        return {"name": f"Skranke {n}", "location_id": bibliotek}
    if name == "groups":
        return {
            "slug": f"foyer-{n}",
            "name": "Foyer",
            "location_id": bibliotek,
            "display_ids": [world.displays["bibliotek"]],
        }
    if name == "themes":
        return {
            "slug": f"jul-{n}",
            "name": "Jul",
            "location_id": world.locations["kommune"],
            "year": 2030,
            "color": "#aa0000",
        }
    if name == "users":
        return {"email": f"ny{n}@example.dk", "name": "Ny", "password": "a long enough secret"}
    if name == "grants":  # a place of its own: one grant per user and place
        place = admin.post("locations", json=valid_payload("locations", world, admin))
        assert place.status_code == 201, place.get_json()
        return {
            "user_id": world.users["viewer"],
            "role": "editor",
            "location_id": place.get_json()["id"],
        }
    if name == "slides":
        return {"title": "Velkommen", "location_id": bibliotek, "fields": {"heading": "Hej"}}
    if name == "playlists":
        slide = admin.post("slides", json=valid_payload("slides", world, admin))
        assert slide.status_code == 201, slide.get_json()
        return {
            "slug": f"morgen-{n}",
            "name": "Morgen",
            "location_id": bibliotek,
            "items": [{"slide_id": slide.get_json()["id"], "duration": 10}],
        }
    if name == "schedules":
        playlist = admin.post("playlists", json=valid_payload("playlists", world, admin))
        assert playlist.status_code == 201, playlist.get_json()
        return {
            "playlist_id": playlist.get_json()["id"],
            "location_id": bibliotek,
            "target": {"display_id": world.displays["bibliotek"]},
        }
    if name == "feeds":
        return {"name": f"Intranettet {n}", "location_id": bibliotek, "kind": "push"}
    raise AssertionError(f"no valid payload for {name}")


def existing_id(name: str, world: World, admin: Api) -> int:
    response = admin.post(name, json=valid_payload(name, world, admin))
    assert response.status_code == 201, response.get_json()
    return int(response.get_json()["id"])


def wrong_type(value: Any) -> Any:
    """A value of another JSON type than `value`, which no field accepts in its place."""
    if isinstance(value, bool | int):
        return "not a number"
    if isinstance(value, str):
        return ["a", "list"]
    if isinstance(value, list):
        return {"an": "object"}
    return [1, 2]


# -- the body is not a JSON object ------------------------------------------------------
NOT_OBJECTS = {
    "malformed": '{"name": "Filial",',
    "truncated": "{",
    "trailing garbage": '{"name": "x"} x',
    "array": '[{"name": "x"}]',
    "string": '"name"',
    "number": "42",
    "null": "null",
    "empty": "",
    "invalid utf-8": b'{"name": "\xff\xfe"}',
    "very deeply nested": "[" * 100_000 + "]" * 100_000,
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("body", NOT_OBJECTS.values(), ids=NOT_OBJECTS.keys())
def test_a_create_whose_body_is_not_a_json_object_is_a_400(
    name: str, body: str | bytes, admin: Api, refused: Any
) -> None:
    with refused():
        response = admin.post(name, data=body, content_type="application/json")
        assert_error(response, 400)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("body", NOT_OBJECTS.values(), ids=NOT_OBJECTS.keys())
def test_a_change_whose_body_is_not_a_json_object_is_a_400(
    name: str, body: str | bytes, admin: Api, world: World, database: Database
) -> None:
    item_id = existing_id(name, world, admin)
    before = row_counts(database)
    response = admin.patch(f"{name}/{item_id}", data=body, content_type="application/json")
    assert_error(response, 400)
    assert row_counts(database) == before
    assert admin.get(f"{name}/{item_id}").status_code == 200


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    "content_type", [None, "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
def test_a_json_body_without_the_json_content_type_is_a_400_that_says_which_to_send(
    name: str, content_type: str | None, admin: Api, world: World, refused: Any
) -> None:
    payload = json.dumps(valid_payload(name, world, admin))
    with refused():
        kwargs = {"content_type": content_type} if content_type else {}
        response = admin.post(name, data=payload, **kwargs)
        error = assert_error(response, 400)
        assert "application/json" in error["message"]


# -- the fields are wrong ---------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_field_of_the_wrong_type_is_a_422_naming_the_field(
    name: str, admin: Api, world: World, refused: Any
) -> None:
    payload = valid_payload(name, world, admin)
    with refused():
        for field, value in payload.items():
            response = admin.post(name, json={**payload, field: wrong_type(value)})
            error = assert_error(response, 422)
            assert field in error["message"]


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_field_is_a_422_naming_it_rather_than_silently_dropped(
    name: str, admin: Api, world: World, refused: Any
) -> None:
    payload = valid_payload(name, world, admin)
    with refused():
        error = assert_error(admin.post(name, json={**payload, "colour_scheme": "red"}), 422)
        assert "colour_scheme" in error["message"]


@pytest.mark.parametrize("name", NAMES)
def test_an_unknown_field_in_a_change_is_a_422_and_changes_nothing(
    name: str, admin: Api, world: World, database: Database
) -> None:
    item_id = existing_id(name, world, admin)
    before_body = admin.get(f"{name}/{item_id}").get_json()
    before = row_counts(database)
    error = assert_error(admin.patch(f"{name}/{item_id}", json={"colour_scheme": "red"}), 422)
    assert "colour_scheme" in error["message"]
    assert row_counts(database) == before
    assert admin.get(f"{name}/{item_id}").get_json() == before_body


@pytest.mark.parametrize("name", NAMES)
def test_a_payload_missing_its_required_fields_is_a_422(
    name: str, admin: Api, refused: Any
) -> None:
    with refused():
        assert_error(admin.post(name, json={}), 422)


# Each reference a payload can hold, as (collection, how to point it at an unknown id).
UNKNOWN_REFERENCES: list[tuple[str, str, Callable[[dict[str, Any], int], None]]] = [
    ("locations", "parent_id", lambda p, v: p.update(parent_id=v)),
    ("displays", "location_id", lambda p, v: p.update(location_id=v)),
    ("groups", "location_id", lambda p, v: p.update(location_id=v)),
    ("groups", "display_ids", lambda p, v: p.update(display_ids=[v])),
    ("themes", "location_id", lambda p, v: p.update(location_id=v)),
    ("grants", "user_id", lambda p, v: p.update(user_id=v)),
    ("grants", "location_id", lambda p, v: p.update(location_id=v)),
    ("slides", "location_id", lambda p, v: p.update(location_id=v)),
    ("slides", "theme_id", lambda p, v: p.update(theme_id=v)),
    ("slides", "media_id", lambda p, v: p.update(media_id=v)),
    ("playlists", "location_id", lambda p, v: p.update(location_id=v)),
    ("playlists", "items.slide_id", lambda p, v: p.update(items=[{"slide_id": v}])),
    ("schedules", "playlist_id", lambda p, v: p.update(playlist_id=v)),
    ("schedules", "location_id", lambda p, v: p.update(location_id=v)),
    ("schedules", "target.display_id", lambda p, v: p.update(target={"display_id": v})),
    ("schedules", "target.location_id", lambda p, v: p.update(target={"location_id": v})),
    ("schedules", "target.group_id", lambda p, v: p.update(target={"group_id": v})),
]


@pytest.mark.parametrize(
    ("name", "change"),
    [(n, c) for n, _, c in UNKNOWN_REFERENCES],
    ids=[f"{n}-{f}" for n, f, _ in UNKNOWN_REFERENCES],
)
def test_a_reference_to_an_unknown_id_is_a_404_or_422_naming_the_id(
    name: str, change: Callable[[dict[str, Any], int], None], admin: Api, world: World, refused: Any
) -> None:
    payload = valid_payload(name, world, admin)
    change(payload, UNKNOWN)
    with refused():
        error = assert_error(admin.post(name, json=payload), 404, 422)
        assert str(UNKNOWN) in error["message"]


@pytest.mark.parametrize(
    ("name", "change"),
    [(n, c) for n, _, c in UNKNOWN_REFERENCES],
    ids=[f"{n}-{f}" for n, f, _ in UNKNOWN_REFERENCES],
)
def test_a_reference_beyond_the_largest_id_is_a_422(
    name: str, change: Callable[[dict[str, Any], int], None], admin: Api, world: World, refused: Any
) -> None:
    """Past what an id column holds (PostgreSQL's INTEGER), where a lookup would fail."""
    payload = valid_payload(name, world, admin)
    change(payload, BEYOND)
    with refused():
        assert_error(admin.post(name, json=payload), 422)


@pytest.mark.parametrize("name", NAMES)
def test_a_path_id_beyond_the_largest_is_a_404(name: str, admin: Api, refused: Any) -> None:
    with refused():
        assert_error(admin.get(f"{name}/{BEYOND}"), 404)
        assert_error(admin.patch(f"{name}/{BEYOND}", json={}), 404)
        assert_error(admin.get(f"{name}?cursor={encode_cursor(BEYOND)}"), 400)


MOVABLE = [n for n in NAMES if "location_id" in COLLECTIONS[n].patch.model_fields]


@pytest.mark.parametrize("name", MOVABLE)
def test_moving_an_item_to_an_unknown_location_is_refused_and_leaves_it_in_place(
    name: str, admin: Api, world: World
) -> None:
    item_id = existing_id(name, world, admin)
    before = admin.get(f"{name}/{item_id}").get_json()
    error = assert_error(admin.patch(f"{name}/{item_id}", json={"location_id": UNKNOWN}), 404, 422)
    assert str(UNKNOWN) in error["message"]
    assert admin.get(f"{name}/{item_id}").get_json() == before
    assert_error(admin.patch(f"{name}/{item_id}", json={"location_id": BEYOND}), 422)
    assert admin.get(f"{name}/{item_id}").get_json() == before


# -- sizes ------------------------------------------------------------------------------
TEXT_FIELDS = {
    "locations": "name",
    "displays": "name",
    "groups": "name",
    "themes": "name",
    "users": "name",
    "slides": "title",
    "playlists": "name",
}


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_a_name_of_ten_thousand_characters_is_a_422_naming_the_field(
    name: str, admin: Api, world: World, refused: Any
) -> None:
    field = TEXT_FIELDS[name]
    payload = {**valid_payload(name, world, admin), field: "å" * 10_000}
    with refused():
        error = assert_error(admin.post(name, json=payload), 422)
        assert field in error["message"]


@pytest.mark.parametrize("name", NAMES)
def test_a_body_larger_than_the_request_limit_is_a_413(name: str, admin: Api, refused: Any) -> None:
    body = json.dumps({"name": "x" * (MAX_REQUEST_BYTES + 1024)})
    with refused():
        error = assert_error(admin.post(name, data=body, content_type="application/json"), 413)
        assert "MB" in error["message"]


def test_a_body_larger_than_the_request_limit_is_a_413_on_a_change_too(
    admin: Api, world: World, refused: Any
) -> None:
    body = json.dumps({"name": "x" * (MAX_REQUEST_BYTES + 1024)})
    with refused():
        response = admin.patch(
            f"locations/{world.locations['kultur']}", data=body, content_type="application/json"
        )
        assert_error(response, 413)


# -- ids in paths -----------------------------------------------------------------------
BAD_IDS = ["0", "-1", "999999", "9007199254740993", "99999999999999999999", "1e3", "abc", "1.5"]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("item_id", BAD_IDS)
@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
def test_an_id_in_the_path_that_names_nothing_is_a_404(
    name: str, item_id: str, method: str, admin: Api, refused: Any
) -> None:
    with refused():
        body: dict[str, Any] | None = {} if method == "PATCH" else None
        error = assert_error(admin.call(method, f"{name}/{item_id}", json=body), 404)
        assert error["code"] == "not_found"


@pytest.mark.parametrize("action", ["submit", "approve", "reject"])
@pytest.mark.parametrize("item_id", ["0", "999999", "99999999999999999999"])
def test_moderating_a_slide_that_does_not_exist_is_a_404(
    action: str, item_id: str, admin: Api, refused: Any
) -> None:
    with refused():
        assert_error(admin.post(f"slides/{item_id}/{action}"), 404)


@pytest.mark.parametrize("item_id", ["0", "999999", "99999999999999999999"])
def test_a_token_for_a_display_that_does_not_exist_is_a_404(
    item_id: str, admin: Api, refused: Any
) -> None:
    with refused():
        assert_error(admin.post(f"displays/{item_id}/token"), 404)


def test_a_review_note_that_is_not_json_is_a_400_and_the_slide_stays_pending(
    admin: Api, as_user: Callable[[str], Api], world: World
) -> None:
    editor = as_user("editor")
    created = editor.post(
        "slides",
        json={
            "title": "Åbent",
            "location_id": world.locations["bibliotek"],
            "fields": {"heading": "Åbent"},
        },
    )
    slide_id = created.get_json()["id"]
    assert editor.post(f"slides/{slide_id}/submit").status_code == 200
    for body, content_type in (
        ("not json", "text/plain"),
        ("{oops", "application/json"),
        ('["note"]', "application/json"),
    ):
        response = admin.post(f"slides/{slide_id}/approve", data=body, content_type=content_type)
        assert_error(response, 400)
    note = assert_error(admin.post(f"slides/{slide_id}/reject", json={"note": "x" * 5000}), 422)
    assert "note" in note["message"]
    assert admin.get(f"slides/{slide_id}").get_json()["status"] == "pending"


# -- query strings ----------------------------------------------------------------------
BAD_QUERIES = [
    "limit=0",
    "limit=501",
    "limit=-1",
    "limit=abc",
    "limit=1.5",
    "limit=%C2%B2",
    "limit=" + "9" * 5000,
    "cursor=garbage",
    "cursor=%00",
    "cursor=aWQ6LTE",
    "cursor=aWQ6OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5",
]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("query", BAD_QUERIES)
def test_a_bad_page_parameter_is_a_400_naming_it(name: str, query: str, admin: Api) -> None:
    error = assert_error(admin.get(f"{name}?{query}"), 400)
    assert query.partition("=")[0] in error["message"]


def test_a_bad_page_parameter_on_the_audit_log_is_a_400(admin: Api) -> None:
    for query in BAD_QUERIES:
        assert_error(admin.get(f"audit?{query}"), 400)


FILTERS = [(name, column) for name in NAMES for column in COLLECTIONS[name].filters]


@pytest.mark.parametrize(("name", "column"), FILTERS, ids=[f"{n}-{c}" for n, c in FILTERS])
@pytest.mark.parametrize("value", ["x", "0", "-3", "1.5", "99999999999999999999", "%C2%B2"])
def test_a_filter_that_is_not_an_id_is_a_400_naming_it(
    name: str, column: str, value: str, admin: Api
) -> None:
    error = assert_error(admin.get(f"{name}?{column}={value}"), 400)
    assert column in error["message"]


@pytest.mark.parametrize("name", NAMES)
def test_the_limits_at_the_edges_are_accepted(name: str, admin: Api) -> None:
    for limit in (1, 500):
        response = admin.get(f"{name}?limit={limit}")
        assert response.status_code == 200
        assert len(response.get_json()["items"]) <= limit


# -- characters -------------------------------------------------------------------------
NUL_PAYLOADS: list[tuple[str, Callable[[dict[str, Any]], None]]] = [
    ("themes", lambda p: p.update(name="Jul\x00aften")),
    ("locations", lambda p: p.update(name="\x00")),
    ("users", lambda p: p.update(name="Ny\x00")),
    ("slides", lambda p: p.update(fields={"heading": "Hej\x00"})),
    ("slides", lambda p: p.update(fields={"head\x00ing": "Hej"})),
    ("displays", lambda p: p.update(tags=["ok", "ind\x00gang"])),
]


@pytest.mark.parametrize(("name", "change"), NUL_PAYLOADS, ids=[n for n, _ in NUL_PAYLOADS])
def test_a_nul_character_in_a_string_is_refused_with_a_422_naming_where(
    name: str, change: Callable[[dict[str, Any]], None], admin: Api, world: World, refused: Any
) -> None:
    payload = valid_payload(name, world, admin)
    change(payload)
    with refused():
        error = assert_error(admin.post(name, json=payload), 422)
        assert "NUL" in error["message"]


def test_a_nul_character_in_a_change_is_refused_and_the_name_stays(
    admin: Api, world: World
) -> None:
    kultur = world.locations["kultur"]
    assert_error(admin.patch(f"locations/{kultur}", json={"name": "Kul\x00tur"}), 422)
    assert admin.get(f"locations/{kultur}").get_json()["name"] == "Kultur"


EMOJI = "Jul 🎄 i Kommunen – ÆØÅ æøå 👩🏽‍💻 ✓"


@pytest.mark.parametrize("name", sorted(TEXT_FIELDS))
def test_emoji_and_danish_letters_are_stored_and_returned_intact(
    name: str, admin: Api, world: World
) -> None:
    field = TEXT_FIELDS[name]
    payload = {**valid_payload(name, world, admin), field: EMOJI}
    created = admin.post(name, json=payload)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()[field] == EMOJI
    item_id = created.get_json()["id"]
    assert admin.get(f"{name}/{item_id}").get_json()[field] == EMOJI
    listed = admin.get(f"{name}?limit=500").get_json()["items"]
    assert [item[field] for item in listed if item["id"] == item_id] == [EMOJI]


def test_emoji_in_slide_fields_survive_a_round_trip(admin: Api, world: World) -> None:
    payload = {
        "title": "🎉",
        "location_id": world.locations["bibliotek"],
        "fields": {"heading": EMOJI, "body": "😀" * 500},
    }
    created = admin.post("slides", json=payload)
    assert created.status_code == 201, created.get_json()
    fetched = admin.get(f"slides/{created.get_json()['id']}").get_json()
    assert fetched["latest"]["fields"] == payload["fields"]
    assert fetched["title"] == "🎉"


def test_a_lone_surrogate_escape_is_refused_or_kept_but_never_a_500(
    admin: Api, world: World
) -> None:
    kommune = world.locations["kommune"]
    body = f'{{"slug": "s", "name": "\\ud83c", "location_id": {kommune}}}'
    response = admin.post("themes", data=body, content_type="application/json")
    if response.status_code == 201:
        fetched = admin.get(f"themes/{response.get_json()['id']}")
        assert fetched.status_code == 200
    else:
        assert_error(response, 400, 422)


# -- routes, methods, tokens -------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/",
        "/api/v1",
        "/api/v1/nothing",
        "/api/v1/locations/1/nothing",
        "/api/v2/locations",
        "/api/v1/LOCATIONS",
        "/api/v1/media/%00",
    ],
)
def test_an_unknown_address_under_the_api_is_a_404_in_json(path: str, admin: Api) -> None:
    error = assert_error(admin.get(path), 404)
    assert error["code"] == "not_found"


def test_an_unknown_address_is_a_404_in_json_even_without_a_token(client: Any) -> None:
    assert_error(client.get("/api/v1/nothing"), 404)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("PUT", ""), ("DELETE", ""), ("PATCH", ""), ("PUT", "/1"), ("POST", "/1")],
)
def test_a_method_a_route_does_not_take_is_a_405_in_json(
    name: str, method: str, suffix: str, admin: Api, refused: Any
) -> None:
    with refused():
        error = assert_error(admin.call(method, f"{name}{suffix}", json={}), 405)
        assert method in error["message"]


def test_the_405_lists_the_allowed_methods(admin: Api) -> None:
    response = admin.call("PUT", "locations", json={})
    assert_error(response, 405)
    assert {"GET", "POST"} <= {m.strip() for m in response.headers["Allow"].split(",")}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer not-a-real-token",
        "Bearer " + "x" * 10_000,
        "Bearer \u00e6\u00f8\u00e5",
        "bearer unknown",
    ],
)
def test_an_unknown_bearer_token_is_a_401(header: str, client: Any, refused: Any) -> None:
    with refused():
        response = client.get("/api/v1/locations", headers={"Authorization": header})
        error = assert_error(response, 401)
        assert "token" in error["message"]
        write = client.post(
            "/api/v1/themes",
            json={"slug": "x", "name": "X", "location_id": 1},
            headers={"Authorization": header},
        )
        assert_error(write, 401)


@pytest.mark.parametrize("header", [None, "", "Basic YWRtaW46eA==", "Bearer", "Bearer    "])
def test_a_call_without_a_usable_credential_is_a_401(header: str | None, client: Any) -> None:
    headers = {"Authorization": header} if header is not None else {}
    assert_error(client.get("/api/v1/locations", headers=headers), 401)


# -- brand ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        {"name": 5},
        {"palette": {"primary": "red"}},
        {"palette": {"Bad Key": "#000000"}},
        {"palette": {"text": "#777777", "background": "#ffffff"}},  # just under 4.5:1
        {"font": "x" * 81},
        {"logo": 1},
        {"name": "x\x00"},
    ],
)
def test_a_bad_brand_change_is_a_422_and_the_brand_stays(body: dict[str, Any], admin: Api) -> None:
    before = admin.get("brand").get_json()
    assert_error(admin.patch("brand", json=body), 422)
    assert admin.get("brand").get_json() == before


def test_a_low_contrast_palette_is_refused_naming_the_pair_and_a_readable_one_is_kept(
    admin: Api,
) -> None:
    error = assert_error(admin.patch("brand", json={"palette": {"text": "#999999"}}), 422)
    assert "text on background is 2.85:1" in error["message"]
    readable = {"text": "#1a1a1a", "background": "#ffffff"}
    assert admin.patch("brand", json={"palette": readable}).status_code == 200
    assert admin.get("brand").get_json()["palette"] == readable


def test_a_brand_change_that_is_not_a_json_object_is_a_400(admin: Api) -> None:
    for body in NOT_OBJECTS.values():
        assert_error(admin.patch("brand", data=body, content_type="application/json"), 400)


# -- the server keeps serving -----------------------------------------------------------
def test_after_a_storm_of_bad_requests_good_requests_still_work_and_nothing_leaked(
    admin: Api, world: World, database: Database
) -> None:
    before = row_counts(database)
    for name in NAMES:
        for body in NOT_OBJECTS.values():
            admin.post(name, data=body, content_type="application/json")
        admin.post(name, json={"unknown": 1})
        admin.get(f"{name}/99999999999999999999")
        admin.get(f"{name}?cursor=garbage")
    assert row_counts(database) == before
    created = admin.post("themes", json=valid_payload("themes", world, admin))
    assert created.status_code == 201
    assert admin.get(f"themes/{created.get_json()['id']}").status_code == 200


def test_a_brand_logo_that_names_unknown_media_is_refused(admin: Api) -> None:
    error = assert_error(admin.patch("brand", json={"logo_media_id": UNKNOWN}), 404, 422)
    assert str(UNKNOWN) in error["message"]


@pytest.mark.parametrize("body", [{"year": "2030"}, {"location_id": "1"}])
def test_a_number_sent_as_a_string_is_a_422(body: dict[str, Any], admin: Api, world: World) -> None:
    payload = {**valid_payload("themes", world, admin), **body}
    assert_error(admin.post("themes", json=payload), 422)
