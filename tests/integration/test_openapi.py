"""The OpenAPI document: public, complete for every /api/v1 route, and in step with what
the serializers really return."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.api.collections import COLLECTIONS
from signage.api.openapi import COLLECTION_RESOURCES
from tests.conftest import Api
from tests.factories import World

RESOURCES = [
    "Location",
    "Display",
    "Group",
    "Theme",
    "User",
    "Grant",
    "Playlist",
    "Slide",
    "Schedule",
    "Feed",
]


@pytest.fixture
def document(client: FlaskClient) -> dict[str, Any]:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def openapi_path(rule: str) -> str:
    """`/api/v1/slides/<int:item_id>/submit` → `/api/v1/slides/{item_id}/submit`."""
    return re.sub(r"<(?:[a-z_]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def api_rules(app: Flask) -> list[tuple[str, str]]:
    """(OpenAPI path, method) for every rule under /api/v1."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((openapi_path(rule.rule), method.lower()))
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def test_the_document_is_public(client: FlaskClient) -> None:
    response = client.get("/api/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert body["openapi"].startswith("3.1")
    assert body["info"]["title"]


def test_the_document_is_the_same_on_every_call(client: FlaskClient) -> None:
    assert client.get("/api/openapi.json").get_json() == client.get("/api/openapi.json").get_json()


def test_the_path_converter_becomes_an_openapi_parameter() -> None:
    assert openapi_path("/api/v1/slides/<int:item_id>/submit") == "/api/v1/slides/{item_id}/submit"
    assert openapi_path("/api/v1/media/<sha>") == "/api/v1/media/{sha}"


def test_every_api_route_is_in_the_document_with_its_method(
    app: Flask, document: dict[str, Any]
) -> None:
    rules = api_rules(app)
    assert len(rules) >= 5 * len(COLLECTIONS)
    missing = [
        f"{method.upper()} {path}"
        for path, method in rules
        if method not in document["paths"].get(path, {})
    ]
    assert missing == []


def test_the_document_describes_no_route_the_app_does_not_have(
    app: Flask, document: dict[str, Any]
) -> None:
    rules = set(api_rules(app))
    methods = {"get", "post", "put", "patch", "delete"}
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in methods
    }
    assert described - rules == set()


def test_every_path_parameter_is_declared(document: dict[str, Any]) -> None:
    for path, item in document["paths"].items():
        named = set(re.findall(r"{([a-z_]+)}", path))
        for method, operation in item.items():
            if method == "parameters":
                continue
            parameters = item.get("parameters", []) + operation.get("parameters", [])
            declared = {p["name"] for p in parameters if p["in"] == "path"}
            assert declared == named, (method, path)
            assert all(p.get("required") for p in parameters if p["in"] == "path")


def test_every_operation_has_responses_a_summary_and_a_unique_id(document: dict[str, Any]) -> None:
    ids = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation.get("responses"), (method, path)
            assert operation.get("summary"), (method, path)
            assert any(code.startswith("2") for code in operation["responses"]), (method, path)
            for answer in operation["responses"].values():
                assert answer.get("description"), (method, path)
            ids.append(operation["operationId"])
    assert len(ids) == len(set(ids))


def test_every_operation_id_is_the_endpoint_that_serves_it(
    app: Flask, document: dict[str, Any]
) -> None:
    endpoints = {
        (openapi_path(rule.rule), method.lower()): rule.endpoint.removeprefix("api.")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods or ()
    }
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method != "parameters":
                assert operation["operationId"] == endpoints[(path, method)]


