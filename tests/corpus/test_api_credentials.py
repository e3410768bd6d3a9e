"""Credentials that stop working: a revoked token, a deactivated user's token. Each test
on a database of its own (they change the seeded users the corpus modules share)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from signage.accounts.models import ApiToken
from signage.db import Database
from tests.conftest import Api
from tests.corpus.checks import assert_error
from tests.factories import World


@pytest.fixture
def admin(as_user: Callable[[str], Api]) -> Api:
    return as_user("admin")


def test_a_revoked_token_is_a_401_while_others_keep_working(
    admin: Api, as_user: Callable[[str], Api], world: World, database: Database
) -> None:
    editor = as_user("editor")
    assert editor.get("slides").status_code == 200
    with database.transaction() as session:
        for token in session.scalars(
            select(ApiToken).where(ApiToken.user_id == world.users["editor"])
        ):
            token.revoked_at = datetime.now(UTC)
    error = assert_error(editor.get("slides"), 401)
    assert "revoked" in error["message"]
    assert_error(
        editor.post("slides", json={"title": "x", "location_id": world.locations["bibliotek"]}), 401
    )
    assert admin.get("slides").status_code == 200


def test_the_token_of_a_deactivated_user_is_a_401(
    admin: Api, as_user: Callable[[str], Api], world: World
) -> None:
    editor = as_user("editor")
    assert admin.patch(f"users/{world.users['editor']}", json={"active": False}).status_code == 200
    assert_error(editor.get("slides"), 401)
