"""Kiosk endpoints: pairing (public), and with the device token the manifest, alerts,
heartbeats and plays over HTTP (for when the socket is down)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from signage.alerts import services as alerts
from signage.api.http import BadRequest, json_body
from signage.db import utcnow
from signage.errors import ValidationFailed
from signage.scheduling.manifests import with_server_time
from signage.scheduling.models import Manifest
from signage.scheduling.propagator import Propagator
from signage.screens import devices
from signage.screens.models import Display
from signage.web import (
    accept_plays,
    current_display,
    database,
    db_session,
    flush_heartbeats,
    heartbeats,
    receipts,
    registrations,
)

bp = Blueprint("player", __name__, url_prefix="/player")


@bp.get("/api/manifest")
def manifest() -> Response:
    """The stored manifest; 304 when the kiosk already has this version."""
    display = current_display()
    assert display is not None  # noqa: S101 - the authorisation table requires a device
    session = db_session()
    stored = session.scalar(select(Manifest).where(Manifest.display_id == display.id))
    if stored is None:
        # Not built yet (a display paired a moment ago): build it now, for this display only.
        settings = current_app.config["SIGNAGE"]
        propagator = Propagator(database(), settings.timezone, settings.language)
        propagator.rebuild({display.id}, keep_warm=False)
        session.rollback()  # end this read so the next one sees the stored manifest
        stored = session.scalar(select(Manifest).where(Manifest.display_id == display.id))
    assert stored is not None  # noqa: S101 - rebuilt just above
    etag = f'"{stored.version}"'
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if etag in request.headers.get("If-None-Match", "").split(", "):
        return Response(status=304, headers=headers)
    body = with_server_time(stored.body, stored.version, utcnow())
    return Response(body, mimetype="application/json", headers=headers)


def device() -> Display:
    display = current_display()
    assert display is not None  # noqa: S101 - the authorisation table requires a device
    return display


@bp.post("/api/register")
def register() -> tuple[Response, int]:
    """A kiosk without a token asks for a pairing code to show."""
    try:
        devices.limit_registrations(registrations(), request.remote_addr or "unknown")
    except devices.RateLimited as exc:
        response = jsonify(exc.to_body())
        response.headers["Retry-After"] = str(exc.retry_after_s)
        return response, exc.status
    session = db_session()
    registration = devices.register(session, utcnow())
    session.commit()
    body = {
        "code": registration.code,
        "claim_secret": registration.claim_secret,
        "expires_at": registration.expires_at.isoformat(),
    }
    return jsonify(body), 201


@bp.post("/api/claim")
def claim() -> tuple[Response, int]:
    secret = json_body().get("claim_secret")
    if not isinstance(secret, str) or not 0 < len(secret) <= 200:
        raise BadRequest('send {"claim_secret": "…"} as the kiosk got it from /player/api/register')
    session = db_session()
    found = devices.claim(session, secret, utcnow())
    session.commit()
    if found.token is None:
        return jsonify({"status": "waiting", "expires_at": found.expires_at.isoformat()}), 202
    return jsonify({"token": found.token, "display_id": found.display_id}), 200


@bp.get("/api/alerts")
def active_alerts() -> Response:
    session = db_session()
    display = device()
    chain, groups = devices.reach_of(session, display)
    now = utcnow()
    items = alerts.active_for(session, display.id, chain, groups, now)
    for item in items:  # handed over: delivered (the kiosk acknowledges over its socket)
        receipts().record(item["id"], display.id, now, shown=False)
    return jsonify({"items": items})


@bp.post("/api/heartbeat")
def heartbeat() -> tuple[str, int]:
    try:
        beat = devices.parse_heartbeat(json_body())
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from exc
    heartbeats().record(device().id, beat, utcnow())
    flush_heartbeats()
    return "", 204


@bp.post("/api/plays")
def plays() -> tuple[Response, int]:
    """Proof of play over HTTP: 202 when every play is taken; 422 naming the refused
    plays and why, the others taken all the same (a kiosk drops the batch either way:
    a refused play never becomes good by being sent again)."""
    body: Any = request.get_json(silent=True) if request.is_json else None
    intake = accept_plays(body, device().id)
    if not intake.refused:
        return jsonify(intake.to_json()), 202
    error = ValidationFailed(intake.summary())
    return jsonify(error.to_body() | intake.to_json()), error.status