def test_every_reference_points_at_a_schema_in_the_components(document: dict[str, Any]) -> None:
    schemas = document["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(document))
    assert refs
    assert sorted(set(refs) - set(schemas)) == []


def test_errors_are_described_with_the_uniform_error_body(document: dict[str, Any]) -> None:
    error = resolve(document, {"$ref": "#/components/schemas/Error"})
    assert set(error["properties"]) == {"error"}
    assert {"code", "message"} <= set(error["properties"]["error"]["properties"])
    for item in document["paths"].values():
        for method, operation in item.items():
            if method == "parameters":
                continue
            for code, answer in operation["responses"].items():
                if code.startswith(("4", "5")):
                    assert answer["content"]["application/json"]["schema"] == {
                        "$ref": "#/components/schemas/Error"
                    }


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_each_collection_request_body_forbids_unknown_fields_as_the_api_does(
    name: str, document: dict[str, Any]
) -> None:
    for path, method in ((f"/api/v1/{name}", "post"), (f"/api/v1/{name}/{{item_id}}", "patch")):
        body = document["paths"][path][method]["requestBody"]
        schema = resolve(document, body["content"]["application/json"]["schema"])
        assert schema.get("additionalProperties") is False


@pytest.mark.parametrize("name", sorted(COLLECTIONS))
def test_each_collection_lists_its_filters_and_page_parameters(
    name: str, document: dict[str, Any]
) -> None:
    parameters = {p["name"] for p in document["paths"][f"/api/v1/{name}"]["get"]["parameters"]}
    assert {"limit", "cursor", *COLLECTIONS[name].filters} == parameters


# -- resource schemas against real responses ----------------------------------------------
def create_one_of_each(admin: Api, world: World) -> dict[str, dict[str, Any]]:
    """One object of each resource kind, created through the API, as returned by it."""
    bibliotek = world.locations["bibliotek"]

    def create(name: str, payload: dict[str, Any]) -> dict[str, Any]:
        response = admin.post(name, json=payload)
        assert response.status_code == 201, (name, response.get_json())
        return response.get_json()

    theme = create(
        "themes",
        {
            "slug": "jul",
            "name": "Jul",
            "location_id": world.locations["kommune"],
            "year": 2030,
            "color": "#aa0000",
        },
    )
    slide = create(
        "slides",
        {
            "title": "Velkommen",
            "location_id": bibliotek,
            "fields": {"heading": "Hej"},
            "theme_id": theme["id"],
        },
    )
    playlist = create(
        "playlists",
        {
            "slug": "morgen",
            "name": "Morgen",
            "location_id": bibliotek,
            "items": [{"slide_id": slide["id"], "duration": 10}],
        },
    )
    user = create(
        "users", {"email": "ny@example.dk", "name": "Ny", "password": "a long enough secret"}
    )
    return {
        "Location": create(
            "locations",
            {"slug": "filial", "name": "Filial", "parent_id": world.locations["kultur"]},
        ),
        "Display": create("displays", {"name": "Skranke", "location_id": bibliotek}),
        "Group": create(
            "groups",
            {
                "slug": "foyer",
                "name": "Foyer",
                "location_id": bibliotek,
                "display_ids": [world.displays["bibliotek"]],
            },
        ),
        "Theme": theme,
        "User": user,
        "Grant": create(
            "grants", {"user_id": user["id"], "role": "editor", "location_id": bibliotek}
        ),
        "Playlist": playlist,
        "Slide": slide,
        "Feed": create("feeds", {"name": "Intranet", "location_id": bibliotek, "kind": "push"}),
        "Schedule": create(
            "schedules",
            {
                "playlist_id": playlist["id"],
                "location_id": bibliotek,
                "target": {"display_id": world.displays["bibliotek"]},
                "window": ["08:00", "16:00"],
            },
        ),
    }


@pytest.fixture
def created(as_user: Any, world: World) -> dict[str, dict[str, Any]]:
    return create_one_of_each(as_user("admin"), world)


def test_every_collection_has_a_resource_schema() -> None:
    assert set(COLLECTION_RESOURCES) == set(COLLECTIONS)
    assert set(COLLECTION_RESOURCES.values()) == set(RESOURCES)


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_resource_schema_lists_exactly_the_keys_the_api_returns(
    resource: str, document: dict[str, Any], created: dict[str, dict[str, Any]]
) -> None:
    schema = document["components"]["schemas"][resource]
    assert set(schema["properties"]) == set(created[resource])
    assert set(schema["required"]) == set(created[resource])


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_resource_read_back_has_the_same_keys_as_when_created(
    resource: str, as_user: Any, created: dict[str, dict[str, Any]]
) -> None:
    name = next(n for n, r in COLLECTION_RESOURCES.items() if r == resource)
    admin = as_user("admin")
    obj = created[resource]
    fetched = admin.get(f"{name}/{obj['id']}").get_json()
    assert set(fetched) == set(obj)
    listed = [
        item
        for item in admin.get(f"{name}?limit=500").get_json()["items"]
        if item["id"] == obj["id"]
    ]
    assert [set(item) for item in listed] == [set(obj)]


JSON_TYPES = {
    "integer": int,
    "number": (int, float),
    "string": str,
    "boolean": bool,
    "object": dict,
    "array": list,
    "null": type(None),
}


def matches(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    """A small check of a value against the subset of JSON Schema the document uses."""
    schema = resolve(document, schema)
    if "anyOf" in schema:
        return any(matches(document, option, value) for option in schema["anyOf"])
    if "enum" in schema:
        return value in schema["enum"]
    kind = schema.get("type")
    if kind is None:
        return True
    expected = JSON_TYPES[kind]
    if kind in ("integer", "number") and isinstance(value, bool):
        return False
    if not isinstance(value, expected):
        return False
    if isinstance(value, list) and "items" in schema:
        return all(matches(document, schema["items"], item) for item in value)
    if isinstance(value, dict) and "properties" in schema:
        return set(value) == set(schema["properties"]) and all(
            matches(document, schema["properties"][key], item) for key, item in value.items()
        )
    return True


@pytest.mark.parametrize("resource", RESOURCES)
def test_each_value_the_api_returns_has_the_type_the_schema_gives(
    resource: str, document: dict[str, Any], created: dict[str, dict[str, Any]]
) -> None:
    schema = document["components"]["schemas"][resource]
    wrong = {
        key: value
        for key, value in created[resource].items()
        if key in schema["properties"] and not matches(document, schema["properties"][key], value)
    }
    assert wrong == {}


def test_a_slide_with_a_live_revision_matches_the_schema_too(
    as_user: Any, document: dict[str, Any], world: World
) -> None:
    editor, manager = as_user("editor"), as_user("manager")
    slide = editor.post(
        "slides",
        json={
            "title": "Åbent",
            "location_id": world.locations["bibliotek"],
            "fields": {"heading": "Åbent"},
        },
    ).get_json()
    editor.post(f"slides/{slide['id']}/submit")
    approved = manager.post(f"slides/{slide['id']}/approve", json={"note": "fint"})
    assert approved.status_code == 200, approved.get_json()
    body = approved.get_json()
    assert body["live"] is not None
    assert matches(document, {"$ref": "#/components/schemas/Slide"}, body)


def test_the_page_envelope_and_the_error_body_match_the_schema(
    as_user: Any, document: dict[str, Any]
) -> None:
    admin = as_user("admin")
    page = admin.get("locations?limit=1").get_json()
    listing = document["paths"]["/api/v1/locations"]["get"]["responses"]["200"]
    assert matches(document, listing["content"]["application/json"]["schema"], page)
    missing = admin.get("locations/999999").get_json()
    assert set(missing) == {"error"}
    assert {"code", "message"} <= set(missing["error"])


def test_brand_and_me_match_their_schemas(as_user: Any, document: dict[str, Any]) -> None:
    admin = as_user("admin")
    assert matches(document, {"$ref": "#/components/schemas/Brand"}, admin.get("brand").get_json())
    me = document["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
    assert matches(document, me["schema"], admin.get("me").get_json())


def test_audit_events_match_their_schema(
    as_user: Any, document: dict[str, Any], world: World
) -> None:
    admin = as_user("admin")
    admin.post(
        "themes", json={"slug": "jul", "name": "Jul", "location_id": world.locations["kommune"]}
    )
    events = admin.get("audit").get_json()["items"]
    assert events
    for event in events:
        assert matches(document, {"$ref": "#/components/schemas/AuditEvent"}, event), event


def test_the_display_token_answer_matches_its_schema(
    as_user: Any, document: dict[str, Any], world: World
) -> None:
    admin = as_user("admin")
    answer = admin.post(f"displays/{world.displays['bibliotek']}/token")
    assert answer.status_code == 200
    schema = document["paths"]["/api/v1/displays/{item_id}/token"]["post"]["responses"]["200"]
    assert matches(document, schema["content"]["application/json"]["schema"], answer.get_json())


def test_media_matches_its_schema_while_processing_and_when_ready(
    as_user: Any, document: dict[str, Any], world: World, worker: Any
) -> None:
    from tests import media_files

    editor = as_user("editor")
    uploaded = editor.upload(media_files.pdf(2), "plakat.pdf", world.locations["bibliotek"])
    uploaded = uploaded.get_json()
    schema = {"$ref": "#/components/schemas/Media"}
    assert set(uploaded) == set(document["components"]["schemas"]["Media"]["properties"])
    assert matches(document, schema, uploaded)

    worker.run_once()
    ready = editor.get(f"media/{uploaded['id']}").get_json()
    assert ready["status"] == "ready"
    assert matches(document, schema, ready)
    listing = document["paths"]["/api/v1/media"]["get"]["responses"]["200"]
    listed = editor.get("media").get_json()
    assert matches(document, listing["content"]["application/json"]["schema"], listed)
