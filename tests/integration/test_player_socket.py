"""The /player Socket.IO namespace against a running `signage serve`, with the real
python-socketio client: device-token auth, what a (re)connect brings, live alerts,
commands and revocation, and hostile events refused while others are served."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
import socketio
from sqlalchemy import select

from signage.accounts.services import system_principal
from signage.content.models import Slide
from signage.db import utcnow
from signage.screens.models import Display, Location
from signage.screens.services import DisplayService
from tests.databases import instance_database, instance_rows
from tests.processes import demo_instance, running, signage

pytestmark = pytest.mark.slow
WAIT_S = 15
PASSWORD = "correct horse battery staple"


@dataclass
class Server:
    base: str
    token: str  # the Foyer display's device token
    revoked: str  # a token the Foyer display had before
    display_id: int
    api_token: str  # a communicator's API token
    log: Path
    instance: Path
    played: tuple[int, int] | None = None  # a slide and its live revision, for plays

    def stored_plays(self, display_id: int) -> list[str]:
        rows = instance_rows(
            self.instance,
            "SELECT client_id FROM play_events WHERE display_id = :display ORDER BY client_id",
            display=display_id,
        )
        return [row[0] for row in rows]

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.api_token}"}
        return requests.request(
            method, f"{self.base}/api/v1/{path}", headers=headers, timeout=10, **kwargs
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    root = tmp_path_factory.mktemp("socket")
    instance = root / "instance"
    demo_instance(instance)
    email = "kommunikation@gladsaxe.dk"
    role = ("--role", "communicator", "--password", PASSWORD)
    assert signage(instance, "user", "add", email, *role).returncode == 0
    api_token = signage(instance, "token", "add", email).stdout.strip()
    database = instance_database(instance)
    with database.transaction() as session:
        foyer = session.scalar(
            select(Display)
            .join(Location)
            .where(Location.slug == "raadhuset", Display.name == "Foyer")
        )
        assert foyer is not None
        service, admin = DisplayService(), system_principal(session)
        revoked = service.issue_token(session, admin, foyer)
        token = service.issue_token(session, admin, foyer)
        display_id = foyer.id
        slide = session.scalar(select(Slide).where(Slide.live_revision_id.is_not(None)))
        assert slide is not None
        played = (slide.id, slide.live_revision_id)
    database.dispose()
    with running(instance, root, "serve") as (base, log):
        yield Server(base, token, revoked, display_id, api_token, log, instance, played)


@dataclass
class Kiosk:
    """A python-socketio client that records what the server sends it."""

    client: socketio.Client
    received: list[tuple[str, Any]] = field(default_factory=list)
    refused: list[Any] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, event: str, predicate: Any = None, timeout: float = WAIT_S) -> Any:
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for name, data in self.received:
                    if name == event and (predicate is None or predicate(data)):
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event!r} within {timeout} s; got {self.received}")
                self.arrived.wait(left)


def kiosk(server: Server, token: str | None) -> Kiosk:
    found = Kiosk(socketio.Client(reconnection=False))

    def record(event: str) -> Any:
        def handler(data: Any = None) -> None:
            with found.arrived:
                found.received.append((event, data))
                found.arrived.notify_all()

        return handler

    for event in ("manifest", "alert", "alert_cleared", "command", "token_revoked"):
        found.client.on(event, record(event), namespace="/player")
    found.client.on("connect_error", found.refused.append, namespace="/player")
    auth = {"token": token} if token is not None else None
    found.client.connect(
        server.base, namespaces=["/player"], transports=["websocket"], auth=auth, wait_timeout=10
    )
    return found


@pytest.fixture
def connected(server: Server) -> Iterator[Kiosk]:
    found = kiosk(server, server.token)
    yield found
    found.client.disconnect()


def manifest_version(server: Server) -> str:
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline:
        response = requests.get(
            f"{server.base}/player/api/manifest",
            headers={"Authorization": f"Bearer {server.token}"},
            timeout=10,
        )
        if response.ok:
            return str(response.json()["version"])
        time.sleep(0.2)
    raise AssertionError("no manifest")


@pytest.mark.parametrize(
    ("token", "reason"),
    [(None, "unauthorized"), ("not-a-token", "unauthorized"), ("x" * 500, "unauthorized")],
)
def test_missing_and_wrong_tokens_are_refused(
    server: Server, token: str | None, reason: str
) -> None:
    assert refusal(server, token) == {"message": reason}


def test_a_revoked_token_is_refused_as_revoked(server: Server) -> None:
    assert refusal(server, server.revoked) == {"message": "token_revoked"}


def refusal(server: Server, token: str | None) -> Any:
    """Why the server refused a connection with `token`, as the kiosk hears it."""
    found = Kiosk(socketio.Client(reconnection=False))
    found.client.on("connect_error", found.refused.append, namespace="/player")
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            found.client.connect(
                server.base,
                namespaces=["/player"],
                transports=["websocket"],
                auth={"token": token} if token is not None else None,
                wait_timeout=10,
            )
    finally:
        found.client.disconnect()
    assert len(found.refused) == 1
    return found.refused[0]


def test_a_connect_brings_the_stored_manifest_version_and_active_alerts(server: Server) -> None:
    version = manifest_version(server)
    sent = server.api(
        "POST",
        "alerts",
        json={"title": "Vandskade", "severity": "warning", "targets": {"all": True}},
    ).json()
    try:
        found = kiosk(server, server.token)
        try:
            assert found.wait_for("manifest") == {"version": version}
            alert = found.wait_for("alert", lambda a: a["id"] == sent["id"])
            assert (alert["title"], alert["severity"]) == ("Vandskade", "warning")
        finally:
            found.client.disconnect()
    finally:
        server.api("POST", f"alerts/{sent['id']}/clear")


def test_an_alert_arrives_at_once_is_acknowledged_and_clears(
    server: Server, connected: Kiosk
) -> None:
    sent = server.api(
        "POST",
        "alerts",
        json={"title": "Brand i kælderen", "severity": "critical", "targets": {"all": True}},
    )
    assert sent.status_code == 201, sent.text
    alert_id = sent.json()["id"]

    connected.wait_for("alert", lambda a: a["id"] == alert_id)
    assert connected.client.call("ack", {"alert_id": alert_id}, namespace="/player") is None
    server.api("POST", f"alerts/{alert_id}/clear")
    connected.wait_for("alert_cleared", lambda a: a == {"id": alert_id})

    receipt = receipts(server, alert_id, lambda r: r["acknowledged"] >= 1)
    assert (receipt["delivered"], receipt["acknowledged"]) == (1, 1)


def receipts(server: Server, alert_id: int, until: Any) -> dict[str, Any]:
    """The alert's receipts once `until(receipts)` holds (they are written in batches)."""
    deadline = time.monotonic() + WAIT_S
    while True:
        found: dict[str, Any] = server.api("GET", f"alerts/{alert_id}").json()
        if until(found) or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_acknowledgements_count_once_per_display_across_repeats_and_reconnects(
    server: Server,
) -> None:
    demo_displays = server.api("GET", "displays?limit=500").json()["items"]
    sent = server.api(
        "POST", "alerts", json={"title": "Vandet er lukket", "severity": "warning",
                                "targets": {"all": True}},
    ).json()  # fmt: skip
    try:
        for _ in range(2):  # a kiosk that reconnects gets the alert again, and acks again
            found = kiosk(server, server.token)
            try:
                found.wait_for("alert", lambda a: a["id"] == sent["id"])
                for _ in range(3):
                    assert (
                        found.client.call("ack", {"alert_id": sent["id"]}, namespace="/player")
                        is None
                    )
            finally:
                found.client.disconnect()
        receipt = receipts(server, sent["id"], lambda r: r["acknowledged"] >= 1)
        assert receipt["targeted"] == len(demo_displays)
        assert (receipt["delivered"], receipt["acknowledged"]) == (1, 1)
        waiting = {d["id"] for d in receipt["not_acknowledged"]}
        assert waiting == {d["id"] for d in demo_displays} - {server.display_id}
    finally:
        server.api("POST", f"alerts/{sent['id']}/clear")


