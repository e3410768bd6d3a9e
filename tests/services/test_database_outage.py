"""PostgreSQL going away for a moment: a served process reaches its database through a
TCP proxy the test stops (open connections cut, new ones refused) and starts again.
Kiosks get 503 with Retry-After meanwhile, never a 401 or a revoked token, and play on
with the same token once the database is back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from signage.db import Database
from signage.migrate import upgrade
from tests import processes
from tests.factories import World, build_world
from tests.faults import TcpProxy, call


@pytest.fixture
def through_proxy(postgres_url: str) -> Iterator[tuple[str, TcpProxy, World]]:
    """A migrated, seeded database and a proxy to it: (the address through the proxy,
    the proxy, the seeded world)."""
    database = Database(postgres_url)
    try:
        upgrade(database.engine)
        world = build_world(database)
    finally:
        database.dispose()
    url = make_url(postgres_url)
    proxy = TcpProxy((url.host or "127.0.0.1", url.port or 5432))
    proxy.start()
    try:
        yield url.set(port=proxy.port).render_as_string(hide_password=False), proxy, world
    finally:
        proxy.stop()


def socket_refusal(base: str, token: str) -> Any:
    """Why the server refused a kiosk's socket, as the kiosk hears it."""
    import socketio

    client = socketio.Client(reconnection=False)
    refused: list[Any] = []
    client.on("connect_error", refused.append, namespace="/player")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            client.connect(
                base,
                namespaces=["/player"],
                transports=["websocket"],
                auth={"token": token},
                wait_timeout=10,
            )
    finally:
        client.disconnect()
    assert len(refused) == 1
    return refused[0]


def test_kiosks_get_503_with_retry_after_while_postgres_is_away_and_play_on_after(
    through_proxy: tuple[str, TcpProxy, World], postgres_url: str, tmp_path: Path
) -> None:
    proxied, proxy, world = through_proxy
    env = {"SIGNAGE_DATABASE_URL": proxied, "SIGNAGE_RUN_JOBS": "0"}
    with processes.running(tmp_path / "instance", tmp_path, "serve", env=env) as (base, _log):
        issued = call(
            base, "POST", f"/api/v1/displays/{world.displays['bibliotek']}/token", {},
            token=world.tokens["manager"],
        )  # fmt: skip
        assert issued.status in (200, 201), issued.body
        token = issued.json()["token"]
        assert call(base, "GET", "/player/api/manifest", token=token).status == 200

        proxy.stop()
        beat: dict[str, Any] = {"version": "abc", "slide": 7, "player_version": "p1"}
        for method, path, body in (
            ("GET", "/player/api/manifest", None),
            ("POST", "/player/api/heartbeat", beat),
            ("POST", "/player/api/plays", []),
            ("GET", "/player/api/alerts", None),
        ):
            answer = call(base, method, path, body, token=token)
            assert answer.status == 503, (path, answer.status, answer.body)
            assert int(answer.headers["Retry-After"]) > 0
            assert answer.json()["error"]["code"] == "database_unavailable"
        # A kiosk's socket is refused as "unavailable", which keeps its token.
        assert socket_refusal(base, token) == {"message": "unavailable"}
        # An API client is not told its token is bad either.
        api = call(base, "GET", "/api/v1/me", token=world.tokens["admin"])
        assert api.status == 503
        assert call(base, "GET", "/readyz").status == 503

        proxy.start()  # the database is back, on the same address
        again = call(base, "GET", "/player/api/manifest", token=token)
        assert again.status == 200, again.body
        assert call(base, "POST", "/player/api/heartbeat", beat, token=token).status == 204
        assert call(base, "GET", "/api/v1/me", token=world.tokens["admin"]).status == 200
    database = Database(postgres_url)
    try:
        with database.engine.connect() as connection:
            revoked = connection.execute(text("SELECT COUNT(*) FROM revoked_tokens")).scalar()
    finally:
        database.dispose()
    assert revoked == 0
