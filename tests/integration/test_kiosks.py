"""Kiosks over HTTP: pairing by code, tokens revoked, heartbeats, plays and alerts."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from signage.alerts.models import Alert
from signage.db import Database, utcnow
from signage.reports.models import PlayEvent
from signage.screens import devices
from signage.screens.models import Display, Pairing
from tests.factories import PASSWORD, World


def register(client: FlaskClient) -> dict[str, Any]:
    response = client.post("/player/api/register", json={})
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def claim(client: FlaskClient, secret: str) -> Any:
    return client.post("/player/api/claim", json={"claim_secret": secret})


def device(client: FlaskClient, token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def paired(client: FlaskClient, as_user: Any, world: World) -> tuple[int, str]:
    """A kiosk paired as a new display at the library: (display id, device token)."""
    kiosk = register(client)
    created = as_user("manager").post(
        "displays/pair",
        {"code": kiosk["code"], "name": "Udlån", "location_id": world.locations["bibliotek"]},
    )
    assert created.status_code == 201, created.get_json()
    answer = claim(client, kiosk["claim_secret"]).get_json()
    return answer["display_id"], answer["token"]


def test_a_kiosk_shows_a_code_waits_and_gets_its_token_once_paired(
    client: FlaskClient, as_user: Any, world: World
) -> None:
    kiosk = register(client)

    assert len(kiosk["code"]) == 8
    assert set(kiosk["code"]) <= set(devices.CODE_ALPHABET)
    assert not set(kiosk["code"]) & set("01IOL58BS")
    assert claim(client, kiosk["claim_secret"]).status_code == 202

    paired = as_user("manager").post(
        "displays/pair",
        {
            "code": kiosk["code"].lower(),
            "name": "Udlån",
            "location_id": world.locations["bibliotek"],
        },
    )
    answer = claim(client, kiosk["claim_secret"])

    assert paired.status_code == 201
    assert paired.get_json()["name"] == "Udlån"
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["display_id"] == paired.get_json()["id"]
    manifest = client.get("/player/api/manifest", headers=device(client, body["token"]))
    assert manifest.status_code == 200
    assert manifest.get_json()["display"] == body["display_id"]
    assert claim(client, kiosk["claim_secret"]).status_code == 410  # the token is given once


def test_a_code_can_pair_an_existing_display_and_is_used_up(
    client: FlaskClient, as_user: Any, world: World
) -> None:
    kiosk = register(client)
    manager = as_user("manager")
    existing = world.displays["bibliotek"]

    first = manager.post("displays/pair", {"code": kiosk["code"], "display_id": existing})
    again = manager.post("displays/pair", {"code": kiosk["code"], "display_id": existing})

    assert first.status_code == 200
    assert first.get_json()["id"] == existing
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "status", "phrase"),
    [
        ({"code": "ZZZZZZZZ", "display_id": 1}, 404, "no kiosk shows this code"),
        ({"code": "ABC", "display_id": 1}, 422, "code"),
        ({"code": "ACDEFGHJ"}, 422, "either display_id, or name and location_id"),
        (
            {"code": "ACDEFGHJ", "display_id": 1, "name": "x", "location_id": 1},
            422,
            "either display_id",
        ),
    ],
)
def test_pairing_mistakes_are_explained(
    as_user: Any, body: dict[str, Any], status: int, phrase: str
) -> None:
    response = as_user("manager").post("displays/pair", body)

    assert response.status_code == status
    assert phrase in response.get_json()["error"]["message"]


def test_pairing_needs_a_facility_manager_where_the_display_goes(
    client: FlaskClient, as_user: Any, world: World
) -> None:
    kiosk = register(client)

    elsewhere = as_user("other_manager").post(
        "displays/pair",
        {"code": kiosk["code"], "name": "Udlån", "location_id": world.locations["bibliotek"]},
    )
    editor = as_user("editor").post(
        "displays/pair",
        {"code": kiosk["code"], "name": "Udlån", "location_id": world.locations["bibliotek"]},
    )

    assert elsewhere.status_code == 403
    assert editor.status_code == 403
    assert claim(client, kiosk["claim_secret"]).status_code == 202  # still waiting


def test_an_expired_code_can_no_longer_be_paired_or_claimed(
    client: FlaskClient, as_user: Any, world: World, database: Database
) -> None:
    kiosk = register(client)
    with database.transaction() as session:
        pairing = session.scalar(select(Pairing).where(Pairing.code == kiosk["code"]))
        assert pairing is not None
        pairing.expires_at = utcnow() - timedelta(seconds=1)

    paired = as_user("manager").post(
        "displays/pair",
        {"code": kiosk["code"], "name": "Udlån", "location_id": world.locations["bibliotek"]},
    )

    assert paired.status_code == 404
    assert claim(client, kiosk["claim_secret"]).status_code == 410
    assert claim(client, "not-a-secret-we-gave").status_code == 404


def test_registration_is_rate_limited_per_address(client: FlaskClient) -> None:
    answers = [
        client.post("/player/api/register", json={}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
        for _ in range(devices.REGISTRATIONS_PER_WINDOW + 1)
    ]
    other = client.post("/player/api/register", json={}, environ_base={"REMOTE_ADDR": "10.0.0.8"})

    assert [a.status_code for a in answers[:-1]] == [201] * devices.REGISTRATIONS_PER_WINDOW
    assert answers[-1].status_code == 429
    assert int(answers[-1].headers["Retry-After"]) > 0
    assert answers[-1].get_json()["error"]["code"] == "rate_limited"
    assert other.status_code == 201


def test_a_revoked_token_is_told_so_and_a_rotated_one_too(
    client: FlaskClient, as_user: Any, paired: tuple[int, str]
) -> None:
    display_id, token = paired
    manager = as_user("manager")

    rotated = manager.post(f"displays/{display_id}/token").get_json()["token"]
    old = client.get("/player/api/manifest", headers=device(client, token))
    assert old.status_code == 401
    assert old.get_json()["error"]["code"] == "token_revoked"

    assert manager.post(f"displays/{display_id}/revoke").get_json()["paired"] is False
    new = client.get("/player/api/alerts", headers=device(client, rotated))
    assert new.status_code == 401
    assert new.get_json()["error"]["code"] == "token_revoked"
    unknown = client.get("/player/api/alerts", headers=device(client, "never-issued"))
    assert unknown.get_json()["error"]["code"] == "unauthorized"


def test_heartbeats_are_written_in_batches(
    app: Flask, client: FlaskClient, paired: tuple[int, str], database: Database
) -> None:
    display_id, token = paired
    beat = {
        "version": "abc",
        "slide": 7,
        "player_version": "p1",
        "screen": [1920, 1080],
        "clock_skew_ms": -250,
    }
    headers = device(client, token)

    def stored() -> Display:
        with database.sessions() as session:
            found = session.get(Display, display_id)
            assert found is not None
            return found

    assert client.post("/player/api/heartbeat", json=beat, headers=headers).status_code == 204
    first = stored()  # the first of a quiet spell is written at once
    client.post("/player/api/heartbeat", json={**beat, "slide": 8}, headers=headers)
    assert stored().showing == {"slide": 7, "manifest": "abc"}  # the next waits for the batch
    with database.transaction() as session:
        assert app.extensions["signage.heartbeats"].flush(session) == [display_id]

    assert first.online is True
    assert first.last_seen_at is not None
    assert (first.player_version, first.clock_skew_ms) == ("p1", -250)
    assert first.screen == {"width": 1920, "height": 1080}
    assert stored().showing == {"slide": 8, "manifest": "abc"}


@pytest.mark.parametrize(
    "beat",
    [
        [],
        {"slide": "7"},
        {"slide": True},
        {"screen": [1920]},
        {"screen": [0, 1080]},
        {"clock_skew_ms": 10**15},
        {"player_version": "x" * 41},  # longer than its column: PostgreSQL would refuse it
        {"version": "x" * 65},
        {"mood": "fine"},
    ],
)
def test_malformed_heartbeats_are_refused(
    client: FlaskClient, paired: tuple[int, str], beat: Any
) -> None:
    response = client.post("/player/api/heartbeat", json=beat, headers=device(client, paired[1]))

    assert response.status_code in (400, 422)
    assert "heartbeat" in response.get_json()["error"]["message"] or response.status_code == 400


def play(client_id: str, slide: int = 1, revision: int = 1) -> dict[str, Any]:
    return {
        "id": client_id,
        "slide": slide,
        "revision": revision,
        "language": "da",
        "started_at": "2026-11-26T09:00:00+01:00",
        "duration_ms": 10_000,
    }


@pytest.mark.parametrize(
    "body",
    [
        {"id": "x"},
        [{"id": "short"}],
        [{**play("kiosk-play-0003"), "started_at": "2026-11-26T09:00:00"}],
        [{**play("kiosk-play-0004"), "duration_ms": -1}],
        [play("kiosk-play-0005")] * 1001,
    ],
)
def test_malformed_plays_are_refused_and_none_stored(
    client: FlaskClient, paired: tuple[int, str], database: Database, body: Any
) -> None:
    response = client.post("/player/api/plays", json=body, headers=device(client, paired[1]))

    assert response.status_code in (400, 413, 422)  # more in tests/integration/test_plays.py
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(PlayEvent)) == 0


def test_a_kiosk_reads_the_alerts_that_reach_it(
    client: FlaskClient, as_user: Any, world: World, paired: tuple[int, str]
) -> None:
    _, token = paired
    communicator = as_user("communicator")
    everywhere = communicator.post(
        "alerts", {"title": "Strømsvigt", "severity": "critical", "targets": {"all": True}}
    ).get_json()
    elsewhere = communicator.post(
        "alerts",
        {
            "title": "Vandskade",
            "severity": "warning",
            "targets": {"location_ids": [world.locations["plejehjem"]]},
        },
    ).get_json()
    here = as_user("manager").post(
        "alerts",
        {
            "title": "Lukket kl. 14",
            "severity": "info",
            "targets": {"location_ids": [world.locations["kultur"]]},
        },
    )
    assert here.status_code == 403  # the library's manager does not reach all of kultur

    seen = client.get("/player/api/alerts", headers=device(client, token)).get_json()["items"]
    assert [a["id"] for a in seen] == [everywhere["id"]]
    assert seen[0]["title"] == "Strømsvigt"

    communicator.post(f"alerts/{everywhere['id']}/clear")
    assert client.get("/player/api/alerts", headers=device(client, token)).get_json()["items"] == []
    assert elsewhere["id"] != everywhere["id"]


def test_only_communicators_send_critical_alerts_or_alerts_to_all(
    as_user: Any, world: World, database: Database
) -> None:
    manager = as_user("manager")
    library = {"location_ids": [world.locations["bibliotek"]]}

    critical = manager.post(
        "alerts", {"title": "Brand", "severity": "critical", "targets": library}
    )
    to_all = manager.post(
        "alerts", {"title": "Brand", "severity": "info", "targets": {"all": True}}
    )
    local = manager.post("alerts", {"title": "Lukket", "severity": "warning", "targets": library})

    assert (critical.status_code, to_all.status_code, local.status_code) == (403, 403, 201)
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Alert)) == 1


def test_an_alert_sent_with_an_expiry_ends_on_its_own(
    client: FlaskClient, as_user: Any, paired: tuple[int, str], database: Database
) -> None:
    _, token = paired
    communicator = as_user("communicator")
    ends = (utcnow() + timedelta(hours=2)).replace(microsecond=0)

    sent = communicator.post(
        "alerts",
        {"title": "Vandforsyning afbrudt", "severity": "warning", "targets": {"all": True},
         "expires_at": ends.isoformat()},
    )  # fmt: skip
    as_epoch = communicator.post(
        "alerts",
        {"title": "Forkert", "severity": "info", "targets": {"all": True},
         "expires_at": int(ends.timestamp())},
    )  # fmt: skip
    in_the_past = communicator.post(
        "alerts",
        {"title": "For sent", "severity": "info", "targets": {"all": True},
         "expires_at": (utcnow() - timedelta(minutes=1)).isoformat()},
    )  # fmt: skip

    assert sent.status_code == 201
    assert sent.get_json()["expires_at"] == ends.isoformat()
    assert as_epoch.status_code == 422
    assert "ISO 8601" in as_epoch.get_data(as_text=True)
    assert in_the_past.status_code == 422
    assert "expires_at" in in_the_past.get_json()["error"]["message"]
    shown = client.get("/player/api/alerts", headers=device(client, token)).get_json()["items"]
    assert [a["id"] for a in shown] == [sent.get_json()["id"]]
    with database.transaction() as session:  # two hours on: the expiry has passed
        alert = session.get(Alert, sent.get_json()["id"])
        assert alert is not None
        alert.expires_at = utcnow() - timedelta(seconds=1)
    assert client.get("/player/api/alerts", headers=device(client, token)).get_json()["items"] == []


def test_commands_go_to_the_display_and_are_audited(as_user: Any, paired: tuple[int, str]) -> None:
    display_id, _ = paired

    sent = as_user("manager").post(f"displays/{display_id}/commands", {"action": "identify"})
    wrong = as_user("manager").post(f"displays/{display_id}/commands", {"action": "explode"})
    editor = as_user("editor").post(f"displays/{display_id}/commands", {"action": "reload"})

    assert sent.status_code == 202
    assert wrong.status_code == 422
    assert editor.status_code == 403
    actions = [e["action"] for e in as_user("admin").get("audit?limit=500").get_json()["items"]]
    assert "display.identify" in actions


def console_sign_in(client: FlaskClient, email: str) -> None:
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token is not None
    data = {"email": email, "password": PASSWORD, "csrf_token": token.group(1)}
    assert client.post("/login", data=data).status_code == 302


def test_the_qr_code_leads_to_a_danish_pairing_page_with_the_code_filled_in(
    client: FlaskClient, world: World
) -> None:
    kiosk = register(client)
    address = f"/console/displays/pair?code={kiosk['code']}"

    unsigned = client.get(address)
    assert unsigned.status_code == 302
    assert "/login" in unsigned.headers["Location"]

    console_sign_in(client, "manager@example.dk")
    page = client.get(address)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Par en skærm" in html
    assert f'value="{kiosk["code"]}"' in html
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None

    done = client.post(
        address,
        data={
            "csrf_token": token.group(1),
            "code": kiosk["code"],
            "name": "Børneafdelingen",
            "location_id": str(world.locations["bibliotek"]),
        },
        follow_redirects=True,
    )

    assert done.status_code == 200
    assert done.request.path.startswith("/console/displays/")  # the new display's page
    assert "Børneafdelingen er parret" in done.get_data(as_text=True)
    assert claim(client, kiosk["claim_secret"]).status_code == 200


def test_a_wrong_code_on_the_pairing_page_is_explained_in_danish(
    client: FlaskClient, world: World
) -> None:
    console_sign_in(client, "manager@example.dk")
    html = client.get("/console/displays/pair").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    assert token is not None

    answer = client.post(
        "/console/displays/pair",
        data={
            "csrf_token": token.group(1),
            "code": "ZZZZZZZZ",
            "name": "Skærm",
            "location_id": str(world.locations["bibliotek"]),
        },
    )

    assert answer.status_code == 404
    assert "Ingen skærm viser denne kode" in answer.get_data(as_text=True)


def test_the_pairing_page_offers_only_locations_the_manager_may_place_screens_at(
    client: FlaskClient, world: World
) -> None:
    console_sign_in(client, "manager@example.dk")
    html = client.get("/console/displays/pair").get_data(as_text=True)

    offered = set(map(int, re.findall(r'<option[^>]*value="(\d+)"', html)))
    assert offered == {world.locations["bibliotek"]}
