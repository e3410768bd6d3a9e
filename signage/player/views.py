"""Kiosk endpoints (device-token auth). The player page itself arrives with the kiosk."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, request
from sqlalchemy import select

from signage.db import utcnow
from signage.scheduling.manifests import with_server_time
from signage.scheduling.models import Manifest
from signage.scheduling.propagator import Propagator
from signage.web import current_display, database, db_session

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
