"""OpenAPI paths of media, kiosks and alerts (the resources around screens), beside
the collections' paths in `openapi`."""

from __future__ import annotations

from typing import Any

from signage.api.openapi import (
    BOOL,
    ERRORS,
    ID_PARAM,
    INT,
    PAGE_PARAMS,
    STR,
    TIME,
    answer,
    array,
    body,
    nullable,
    page_of,
    ref,
    shape,
)


def media_paths() -> dict[str, Any]:
    upload = {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "location_id": INT,
                    },
                    "required": ["file", "location_id"],
                }
            }
        },
    }
    refused = {
        "409": answer("In use by slides (details.slides names them)", ref("Error")),
        "413": answer("Larger than the limit for its type", ref("Error")),
        "415": answer("Not an accepted type, or refused on inspection", ref("Error")),
    }
    return {
        "/api/v1/media": {
            "get": {
                "summary": "List media",
                "operationId": "media_list",
                "parameters": [*PAGE_PARAMS, {"name": "location_id", "in": "query", "schema": INT}],
                "responses": {"200": answer("A page", page_of("Media")), **ERRORS},
            },
            "post": {
                "summary": "Upload a file: JPEG, PNG, WebP, GIF, AVIF, HEIC, PDF, MP4 or WebM; "
                "a PDF also gives one draft slide per page",
                "operationId": "media_upload",
                "requestBody": upload,
                "responses": {
                    "201": answer("Stored; renditions are being made", ref("Media")),
                    "200": answer("The same file was already here", ref("Media")),
                    **ERRORS,
                    **refused,
                },
            },
        },
        "/api/v1/media/{item_id}": {
            "parameters": ID_PARAM,
            "get": {
                "summary": "One media with its renditions and their state",
                "operationId": "media_get",
                "responses": {"200": answer("Found", ref("Media")), **ERRORS},
            },
            "delete": {
                "summary": "Delete media no slide uses",
                "operationId": "media_delete",
                "responses": {"204": answer("Deleted"), **ERRORS, **refused},
            },
        },
    }


def kiosk_paths(components: dict[str, Any]) -> dict[str, Any]:
    from signage.screens.schemas import CommandIn, PairIn

    return {
        "/api/v1/displays/pair": {
            "post": {
                "summary": "Claim the kiosk that shows a pairing code, for a new or an "
                "existing display; the kiosk continues by itself",
                "operationId": "displays_pair",
                "requestBody": body(PairIn, components),
                "responses": {
                    "201": answer("A new display", ref("Display")),
                    "200": answer("The existing display", ref("Display")),
                    **ERRORS,
                    "404": answer("No kiosk shows this code", ref("Error")),
                    "409": answer("The code was used already", ref("Error")),
                },
            }
        },
        "/api/v1/displays/{item_id}/revoke": {
            "parameters": ID_PARAM,
            "post": {
                "summary": "Revoke the display's device token: its kiosk returns to pairing",
                "operationId": "displays_revoke",
                "responses": {"200": answer("The display", ref("Display")), **ERRORS},
            },
        },
        "/api/v1/displays/{item_id}/commands": {
            "parameters": ID_PARAM,
            "post": {
                "summary": "Send the kiosk a command: reload, or identify (its name, large)",
                "operationId": "displays_commands",
                "requestBody": body(CommandIn, components),
                "responses": {
                    "202": answer("Sent", shape(display_id=INT, action=STR)),
                    **ERRORS,
                },
            },
        },
    }


ALERT_WITH_RECEIPTS = {
    "allOf": [
        ref("Alert"),
        shape(
            targeted=INT,
            not_acknowledged=array(
                shape(
                    id=INT,
                    name=STR,
                    location_id=INT,
                    online=BOOL,
                    last_seen_at=nullable(TIME),
                )
            ),
        ),
    ]
}


CAP_OUTCOME = shape(
    status={"enum": ["created", "updated", "cancelled", "unchanged", "ignored"]},
    reason=nullable(STR),
    alert={"anyOf": [ref("Alert"), {"type": "null"}]},
    cleared=array(INT),
)


def feed_paths(components: dict[str, Any]) -> dict[str, Any]:
    from signage.feeds.schemas import PushIn

    return {
        "/api/v1/feeds/{item_id}/items": {
            "parameters": ID_PARAM,
            "post": {
                "summary": "Replace a push feed's items (token scope feed:push, whose user is "
                "an editor of the feed's location; or an editor). At most 50 items and 256 KB; "
                "markup in the text is stripped",
                "operationId": "feeds_push",
                "requestBody": body(PushIn, components),
                "responses": {
                    "200": answer("The feed with its new items", ref("Feed")),
                    **ERRORS,
                    "404": answer("No such feed, or not one this caller may push to", ref("Error")),
                    "409": answer("Not a push feed", ref("Error")),
                    "413": answer("Larger than 256 KB", ref("Error")),
                },
            },
        }
    }


def alert_paths(components: dict[str, Any]) -> dict[str, Any]:
    from signage.alerts.schemas import AlertIn

    return {
        "/api/v1/alerts": {
            "get": {
                "summary": "List alerts",
                "operationId": "alerts_list",
                "parameters": PAGE_PARAMS,
                "responses": {"200": answer("A page", page_of("Alert")), **ERRORS},
            },
            "post": {
                "summary": "Send an alert: at once to every kiosk it targets",
                "operationId": "alerts_create",
                "requestBody": body(AlertIn, components),
                "responses": {"201": answer("Sent", ref("Alert")), **ERRORS},
            },
        },
        "/api/v1/alerts/{item_id}": {
            "parameters": ID_PARAM,
            "get": {
                "summary": "One alert with its receipts: the displays it targets, how many "
                "received it and show it, and those that have not acknowledged it (offline "
                "ones first, at most 500)",
                "operationId": "alerts_get",
                "responses": {"200": answer("Found", ALERT_WITH_RECEIPTS), **ERRORS},
            },
        },
        "/api/v1/cap": {
            "post": {
                "summary": "Take in a CAP 1.2 alert (token scope cap:ingest): Alert creates, "
                "Update replaces and Cancel clears the alerts its references name; every "
                "<info> language becomes a variant; <area>s map to locations by "
                "SIGNAGE_CAP_AREAS (without it: all screens). Status other than Actual is "
                "accepted and not shown",
                "operationId": "cap_ingest",
                "requestBody": {
                    "required": True,
                    "content": {"application/xml": {"schema": STR}},
                },
                "responses": {
                    "201": answer("Shown", CAP_OUTCOME),
                    "200": answer("Cancelled, unchanged or not shown", CAP_OUTCOME),
                    **ERRORS,
                },
            },
        },
        "/api/v1/alerts/{item_id}/clear": {
            "parameters": ID_PARAM,
            "post": {
                "summary": "End the alert everywhere",
                "operationId": "alerts_clear",
                "responses": {
                    "200": answer("Cleared", ref("Alert")),
                    **ERRORS,
                    "409": answer("Cleared already", ref("Error")),
                },
            },
        },
    }
