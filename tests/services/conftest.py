"""PostgreSQL for the service tests: a fresh database per test, whichever database the
rest of the suite runs on (tests/databases.py).

Skipped with the reason when the server is absent, unless SIGNAGE_REQUIRE_SERVICES is
set (CI sets it), in which case its absence is a failure."""

from __future__ import annotations

from collections.abc import Iterator
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
def postgres_url(tmp_path: Path) -> Iterator[str]:
    instance = tmp_path / "postgres"
    try:
        url = POSTGRES.create(instance)
    except OperationalError as exc:
        require_or_skip(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    yield url
    POSTGRES.drop(instance)