def test_commands_reach_the_kiosk(server: Server, connected: Kiosk) -> None:
    sent = server.api("POST", f"displays/{server.display_id}/commands", json={"action": "identify"})

    assert sent.status_code == 202
    assert connected.wait_for("command") == {"action": "identify", "name": "Foyer"}


def test_plays_and_heartbeats_are_taken_over_the_socket(server: Server, connected: Kiosk) -> None:
    assert server.played is not None
    slide, revision = server.played
    play = {
        "id": "socket-play-0001",
        "slide": slide,
        "revision": revision,
        "language": "da",
        "started_at": (utcnow() - timedelta(minutes=3)).isoformat(),
        "duration_ms": 8000,
    }
    beat = {
        "version": "v",
        "slide": 1,
        "player_version": "p",
        "screen": [1920, 1080],
        "clock_skew_ms": 3,
    }

    first = connected.client.call("plays", [play], namespace="/player")
    again = connected.client.call("plays", [play], namespace="/player")  # after a reconnect
    mixed = connected.client.call(
        "plays",
        [{**play, "id": "socket-play-0002"}, {**play, "id": "socket-play-0003", "duration_ms": -1}],
        namespace="/player",
    )
    answer = connected.client.call("heartbeat", beat, namespace="/player")

    assert (first, again, answer) == ({"accepted": 1, "refused": []},) * 2 + (None,)
    assert mixed["accepted"] == 1
    assert [(r["index"], r["id"]) for r in mixed["refused"]] == [(1, "socket-play-0003")]
    assert "1 of 2 plays refused" in mixed["error"]
    deadline = time.monotonic() + WAIT_S
    while server.stored_plays(server.display_id) != ["socket-play-0001", "socket-play-0002"]:
        assert time.monotonic() < deadline, server.stored_plays(server.display_id)
        time.sleep(0.2)


