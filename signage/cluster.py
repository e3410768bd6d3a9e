"""What the processes of a scaled deployment share through Redis: the name of the
Socket.IO channel, and the propagator's wake-up after a commit that appended to the
change log.

Nothing connects at import time, and `redis` (the `redis` extra) is imported only when a
Redis URL is configured. A lost wake-up costs latency, never correctness: the propagator
also polls, slowly.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import redis

    from signage.config import Settings

log = logging.getLogger(__name__)
REDIS_TIMEOUT_S = 2.0  # a Redis that does not answer must not hold a request for long
RESUBSCRIBE_AFTER_S = 2.0

_clients: dict[str, redis.Redis] = {}
_clients_lock = threading.Lock()


def client(url: str) -> redis.Redis:
    """This process's client for `url`; its connection pool serves every thread."""
    import redis

    with _clients_lock:
        found = _clients.get(url)
        if found is None:
            found = _clients[url] = redis.Redis.from_url(
                url,
                socket_timeout=REDIS_TIMEOUT_S,
                socket_connect_timeout=REDIS_TIMEOUT_S,
                health_check_interval=30,
            )
        return found


def redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def socketio_channel(prefix: str) -> str:
    """Flask-SocketIO's message queue: every process emits and listens here."""
    return f"{prefix}:socketio"


def changes_channel(prefix: str) -> str:
    """A message here means: the change log has grown, propagate now."""
    return f"{prefix}:changes"


def change_signal(settings: Settings) -> Callable[[], None] | None:
    """What a process calls after committing changes (None without Redis, where the
    propagator runs beside the server and polls every second)."""
    if not settings.redis_url:
        return None
    url, channel = settings.redis_url, changes_channel(settings.redis_prefix)

    def signal() -> None:
        try:
            client(url).publish(channel, b"1")
        except redis_errors() as exc:
            log.warning("could not wake the propagator through Redis (it polls): %s", exc)

    return signal


class Wakeups:
    """The propagator's side of the signal: wait until some process has committed
    changes, or until the timeout (the poll that makes up for a lost message)."""

    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self._pubsub: Any = None

    def subscribe(self) -> None:
        """Listen from now on (before the first run, so no commit falls between)."""
        try:
            self._subscribed()
        except redis_errors() as exc:
            log.warning("cannot listen for changes on Redis (polling): %s", exc)
            self.close()

    def wait(self, timeout_s: float) -> bool:
        """True when woken by a signal; every signal already waiting is used up too."""
        deadline = time.monotonic() + timeout_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                pubsub = self._subscribed()
                message = pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
                if message is not None:
                    while pubsub.get_message(ignore_subscribe_messages=True, timeout=0):
                        pass
                    return True
            except redis_errors() as exc:
                log.warning("lost the change signal from Redis (polling meanwhile): %s", exc)
                self.close()
                time.sleep(max(0.0, min(left, RESUBSCRIBE_AFTER_S)))
        return False

    def _subscribed(self) -> Any:
        if self._pubsub is None:
            pubsub = client(self.url).pubsub()
            pubsub.subscribe(self.channel)
            self._pubsub = pubsub
        return self._pubsub

    def close(self) -> None:
        if self._pubsub is not None:
            pubsub, self._pubsub = self._pubsub, None
            try:
                pubsub.close()
            except redis_errors():
                log.debug("closing a broken subscription failed", exc_info=True)
