"""PostgreSQL and Redis for the service tests: a fresh PostgreSQL database per test,
whichever database the rest of the suite runs on (tests/databases.py), and a Redis key
prefix per test.

Skipped with the reason when the server is absent, unless SIGNAGE_REQUIRE_SERVICES is
set (CI sets it), in which case its absence is a failure."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from tests.databases import (
    DATABASES,
    ON_POSTGRES,
    POSTGRES_ADMIN_URL,
    PostgresDatabases,
    require_or_skip,
)

__all__ = ["POSTGRES_ADMIN_URL", "postgres_url", "require_or_skip"]

POSTGRES = DATABASES if ON_POSTGRES else PostgresDatabases(POSTGRES_ADMIN_URL)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with fresh_postgres_database() as url:
        yield url


@contextmanager
def fresh_postgres_database() -> Iterator[str]:
    """A new, empty database, dropped afterwards (for fixtures of any scope)."""
    instance = Path(tempfile.mkdtemp(prefix="signage-postgres-"))
    try:
        url = POSTGRES.create(instance)
    except OperationalError as exc:
        shutil.rmtree(instance, ignore_errors=True)
        require_or_skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    try:
        yield url
    finally:
        POSTGRES.drop(instance)
        shutil.rmtree(instance, ignore_errors=True)


REDIS_URL = os.environ.get("SIGNAGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@dataclass(frozen=True)
class RedisService:
    """The test's Redis: every key and channel it makes starts with `prefix`."""

    url: str
    prefix: str


@pytest.fixture
def redis_service() -> Iterator[RedisService]:
    with redis_namespace() as service:
        yield service


@contextmanager
def redis_namespace() -> Iterator[RedisService]:
    """Redis with a key and channel prefix of its own (pub/sub channels are not
    separated by database number), and its keys removed afterwards."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        client.close()
        require_or_skip(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = f"signage-test-{uuid.uuid4().hex[:12]}"
    try:
        yield RedisService(REDIS_URL, prefix)
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
        client.close()