@pytest.mark.parametrize(
    ("event", "data", "phrase"),
    [
        ("heartbeat", {"slide": "seven"}, "slide"),
        ("heartbeat", "beat", "object"),
        ("ack", {"alert_id": "1"}, "alert_id"),
        ("ack", {"alert_id": 999_999}, "no alert"),
        ("plays", {"not": "a list"}, "JSON array"),
        ("plays", [{"id": "x"}], "1 of 1 plays refused"),
        ("plays", [{}] * 1001, "at most 1000"),
        ("self_destruct", {}, "unknown event"),
    ],
)
def test_malformed_events_are_refused_with_a_reason_and_logged(
    server: Server, connected: Kiosk, event: str, data: Any, phrase: str
) -> None:
    answer = connected.client.call(event, data, namespace="/player", timeout=10)

    assert phrase in answer["error"]
    assert connected.client.connected
    assert "refused a kiosk event" in (server.log.parent / "stderr.txt").read_text()


def test_an_oversized_message_ends_that_connection_and_no_other(
    server: Server, connected: Kiosk
) -> None:
    hostile = kiosk(server, server.token)
    raw = hostile.client.eio.ws.sock  # the client library drops it unclosed when cut off
    try:
        hostile.client.emit("heartbeat", {"version": "x" * 1_000_000}, namespace="/player")
        deadline = time.monotonic() + WAIT_S
        while hostile.client.connected and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not hostile.client.connected
    finally:
        hostile.client.disconnect()
        raw.close()
    assert connected.client.call("heartbeat", {}, namespace="/player") is None
    assert requests.get(f"{server.base}/healthz", timeout=10).ok


def test_revoking_the_token_tells_the_connected_kiosk(server: Server) -> None:
    found = kiosk(server, server.token)
    try:
        revoked = server.api("POST", f"displays/{server.display_id}/revoke")
        assert revoked.status_code == 200, revoked.text
        found.wait_for("token_revoked")
    finally:
        found.client.disconnect()
