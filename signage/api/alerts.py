"""Alert routes of the JSON API: send, list, read, clear. Delivery is the realtime
layer's: an alert is emitted to its targets' rooms as soon as it is stored."""

from __future__ import annotations

from flask import Response, jsonify
from sqlalchemy import select

from signage.accounts.permissions import Role
from signage.alerts import services as alerts
from signage.alerts.models import Alert
from signage.alerts.schemas import AlertIn
from signage.api import serializers
from signage.api.http import paged, parse
from signage.api.views import bp, notifier, principal
from signage.errors import NotFound
from signage.web import db_session


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
    return jsonify(serializers.alert(alert))


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
