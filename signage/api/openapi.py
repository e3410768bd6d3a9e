"""The OpenAPI 3.1 document, built from the collections' payload models and the
resource descriptions below. A test checks each description against real responses."""

from __future__ import annotations

from functools import cache
from typing import Any

from pydantic import BaseModel

from signage.accounts.schemas import BrandPatch
from signage.content.schemas import ReviewIn
from signage.core.layouts import LAYOUTS, REGIONS

INT: dict[str, Any] = {"type": "integer"}
STR: dict[str, Any] = {"type": "string"}
BOOL: dict[str, Any] = {"type": "boolean"}
TIME: dict[str, Any] = {"type": "string", "format": "date-time"}
OBJ: dict[str, Any] = {"type": "object"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


def shape(**properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": sorted(properties)}


# A layout chosen for a display, group or location; null inherits (signage.core.layouts).
LAYOUT = {"enum": list(LAYOUTS)}
LAYOUT_CHOICE = nullable(LAYOUT)
REGION = {"enum": list(REGIONS)}
RECT = shape(name=REGION, x=INT, y=INT, w=INT, h=INT)


REVISION = shape(
    id=INT,
    number=INT,
    status={"enum": ["draft", "pending", "approved", "rejected"]},
    kind=STR,
    fields=OBJ,
    variants=OBJ,
    pictogram=nullable(STR),
    alt=nullable(STR),
    media_id=nullable(INT),
    duration=nullable(INT),
    author_id=nullable(INT),
    reviewer_id=nullable(INT),
    review_note=nullable(STR),
    created_at=TIME,
    decided_at=nullable(TIME),
)
GRANT = shape(id=INT, user_id=INT, role=STR, location_id=INT, created_at=TIME)
# A feed item: plain text (markup is stripped on the server), instants with their offset.
FEED_ITEM = {
    "type": "object",
    "properties": {
        "title": STR,
        "summary": STR,
        "place": STR,
        "published": TIME,
        "starts": STR,  # a date-time, or a date for an all-day event
        "ends": STR,
        "all_day": BOOL,
    },
    "required": ["title"],
}

RESOURCES: dict[str, dict[str, Any]] = {
    "Location": shape(
        id=INT,
        slug=STR,
        name=STR,
        parent_id=nullable(INT),
        timezone=nullable(STR),
        public=BOOL,
        layout=LAYOUT_CHOICE,
        created_at=TIME,
    ),
    "Display": shape(
        id=INT,
        name=STR,
        location_id=INT,
        orientation={"enum": ["landscape", "portrait"]},
        resolution=array(INT),
        rotation=INT,
        timezone=nullable(STR),
        languages=array(STR),
        tags=array(STR),
        power=array(OBJ),
        layout=LAYOUT_CHOICE,
        paired=BOOL,
        online=BOOL,
        last_seen_at=nullable(TIME),
        player_version=nullable(STR),
        clock_skew_ms=nullable(INT),
        showing=nullable(OBJ),
        created_at=TIME,
    ),
    "Group": shape(
        id=INT,
        slug=STR,
        name=STR,
        location_id=INT,
        tag=nullable(STR),
        display_ids=array(INT),
        layout=LAYOUT_CHOICE,
        created_at=TIME,
    ),
    "Theme": shape(
        id=INT,
        slug=STR,
        name=STR,
        location_id=INT,
        year=nullable(INT),
        color=nullable(STR),
        created_at=TIME,
    ),
    "User": shape(
        id=INT,
        email=STR,
        name=STR,
        language=nullable(STR),
        active=BOOL,
        grants=array(GRANT),
        created_at=TIME,
        last_login_at=nullable(TIME),
    ),
    "Grant": GRANT,
    "Playlist": shape(
        id=INT,
        slug=STR,
        name=STR,
        location_id=INT,
        items=array(shape(slide_id=INT, duration=nullable(INT))),
        created_at=TIME,
    ),
    "Slide": shape(
        id=INT,
        key=nullable(STR),
        title=STR,
        location_id=INT,
        orientation=STR,
        valid_from=nullable(STR),
        valid_until=nullable(STR),
        theme_id=nullable(INT),
        public=BOOL,
        status=STR,
        revision=INT,
        live_revision=nullable(INT),
        latest=REVISION,
        live=nullable(REVISION),
        created_at=TIME,
    ),
    "Schedule": shape(
        id=INT,
        key=nullable(STR),
        playlist_id=INT,
        target=OBJ,
        location_id=INT,
        region=REGION,
        rrule=nullable(STR),
        window=nullable(array(STR)),
        starts=nullable(STR),
        ends=nullable(STR),
        exdates=array(STR),
        holidays=nullable(STR),
        tier={"enum": ["campaign", "normal", "fallback"]},
        weight=INT,
        created_at=TIME,
    ),
    "Feed": shape(
        id=INT,
        name=STR,
        location_id=INT,
        kind={"enum": ["rss", "ical", "push", "cap"]},
        url=nullable(STR),
        refresh_s=INT,
        status={"enum": ["ok", "failing", "waiting"]},
        items=array(FEED_ITEM),
        items_changed_at=nullable(TIME),
        checked_at=nullable(TIME),
        ok_at=nullable(TIME),
        error=nullable(shape(code=STR, message=STR, at=TIME)),
        created_at=TIME,
    ),
    "AuditEvent": shape(
        id=INT,
        at=TIME,
        actor=STR,
        action=STR,
        entity_kind=STR,
        entity_id=nullable(INT),
        location_id=nullable(INT),
        details=OBJ,
    ),
    "Media": shape(
        id=INT,
        location_id=INT,
        sha256=STR,
        filename=STR,
        mime=STR,
        kind={"enum": ["image", "pdf", "video"]},
        bytes=INT,
        width=nullable(INT),
        height=nullable(INT),
        duration_s=nullable({"type": "number"}),
        pages=nullable(INT),
        animated=BOOL,
        status={"enum": ["processing", "ready", "failed"]},
        error=nullable(STR),
        thumbnail=nullable(STR),
        slide_ids=array(INT),
        renditions=array(
            shape(
                name=STR,
                ext=STR,
                mime=STR,
                width=nullable(INT),
                height=nullable(INT),
                bytes=nullable(INT),
                status={"enum": ["pending", "ready", "failed"]},
                url=STR,
            )
        ),
        created_at=TIME,
    ),
    "Alert": shape(
        id=INT,
        location_id=INT,
        title=STR,
        body=STR,
        variants=OBJ,
        severity={"enum": ["info", "warning", "critical"]},
        targets=OBJ,
        source=STR,
        starts_at=TIME,
        expires_at=nullable(TIME),
        cleared_at=nullable(TIME),
        delivered=INT,
        acknowledged=INT,
        created_at=TIME,
    ),
    "Brand": shape(name=STR, logo_media_id=nullable(INT), palette=OBJ, font=STR),
    "Error": shape(error=shape(code=STR, message=STR)),
    "Segment": shape(
        region=STR,
        start=TIME,
        end=TIME,
        anchor=TIME,
        tier=nullable({"enum": ["campaign", "normal", "fallback", "brand"]}),
        blank=BOOL,
        alerts=array(shape(id=INT, severity=STR, shown=STR)),
        loop=array(shape(slide=INT, revision=INT, duration=INT, language=STR)),
    ),
}
COLLECTION_RESOURCES = {
    "locations": "Location",
    "displays": "Display",
    "groups": "Group",
    "themes": "Theme",
    "users": "User",
    "grants": "Grant",
    "playlists": "Playlist",
    "slides": "Slide",
    "schedules": "Schedule",
    "feeds": "Feed",
}


def ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def body(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(schema.pop("$defs", {}))
    components[model.__name__] = schema
    return {"required": True, "content": {"application/json": {"schema": ref(model.__name__)}}}


def answer(description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    if schema is None:
        return {"description": description}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": answer("Malformed request", ref("Error")),
    "401": answer("Not signed in", ref("Error")),
    "403": answer("Not allowed", ref("Error")),
    "422": answer("Invalid fields", ref("Error")),
}


def page_of(name: str) -> dict[str, Any]:
    return shape(items=array(ref(name)), next=nullable(STR))


PAGE_PARAMS = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
    {"name": "cursor", "in": "query", "schema": STR},
]
ID_PARAM = [{"name": "item_id", "in": "path", "required": True, "schema": INT}]


def _collection_paths(components: dict[str, Any]) -> dict[str, Any]:
    from signage.api.collections import COLLECTIONS

    paths: dict[str, Any] = {}
    for name, collection in COLLECTIONS.items():
        resource = COLLECTION_RESOURCES[name]
        filters = [{"name": f, "in": "query", "schema": INT} for f in collection.filters]
        paths[f"/api/v1/{name}"] = {
            "get": {
                "summary": f"List {name}",
                "operationId": f"{name}_list",
                "parameters": PAGE_PARAMS + filters,
                "responses": {"200": answer("A page", page_of(resource)), **ERRORS},
            },
            "post": {
                "summary": f"Create a {collection.singular}",
                "operationId": f"{name}_create",
                "requestBody": body(collection.create, components),
                "responses": {
                    "201": answer("Created", ref(resource)),
                    **ERRORS,
                    "409": answer("Conflicts with existing data", ref("Error")),
                },
            },
        }
        paths[f"/api/v1/{name}/{{item_id}}"] = {
            "parameters": ID_PARAM,
            "get": {
                "summary": f"One {collection.singular}",
                "operationId": f"{name}_get",
                "responses": {
                    "200": answer("Found", ref(resource)),
                    **ERRORS,
                    "404": answer("Not found", ref("Error")),
                },
            },
            "patch": {
                "summary": f"Change a {collection.singular}",
                "operationId": f"{name}_update",
                "requestBody": body(collection.patch, components),
                "responses": {"200": answer("Changed", ref(resource)), **ERRORS},
            },
            "delete": {
                "summary": f"Delete a {collection.singular}",
                "operationId": f"{name}_delete",
                "responses": {"204": answer("Deleted"), **ERRORS},
            },
        }
    return paths


def _other_paths(components: dict[str, Any]) -> dict[str, Any]:
    review = {"required": False, "content": {"application/json": {"schema": ref("ReviewIn")}}}
    body(ReviewIn, components)
    paths: dict[str, Any] = {}
    for action, summary in (
        ("submit", "Submit the latest revision for approval"),
        ("approve", "Approve the pending revision: it goes live"),
        ("reject", "Reject the pending revision"),
    ):
        operation: dict[str, Any] = {
            "summary": summary,
            "operationId": f"slides_{action}",
            "responses": {
                "200": answer("The slide", ref("Slide")),
                **ERRORS,
                "409": answer("Wrong status", ref("Error")),
            },
        }
        if action != "submit":
            operation["requestBody"] = review
        paths[f"/api/v1/slides/{{item_id}}/{action}"] = {"parameters": ID_PARAM, "post": operation}
    from signage.api.openapi_devices import alert_paths, feed_paths, kiosk_paths, media_paths

    paths.update(media_paths())
    paths.update(kiosk_paths(components))
    paths.update(alert_paths(components))
    from signage.api.openapi_reports import report_paths

    paths.update(report_paths())
    paths.update(feed_paths(components))
    paths["/api/v1/displays/{item_id}/token"] = {
        "parameters": ID_PARAM,
        "post": {
            "summary": "Issue a new device token (shown this once); the old one stops working",
            "operationId": "displays_token",
            "responses": {"200": answer("The token", shape(display_id=INT, token=STR)), **ERRORS},
        },
    }
    instant = {"type": "string", "format": "date-time"}
    paths["/api/v1/displays/{item_id}/timeline"] = {
        "parameters": ID_PARAM,
        "get": {
            "summary": "The timeline over [from, to): segments where the answer is constant",
            "operationId": "displays_timeline",
            "parameters": [
                {"name": "from", "in": "query", "required": True, "schema": instant},
                {"name": "to", "in": "query", "required": True, "schema": instant},
            ],
            "responses": {
                "200": answer(
                    "The timeline",
                    shape(
                        display=INT,
                        layout=LAYOUT,
                        **{"from": TIME, "to": TIME},
                        segments=array(ref("Segment")),
                    ),
                ),
                **ERRORS,
            },
        },
    }
    paths["/api/v1/displays/{item_id}/now"] = {
        "parameters": ID_PARAM,
        "get": {
            "summary": "What the display shows at an instant (default: now)",
            "operationId": "displays_now",
            "parameters": [
                {"name": "at", "in": "query", "schema": instant},
                {"name": "region", "in": "query", "schema": REGION},
            ],
            "responses": {
                "200": answer(
                    "The answer",
                    shape(
                        display=INT,
                        layout=LAYOUT,
                        region=STR,
                        at=TIME,
                        index=nullable(INT),
                        blank=BOOL,
                        alerts=array(OBJ),
                        tier=nullable(STR),
                        anchor=TIME,
                        loop=array(
                            shape(
                                slide=shape(id=INT, title=nullable(STR), kind=nullable(STR)),
                                revision=INT,
                                duration=INT,
                                language=STR,
                            )
                        ),
                    ),
                ),
                **ERRORS,
            },
        },
    }
    paths["/api/v1/brand"] = {
        "get": {
            "summary": "The brand",
            "operationId": "brand_get",
            "responses": {"200": answer("The brand", ref("Brand")), **ERRORS},
        },
        "patch": {
            "summary": "Change the brand",
            "operationId": "brand_update",
            "requestBody": body(BrandPatch, components),
            "responses": {"200": answer("The brand", ref("Brand")), **ERRORS},
        },
    }
    paths["/api/v1/layouts"] = {
        "get": {
            "summary": "The layouts a display, group or location may choose, with the "
            "rectangles of their regions on the grid for each orientation",
            "operationId": "layouts",
            "responses": {
                "200": answer(
                    "Every layout, `full` first",
                    shape(
                        items=array(
                            shape(
                                key=STR,
                                grid=INT,
                                regions=array(REGION),
                                landscape=array(RECT),
                                portrait=array(RECT),
                            )
                        )
                    ),
                ),
                **ERRORS,
            },
        }
    }
    paths["/api/v1/audit"] = {
        "get": {
            "summary": "The audit log",
            "operationId": "audit",
            "parameters": PAGE_PARAMS,
            "responses": {"200": answer("A page", page_of("AuditEvent")), **ERRORS},
        }
    }
    paths["/api/v1/me"] = {
        "get": {
            "summary": "Who the caller is",
            "operationId": "me",
            "responses": {
                "200": answer(
                    "The caller",
                    shape(
                        user_id=nullable(INT),
                        label=STR,
                        scope=nullable(STR),
                        grants=array(shape(role=STR, location_id=INT)),
                    ),
                ),
                **ERRORS,
            },
        }
    }
    return paths


@cache
def build_openapi() -> dict[str, Any]:
    components: dict[str, Any] = dict(RESOURCES)
    paths = _collection_paths(components) | _other_paths(components)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Infotavle API", "version": "1"},
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "session"},
            },
        },
        "security": [{"bearer": []}, {"session": []}],
        "paths": paths,
    }
