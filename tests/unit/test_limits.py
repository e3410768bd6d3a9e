"""The in-memory rate limit: counting events, and asking how long to wait without
counting (limits that count only failures ask before each attempt)."""

from __future__ import annotations

import threading

from signage.limits import MemoryLimiter


def test_events_past_the_limit_are_refused_with_the_seconds_to_wait() -> None:
    limiter = MemoryLimiter(2, 60)
    assert [limiter.hit("a"), limiter.hit("a")] == [0, 0]
    assert 0 < limiter.hit("a") <= 60
    assert limiter.hit("b") == 0, "another key has a window of its own"


def test_asking_how_long_to_wait_counts_nothing() -> None:
    limiter = MemoryLimiter(2, 60)
    assert [limiter.waiting("a") for _ in range(5)] == [0] * 5
    limiter.hit("a")
    assert limiter.waiting("a") == 0
    limiter.hit("a")
    assert 0 < limiter.waiting("a") <= 60
    assert limiter.waiting("b") == 0


def test_the_wait_ends_when_the_window_has_passed() -> None:
    limiter = MemoryLimiter(1, 0.2)
    limiter.hit("a")
    assert limiter.waiting("a") == 1  # at most a second, rounded up
    threading.Event().wait(0.3)
    assert limiter.waiting("a") == 0
