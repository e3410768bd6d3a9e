"""The `/console` Socket.IO namespace: live events for signed-in staff.

A browser joins the room of every location its user may read, so upload progress and
alert receipts reach exactly the people who may see them. Display changes go to every
signed-in browser as bare ids (`displays_updated`); pages re-fetch what they may see.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, join_room

from signage.realtime import CONSOLE_NAMESPACE, STAFF_ROOM, location_room, socketio
from signage.web import current_principal


@socketio.on("connect", namespace=CONSOLE_NAMESPACE)
def connect(_auth: Any = None) -> None:
    principal = current_principal()
    # A token narrowed to a scope (a scraper's, an alerting system's) is not staff.
    if principal is None or principal.user_id is None or principal.scope is not None:
        raise ConnectionRefusedError("sign in to the console first")
    join_room(STAFF_ROOM)
    for location_id in sorted(principal.readable()):
        join_room(location_room(location_id))
