"""The Notifier port and its Socket.IO implementation.

Services publish through a Notifier; only this module knows about Socket.IO. The
extension is created unbound and bound in the app factory.
"""

from __future__ import annotations

from typing import Any, Protocol

from flask_socketio import SocketIO

socketio = SocketIO()


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
