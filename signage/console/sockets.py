"""The `/console` Socket.IO namespace: live events for signed-in staff.

A browser joins the room of every location its user may read, so upload progress and
(later) display status and alert receipts reach exactly the people who may see them.
"""

from __future__ import annotations

from typing import Any

from flask_socketio import ConnectionRefusedError, join_room

from signage.realtime import CONSOLE_NAMESPACE, location_room, socketio
from signage.web import current_principal


@socketio.on("connect", namespace=CONSOLE_NAMESPACE)
def connect(_auth: Any = None) -> None:
    principal = current_principal()
    if principal is None or principal.user_id is None:
        raise ConnectionRefusedError("sign in to the console first")
    for location_id in sorted(principal.readable()):
        join_room(location_room(location_id))
