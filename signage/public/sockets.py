"""The `/public` Socket.IO namespace: public pages hear that what they show may have
changed. Anyone may connect, to the rooms of one public location's page; nothing but a
bare `refresh` is ever sent here, and the page fetches its public view again."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_socketio import ConnectionRefusedError, join_room

from signage.public.views import public_views
from signage.realtime import PUBLIC_NAMESPACE, socketio
from signage.web import database

MAX_SLUG_CHARS = 80


@socketio.on("connect", namespace=PUBLIC_NAMESPACE)
def connect(auth: Any = None) -> None:
    slug = auth.get("location") if isinstance(auth, dict) else None
    if not isinstance(slug, str) or not 0 < len(slug) <= MAX_SLUG_CHARS:
        raise ConnectionRefusedError("name a public location: auth {location: slug}")
    with database().sessions() as session:
        rooms = public_views().rooms(session, slug, current_app.config["SIGNAGE"].timezone)
    if rooms is None:
        raise ConnectionRefusedError("not_found")  # internal or missing: the same answer
    for room in rooms:
        join_room(room)
