"""The JSON API under /api/v1: thin views that parse, call one service, serialise."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from signage import audit as audit_log
from signage.accounts.models import AuditEvent
from signage.accounts.schemas import BrandPatch
from signage.accounts.services import get_brand, update_brand
from signage.api import serializers
from signage.api.collections import COLLECTIONS, Collection
from signage.api.http import BadRequest, instant_arg, int_arg, json_body, paged, parse
from signage.api.openapi import build_openapi
from signage.content.schemas import ReviewIn
from signage.content.services import SlideService
from signage.core.layouts import LAYOUTS, REGIONS
from signage.core.model import DEFAULT_REGION
from signage.db import utcnow
from signage.errors import NotFound, RateLimited, Unauthorized
from signage.realtime import (
    PLAYER_NAMESPACE,
    display_room,
    token_room,
)
from signage.scheduling import resolving
from signage.scheduling.manifests import segment_json
from signage.screens import devices
from signage.screens.schemas import CommandIn, PairIn
from signage.screens.services import DisplayService
from signage.web import (
    count_failure,
    current_principal,
    db_session,
    notifier,
    pairing_limits,
    seconds_to_wait,
)

bp = Blueprint("api", __name__, url_prefix="/api/v1")


def principal() -> Any:
    found = current_principal()
    if found is None:  # the authorisation table lets no anonymous call reach here
        raise Unauthorized("sign in or send an API token")
    return found


def _register(collection: Collection) -> None:
    service, serialize, name = collection.service, collection.serialize, collection.name

    def list_items() -> Response:
        query = service.readable_query(principal())
        for column in collection.filters:
            value = int_arg(column)
            if value is not None:
                query = query.where(getattr(service.model, column) == value)
        return paged(db_session(), query, service.model.id, serialize)

    def get_item(item_id: int) -> Response:
        return jsonify(serialize(service.get(db_session(), principal(), item_id)))

    def create_item() -> tuple[Response, int]:
        session = db_session()
        data = parse(collection.create).given()
        obj = service.create(session, principal(), data)
        token = (
            DisplayService().issue_token(session, principal(), obj)
            if data.get("provision")
            else None
        )
        body = serialize(obj)
        if token is not None:
            body["token"] = token  # shown this once; only its hash is stored
        session.commit()
        return jsonify(body), 201

    def update_item(item_id: int) -> Response:
        session = db_session()
        data = parse(collection.patch).given()
        obj = service.update(session, principal(), service.get(session, principal(), item_id), data)
        session.commit()
        return jsonify(serialize(obj))

    def delete_item(item_id: int) -> tuple[str, int]:
        session = db_session()
        service.delete(session, principal(), service.get(session, principal(), item_id))
        session.commit()
        return "", 204

    bp.add_url_rule(f"/{name}", f"{name}_list", list_items, methods=["GET"])
    bp.add_url_rule(f"/{name}", f"{name}_create", create_item, methods=["POST"])
    bp.add_url_rule(f"/{name}/<int:item_id>", f"{name}_get", get_item, methods=["GET"])
    bp.add_url_rule(f"/{name}/<int:item_id>", f"{name}_update", update_item, methods=["PATCH"])
    bp.add_url_rule(f"/{name}/<int:item_id>", f"{name}_delete", delete_item, methods=["DELETE"])


for _collection in COLLECTIONS.values():
    _register(_collection)


# -- moderation -------------------------------------------------------------------------
_slides = SlideService()


def _moderate(action: str, item_id: int) -> Response:
    session = db_session()
    slide = _slides.get(session, principal(), item_id)
    if action == "submit":
        _slides.submit(session, principal(), slide)
    else:
        note = parse(ReviewIn, _optional_body()).note
        getattr(_slides, action)(session, principal(), slide, note)
    session.commit()
    return jsonify(serializers.slide(slide))


def _optional_body() -> dict[str, Any]:
    """Approve and reject take an optional JSON body with a note."""
    return json_body() if request.content_length else {}


@bp.post("/slides/<int:item_id>/submit")
def slides_submit(item_id: int) -> Response:
    return _moderate("submit", item_id)


@bp.post("/slides/<int:item_id>/approve")
def slides_approve(item_id: int) -> Response:
    return _moderate("approve", item_id)


@bp.post("/slides/<int:item_id>/reject")
def slides_reject(item_id: int) -> Response:
    return _moderate("reject", item_id)


# -- displays ---------------------------------------------------------------------------
@bp.post("/displays/<int:item_id>/token")
def displays_token(item_id: int) -> Response:
    session = db_session()
    service = DisplayService()
    display = service.get(session, principal(), item_id)
    retired = display.token_hash
    token = service.issue_token(session, principal(), display)
    session.commit()
    if retired is not None:
        notifier().emit("token_revoked", {}, token_room(retired), PLAYER_NAMESPACE)
    return jsonify({"display_id": display.id, "token": token})


@bp.post("/displays/pair")
def displays_pair() -> tuple[Response, int]:
    session = db_session()
    data = parse(PairIn).given()
    code = data.pop("code")
    limits = pairing_limits(principal())
    wait = seconds_to_wait(limits)
    if wait:
        raise RateLimited(
            f"too many codes that no kiosk shows; try again in {wait} s", retry_after_s=wait
        )
    try:
        display, created = devices.pair(session, principal(), code, data, utcnow())
    except NotFound:
        count_failure(limits)
        raise
    session.commit()
    return jsonify(serializers.display(display)), 201 if created else 200


@bp.post("/displays/<int:item_id>/revoke")
def displays_revoke(item_id: int) -> Response:
    session = db_session()
    display = DisplayService().get(session, principal(), item_id)
    revoked = devices.revoke(session, principal(), display.id)
    session.commit()
    if revoked is not None:
        notifier().emit("token_revoked", {}, token_room(revoked), PLAYER_NAMESPACE)
    return jsonify(serializers.display(display))


@bp.post("/displays/<int:item_id>/commands")
def displays_commands(item_id: int) -> tuple[Response, int]:
    session = db_session()
    display = DisplayService().get(session, principal(), item_id)
    command = parse(CommandIn)
    devices.command(session, principal(), display, command.action)
    session.commit()
    # The name rides along, so `identify` can show it without another request.
    sent = {"action": command.action, "name": display.name}
    notifier().emit("command", sent, display_room(display.id), PLAYER_NAMESPACE)
    return jsonify({"display_id": display.id, "action": command.action}), 202


@bp.get("/displays/<int:item_id>/timeline")
def displays_timeline(item_id: int) -> Response:
    session = db_session()
    display = DisplayService().get(session, principal(), item_id)
    start, end = instant_arg("from"), instant_arg("to")
    layout, segments = resolving.timeline(session, display.id, start, end, locale())
    return jsonify(
        {
            "display": display.id,
            "layout": layout,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "segments": [segment_json(s) for s in segments],
        }
    )


@bp.get("/displays/<int:item_id>/now")
def displays_now(item_id: int) -> Response:
    session = db_session()
    display = DisplayService().get(session, principal(), item_id)
    at = instant_arg("at", default=utcnow())
    region = request.args.get("region", DEFAULT_REGION)
    if region not in REGIONS:
        raise BadRequest(f"region must be one of {', '.join(REGIONS)}")
    return jsonify(resolving.now(session, display.id, at, region, locale()))


def locale() -> resolving.Locale:
    settings = current_app.config["SIGNAGE"]
    return resolving.Locale(settings.timezone, settings.language)


# -- brand, audit, identity, OpenAPI -----------------------------------------------------
@bp.get("/brand")
def brand_get() -> Response:
    return jsonify(get_brand(db_session()))


@bp.patch("/brand")
def brand_update() -> Response:
    session = db_session()
    brand = update_brand(session, principal(), parse(BrandPatch).given())
    session.commit()
    return jsonify(brand)


@bp.get("/layouts")
def layouts() -> Response:
    return jsonify({"items": [serializers.layout(layout) for layout in LAYOUTS.values()]})


@bp.get("/audit")
def audit() -> Response:
    query = audit_log.readable_query(principal())
    return paged(db_session(), query, AuditEvent.id, serializers.audit_event)


@bp.get("/me")
def me() -> Response:
    who = principal()
    return jsonify(
        {
            "user_id": who.user_id,
            "label": who.label,
            "scope": who.scope,
            "grants": [{"role": g.role.slug, "location_id": g.location_id} for g in who.grants],
        }
    )


# The OpenAPI document lives beside the versioned API, at /api/openapi.json.
docs = Blueprint("api_docs", __name__, url_prefix="/api")


@docs.get("/openapi.json")
def openapi() -> Response:
    return jsonify(build_openapi())
