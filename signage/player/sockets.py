"""The `/player` Socket.IO namespace: kiosks connect with their device token.

A kiosk joins the rooms that alerts and commands reach it through (its display, its
token, its location chain, its groups, all). On every (re)connect it gets the stored
manifest version and the active alerts; nothing is recomputed. Every event from a kiosk
is untrusted: malformed ones are refused with a reason and logged.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import request
from flask_socketio import ConnectionRefusedError, emit, join_room
from sqlalchemy.exc import OperationalError

from signage.accounts.security import hash_token
from signage.alerts import services as alerts
from signage.db import utcnow
from signage.errors import SignageError
from signage.realtime import (
    PLAYER_NAMESPACE,
    display_room,
    group_room,
    location_room,
    socketio,
    token_room,
)
from signage.schemas import MAX_ID
from signage.screens import devices
from signage.web import (
    accept_plays,
    database,
    flush_heartbeats,
    flush_receipts,
    heartbeats,
    receipts,
)

log = logging.getLogger(__name__)
MAX_TOKEN_CHARS = 200
# sid → display id, for this process's connections.
CONNECTED: dict[str, int] = {}


def refuse(reason: str) -> dict[str, str]:
    log.warning("refused a kiosk event from %s: %s", request.sid, reason)  # type: ignore[attr-defined]
    return {"error": reason}


@socketio.on("connect", namespace=PLAYER_NAMESPACE)
def connect(auth: Any = None) -> None:
    token = auth.get("token") if isinstance(auth, dict) else None
    if not isinstance(token, str) or not 0 < len(token) <= MAX_TOKEN_CHARS:
        raise ConnectionRefusedError("unauthorized")
    token_hash = hash_token(token)
    try:
        with database().sessions() as session:
            reach = devices.kiosk_reach(session, token_hash)
            if reach is None:
                revoked = devices.is_revoked(session, token)
                raise ConnectionRefusedError("token_revoked" if revoked else "unauthorized")
            active = alerts.active_for(
                session, reach.display_id, reach.chain, reach.groups, utcnow()
            )
    except OperationalError as exc:
        # The database is briefly away: the kiosk keeps its token and tries again later.
        log.warning("database unavailable for a kiosk's connect: %s", exc)
        raise ConnectionRefusedError("unavailable") from exc
    display_id, chain, groups, version = (
        reach.display_id,
        reach.chain,
        reach.groups,
        reach.manifest_version,
    )
    CONNECTED[request.sid] = display_id  # type: ignore[attr-defined]
    for room in (
        display_room(display_id),
        token_room(token_hash),
        alerts.ALL_ROOM,
        *(location_room(location) for location in chain),
        *(group_room(group) for group in sorted(groups)),
    ):
        join_room(room)
    # This kiosk is connected here: its catch-up is not sent round the message queue (a
    # fleet reconnecting to a scaled deployment would put every one through Redis).
    if version is not None:
        emit("manifest", {"version": version}, ignore_queue=True)
    now = utcnow()
    for alert in active:
        emit("alert", alert, ignore_queue=True)
        receipts().record(alert["id"], display_id, now, shown=False)


@socketio.on("disconnect", namespace=PLAYER_NAMESPACE)
def disconnect(*_: Any) -> None:
    CONNECTED.pop(request.sid, None)  # type: ignore[attr-defined]


def connected_display() -> int | None:
    return CONNECTED.get(request.sid)  # type: ignore[attr-defined]


@socketio.on("heartbeat", namespace=PLAYER_NAMESPACE)
def heartbeat(payload: Any = None) -> dict[str, str] | None:
    display_id = connected_display()
    if display_id is None:
        return refuse("not connected as a display")
    try:
        beat = devices.parse_heartbeat(payload)
    except ValueError as exc:
        return refuse(str(exc))
    heartbeats().record(display_id, beat, utcnow())
    flush_heartbeats()
    return None


@socketio.on("ack", namespace=PLAYER_NAMESPACE)
def ack(payload: Any = None) -> dict[str, str] | None:
    """The alert is on this kiosk's screen: delivered and acknowledged, written in the
    next batch."""
    display_id = connected_display()
    alert_id = payload.get("alert_id") if isinstance(payload, dict) else None
    if display_id is None or type(alert_id) is not int or not 0 < alert_id <= MAX_ID:
        return refuse('ack takes {"alert_id": <id>}')
    if not receipts().knows(database(), alert_id):
        return refuse(f"there is no alert {alert_id}")
    receipts().record(alert_id, display_id, utcnow(), shown=True)
    flush_receipts()
    return None


@socketio.on("plays", namespace=PLAYER_NAMESPACE)
def plays(payload: Any = None) -> dict[str, Any]:
    """`{accepted, refused: [{index, id, reason}]}`, with `error` when any was refused;
    the good plays of a batch are taken either way."""
    display_id = connected_display()
    if display_id is None:
        return refuse("not connected as a display")
    try:
        intake = accept_plays(payload, display_id)
    except SignageError as exc:
        return refuse(exc.message)
    if intake.refused:
        return refuse(intake.summary()) | intake.to_json()
    return intake.to_json()


@socketio.on("*", namespace=PLAYER_NAMESPACE)
def unknown(event: Any, *_: Any) -> dict[str, str]:
    return refuse(f"unknown event {str(event)[:40]!r}")
