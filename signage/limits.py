"""Rate limits per client address (or account name) behind one port: windows kept in this process's
memory (the embedded default) or in Redis, where every web process counts together.

Addresses serve rate limiting only: in memory they are forgotten when idle, in Redis
they are stored as a hash that expires with its window.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import uuid
from collections import deque
from typing import TYPE_CHECKING, Protocol

from signage.cluster import client, redis_errors

if TYPE_CHECKING:
    from signage.config import Settings

log = logging.getLogger(__name__)
MAX_REMEMBERED = 10_000  # addresses kept in memory before idle ones are forgotten


class Limiter(Protocol):
    def hit(self, address: str) -> int:
        """Count one event from `address`; 0 when allowed, else the seconds to wait
        (and the event is not counted)."""
        ...

    def waiting(self, address: str) -> int:
        """The seconds until `address` may have another event (0: now), counting nothing:
        for limits that count only failures, asked before the attempt."""
        ...


class MemoryLimiter:
    """At most `limit` events per `window_s` for one address, in this process's memory."""

    def __init__(self, limit: int, window_s: float) -> None:
        self.limit, self.window_s = limit, window_s
        self._seen: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, address: str) -> int:
        return self._check(address, count=True)

    def waiting(self, address: str) -> int:
        return self._check(address, count=False)

    def _check(self, address: str, *, count: bool) -> int:
        now = time.monotonic()
        with self._lock:
            if len(self._seen) > MAX_REMEMBERED:
                self._seen = {
                    a: q for a, q in self._seen.items() if q and q[-1] > now - self.window_s
                }
            recent = self._seen.setdefault(address, deque())
            while recent and recent[0] <= now - self.window_s:
                recent.popleft()
            if len(recent) >= self.limit:
                return int(recent[-self.limit] + self.window_s - now) + 1
            if count:
                recent.append(now)
            return 0


# A sliding window in one sorted set per address, scored by Redis's own clock (web
# processes on several hosts need not agree on the time). Atomic: a script runs alone.
# With a member (ARGV[3]) an allowed event is counted; without, the wait is only asked.
SLIDING_WINDOW = """
local now = redis.call('TIME')
local ms = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)
local window, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ms - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  return tonumber(oldest[2]) + window - ms
end
if ARGV[3] then
  redis.call('ZADD', KEYS[1], ms, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window)
end
return 0
"""


class RedisLimiter:
    """The same window in Redis, shared by every process of the deployment. When Redis
    cannot be reached the event is allowed (and logged): a limit must not lock every
    kiosk out."""

    def __init__(self, url: str, key_prefix: str, limit: int, window_s: float) -> None:
        self.url, self.key_prefix = url, key_prefix
        self.limit, self.window_ms = limit, math.ceil(window_s * 1000)
        self._script = client(url).register_script(SLIDING_WINDOW)

    def hit(self, address: str) -> int:
        return self._run(address, uuid.uuid4().hex)

    def waiting(self, address: str) -> int:
        return self._run(address)

    def _run(self, address: str, *member: str) -> int:
        digest = hashlib.sha256(address.encode()).hexdigest()[:32]
        try:
            wait_ms = int(
                self._script(
                    keys=[f"{self.key_prefix}:{digest}"],
                    args=[self.window_ms, self.limit, *member],
                )
            )
        except redis_errors() as exc:
            log.warning("rate limit not checked, Redis is unreachable: %s", exc)
            return 0
        return 0 if wait_ms <= 0 else math.ceil(wait_ms / 1000)


def address_limiter(settings: Settings, name: str, limit: int, window_s: float) -> Limiter:
    """Shared through Redis when the deployment has one, else in this process."""
    if settings.redis_url:
        prefix = f"{settings.redis_prefix}:limit:{name}"
        return RedisLimiter(settings.redis_url, prefix, limit, window_s)
    return MemoryLimiter(limit, window_s)
