"""The Notifier port and its Socket.IO implementation.

Services publish through a Notifier; only this module knows about Socket.IO. The
extension is created unbound and bound in the app factory.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any, Protocol, TextIO

from flask_socketio import SocketIO

socketio = SocketIO()
log = logging.getLogger(__name__)


class Notifier(Protocol):
    def emit(self, event: str, payload: Any, room: str, namespace: str) -> None: ...


class SocketIONotifier:
    def emit(self, event: str, payload: Any, room: str, namespace: str) -> None:
        socketio.emit(event, payload, to=room, namespace=namespace)


class RecordingNotifier:
    """The in-memory twin for unit tests: remembers what would have been sent."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, Any, str, str]] = []

    def emit(self, event: str, payload: Any, room: str, namespace: str) -> None:
        self.sent.append((event, payload, room, namespace))


PLAYER_NAMESPACE = "/player"
CONSOLE_NAMESPACE = "/console"
# Anyone reading a public page: told only *that* something changed, never what, and the
# page fetches its public view again (`signage.public`).
PUBLIC_NAMESPACE = "/public"
PUBLIC_REFRESH = "refresh"


# In /console: every signed-in staff browser. It hears only display ids; what a page
# then fetches about a display is checked against the user's grants.
STAFF_ROOM = "staff"


def displays_updated(notifier: Notifier, display_ids: Iterable[int]) -> None:
    """Tell console pages that these displays changed (status, or what they show)."""
    ids = sorted(set(display_ids))
    if ids:
        notifier.emit("displays_updated", {"ids": ids}, STAFF_ROOM, CONSOLE_NAMESPACE)


def display_room(display_id: int) -> str:
    return f"display:{display_id}"


def location_room(location_id: int) -> str:
    """In /console: browsers of staff who may read the location. In /player: kiosks at
    the location or anywhere below it."""
    return f"location:{location_id}"


def group_room(group_id: int) -> str:
    return f"group:{group_id}"


def token_room(token_hash: str) -> str:
    """The kiosks connected with one device token: told when it is revoked."""
    return f"token:{token_hash[:16]}"


def manifest_publisher(notifier: Notifier) -> Callable[[int, str], None]:
    """The one function propagation publishes through: a new manifest version."""

    def publish(display_id: int, version: str) -> None:
        notifier.emit("manifest", {"version": version}, display_room(display_id), PLAYER_NAMESPACE)
        displays_updated(notifier, (display_id,))

    return publish


def public_content_room(location_id: int) -> str:
    """In /public: pages of the location, told when a display at or below it got a new
    manifest (its alerts reach the pages through the alert rooms, as in /player)."""
    return f"content:{location_id}"


def public_pages_publisher(notifier: Notifier) -> Callable[[Iterable[int]], None]:
    """What propagation tells public pages after rebuilding manifests: the locations
    whose pages may cover the rebuilt displays (each one's location chain)."""

    def publish(location_ids: Iterable[int]) -> None:
        for location_id in sorted(set(location_ids)):
            notifier.emit(PUBLIC_REFRESH, {}, public_content_room(location_id), PUBLIC_NAMESPACE)

    return publish


class ExternalNotifier:
    """Emits from a process that serves no sockets (`signage scheduler`), through the
    Redis message queue the web processes listen on."""

    def __init__(self, redis_url: str, channel: str) -> None:
        self.socketio = SocketIO(message_queue=redis_url, channel=channel)

    def emit(self, event: str, payload: Any, room: str, namespace: str) -> None:
        self.socketio.emit(event, payload, to=room, namespace=namespace)


class PipeNotifier:
    """Writes each emit as a JSON line: the jobs' worker process tells the server it
    belongs to, which relays the events onto its own sockets."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def emit(self, event: str, payload: Any, room: str, namespace: str) -> None:
        line = json.dumps(
            {"event": event, "payload": payload, "room": room, "namespace": namespace}
        )
        self.stream.write(line + "\n")
        self.stream.flush()


def relay(lines: Iterable[str], notifier: Notifier) -> None:
    """Emit every event a PipeNotifier wrote; lines that are not events are skipped."""
    for line in lines:
        try:
            message = json.loads(line)
            notifier.emit(
                message["event"], message["payload"], message["room"], message["namespace"]
            )
        except (ValueError, KeyError, TypeError):
            log.warning("ignored a line from the jobs worker: %.200s", line)
