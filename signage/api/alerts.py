"""Alert routes of the JSON API: send, list, read, clear, and CAP 1.2 in (`/api/v1/cap`)
and out (`/cap.xml`). Delivery is the realtime layer's: an alert is emitted to its
targets' rooms as soon as it is stored."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import select

from signage.accounts.permissions import Role
from signage.alerts import cap, ingest, receipts
from signage.alerts import services as alerts
from signage.alerts.models import Alert
from signage.alerts.schemas import AlertIn
from signage.api import serializers
from signage.api.http import BadRequest, paged, parse
from signage.api.views import bp, principal
from signage.db import utcnow
from signage.errors import NotFound
from signage.web import db_session, notifier


@bp.get("/alerts")
def alerts_list() -> Response:
    query = select(Alert)
    who = principal()
    if not who.covers_whole_tree(Role.VIEWER):
        query = query.where(Alert.location_id.in_(who.readable()))
    return paged(db_session(), query, Alert.id, serializers.alert)


@bp.get("/alerts/<int:item_id>")
def alerts_get(item_id: int) -> Response:
    alert = db_session().get(Alert, item_id)
    if alert is None or not principal().can_read(alert.location_id):
        raise NotFound(f"alert {item_id} does not exist")
    # With its receipts: targeted, delivered, acknowledged and who has not acknowledged.
    return jsonify(serializers.alert(alert) | receipts.report(db_session(), alert))


@bp.post("/alerts")
def alerts_create() -> tuple[Response, int]:
    session = db_session()
    alert = alerts.send(session, principal(), parse(AlertIn).model_dump())
    session.commit()
    alerts.publish_sent(notifier(), alert)
    return jsonify(serializers.alert(alert)), 201


@bp.post("/alerts/<int:item_id>/clear")
def alerts_clear(item_id: int) -> Response:
    session = db_session()
    alert = alerts.clear(session, principal(), item_id)
    session.commit()
    alerts.publish_cleared(notifier(), alert)
    return jsonify(serializers.alert(alert))


CAP_TYPES = ("application/xml", "text/xml", "application/cap+xml")


@bp.post("/cap")
def cap_ingest() -> tuple[Response, int]:
    """A CAP 1.2 alert from an alerting system: shown, updated or cancelled at once."""
    if request.mimetype not in CAP_TYPES:
        raise BadRequest(f"send the CAP document as XML (Content-Type: {CAP_TYPES[0]})")
    if (request.content_length or 0) > cap.MAX_DOCUMENT_BYTES:
        raise BadRequest(f"a CAP document is at most {cap.MAX_DOCUMENT_BYTES // 1024} KB")
    settings = current_app.config["SIGNAGE"]
    session = db_session()
    outcome = ingest.ingest(
        session,
        principal(),
        request.get_data(cache=False),
        settings.cap_areas,
        settings.language,
        utcnow(),
    )
    session.commit()
    for alert in outcome.cleared:
        alerts.publish_cleared(notifier(), alert)
    if outcome.sent is not None and outcome.action != "unchanged":
        alerts.publish_sent(notifier(), outcome.sent)
    body = {
        "status": outcome.action,
        "reason": outcome.reason or None,
        "alert": serializers.alert(outcome.sent) if outcome.sent is not None else None,
        "cleared": [alert.id for alert in outcome.cleared],
    }
    return jsonify(body), 201 if outcome.action in ("created", "updated") else 200


feeds = Blueprint("feeds", __name__)


@feeds.get("/cap.xml")
def cap_feed() -> Response:
    """The active alerts that reach public screens, as CAP 1.2 in an Atom feed."""
    settings = current_app.config["SIGNAGE"]
    now = utcnow()
    published = ingest.public_alerts(db_session(), now, settings.language)
    document = cap.render_feed(published, request.host, request.url, now)
    response = Response(document, mimetype="application/atom+xml")
    response.headers["Cache-Control"] = "public, max-age=30"
    return response
