"""Guessing passwords and pairing codes: failed attempts are counted per account name and
per address (pairing: per user and address); past the limit every attempt, right or
wrong, is a 429 with Retry-After and a message saying when to try again, and nothing is
stored from it."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from signage.db import Database
from signage.limits import MemoryLimiter
from signage.screens.devices import PAIRING_FAILURES_PER_WINDOW
from signage.web import (
    SIGN_IN_FAILURES_PER_ACCOUNT,
    SIGN_IN_FAILURES_PER_ADDRESS,
    SIGN_IN_WINDOW_S,
)
from tests.conftest import Api
from tests.corpus.checks import Fingerprint, assert_error
from tests.factories import PASSWORD, World

ADMIN = "admin@example.dk"


def csrf_token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "the page carries no csrf_token"
    return found.group(1)


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def sign_in(client: FlaskClient, email: str, password: str) -> Any:
    token = csrf_token(client)
    return client.post("/login", data={"email": email, "password": password, "csrf_token": token})


def signed_in(client: FlaskClient) -> bool:
    return client.get("/console").status_code == 200


def test_an_account_guessed_at_from_many_addresses_is_held_back_with_a_429_in_danish(
    app: Flask, world: World, database: Database
) -> None:
    for n in range(SIGN_IN_FAILURES_PER_ACCOUNT):
        assert sign_in(from_address(app, f"10.0.1.{n}"), ADMIN, "wrong").status_code == 401
    fingerprint = Fingerprint(database)
    before = fingerprint.take()
    client = from_address(app, "10.0.2.1")
    refused = sign_in(client, ADMIN, PASSWORD)  # the right password, too late
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60
    page = refused.get_data(as_text=True)
    assert "For mange mislykkede forsøg på at logge ind" in page
    assert re.search(r"Prøv igen om \d+ minutter", page)
    assert not signed_in(client)
    assert fingerprint.take() == before, "a held-back attempt stores nothing"
    other = from_address(app, "10.0.2.1")
    assert sign_in(other, "editor@example.dk", PASSWORD).status_code == 302
    assert signed_in(other), "other accounts from the same address are not held back"


def smaller_account_limit(app: Flask, failures: int) -> int:
    """The tests after the first take fewer failures: each costs a password hash's time."""
    app.extensions["signage.limit.sign-in-account"] = MemoryLimiter(failures, SIGN_IN_WINDOW_S)
    return failures


def test_the_account_limit_ignores_case_and_spaces_in_the_email(app: Flask, world: World) -> None:
    spellings = [ADMIN, ADMIN.upper(), f"  {ADMIN} ", "Admin@Example.DK"]
    for n in range(smaller_account_limit(app, len(spellings))):
        client = from_address(app, f"10.0.3.{n}")
        assert sign_in(client, spellings[n % len(spellings)], "wrong").status_code == 401
    assert sign_in(from_address(app, "10.0.4.1"), ADMIN, PASSWORD).status_code == 429


def test_an_address_guessing_many_accounts_is_held_back_while_others_sign_in(
    app: Flask, world: World
) -> None:
    # Fewer failures than the real limit: each costs a password hash's time.
    failures = 5
    app.extensions["signage.limit.sign-in-address"] = MemoryLimiter(failures, SIGN_IN_WINDOW_S)
    assert SIGN_IN_FAILURES_PER_ADDRESS > SIGN_IN_FAILURES_PER_ACCOUNT
    guesser = from_address(app, "10.0.5.1")
    for n in range(failures):
        assert sign_in(guesser, f"person{n}@example.dk", "wrong").status_code == 401
    refused = sign_in(guesser, ADMIN, PASSWORD)
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert not signed_in(guesser)
    elsewhere = from_address(app, "10.0.5.2")
    assert sign_in(elsewhere, ADMIN, PASSWORD).status_code == 302


def test_the_held_back_message_is_in_english_after_choosing_english(
    app: Flask, world: World
) -> None:
    for n in range(smaller_account_limit(app, 2)):
        sign_in(from_address(app, f"10.0.6.{n}"), ADMIN, "wrong")
    client = from_address(app, "10.0.6.200")
    token = csrf_token(client)
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    page = sign_in(client, ADMIN, PASSWORD).get_data(as_text=True)
    assert "Too many failed sign-ins for this account or from this address" in page
    assert re.search(r"Try again in \d+ minutes", page)


def test_successful_sign_ins_are_not_counted(app: Flask, world: World) -> None:
    client = from_address(app, "10.0.7.1")
    for _ in range(smaller_account_limit(app, 2) + 1):
        assert sign_in(client, ADMIN, PASSWORD).status_code == 302
        client.post("/logout", data={"csrf_token": csrf_token(client, "/console")})
    assert sign_in(client, ADMIN, PASSWORD).status_code == 302


def test_guessing_pairing_codes_through_the_api_is_held_back_with_a_429(
    as_user: Any, world: World, database: Database
) -> None:
    manager: Api = as_user("manager")
    body = {"name": "Gæt", "location_id": world.locations["bibliotek"]}
    for n in range(PAIRING_FAILURES_PER_WINDOW):
        response = manager.post("displays/pair", json={**body, "code": f"ACDEFG{n:02d}"})
        assert_error(response, 404)
    fingerprint = Fingerprint(database)
    before = fingerprint.take()
    refused = manager.post("displays/pair", json={**body, "code": "ACDEFGHJ"})
    error = assert_error(refused, 429)
    assert error["code"] == "rate_limited"
    assert "try again in" in error["message"]
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    assert fingerprint.take() == before


def test_a_kiosk_paired_by_its_real_code_is_not_held_back_by_another_users_guesses(
    app: Flask, as_user: Any, world: World
) -> None:
    guesser: Api = as_user("other_manager")
    place = {"name": "Gæt", "location_id": world.locations["plejehjem"]}
    for n in range(PAIRING_FAILURES_PER_WINDOW):
        guesser.post("displays/pair", json={**place, "code": f"ACDEFG{n:02d}"})
    assert guesser.post("displays/pair", json={**place, "code": "ACDEFGHJ"}).status_code == 429
    kiosk = from_address(app, "10.0.8.1")
    code = kiosk.post("/player/api/register").get_json()["code"]
    manager = Api(from_address(app, "10.0.8.2"), world.tokens["manager"])
    paired = manager.post(
        "displays/pair",
        json={"code": code, "name": "Ny", "location_id": world.locations["bibliotek"]},
    )
    assert paired.status_code == 201, paired.get_json()


def test_guessing_pairing_codes_in_the_console_is_held_back_with_a_danish_message(
    app: Flask, world: World
) -> None:
    client = from_address(app, "10.0.9.1")
    assert sign_in(client, "manager@example.dk", PASSWORD).status_code == 302
    token = csrf_token(client, "/console/displays/pair")
    form = {"name": "Gæt", "location_id": str(world.locations["bibliotek"]), "csrf_token": token}
    for n in range(PAIRING_FAILURES_PER_WINDOW):
        response = client.post("/console/displays/pair", data={**form, "code": f"ACDEFG{n:02d}"})
        assert response.status_code == 404
    refused = client.post("/console/displays/pair", data={**form, "code": "ACDEFGHJ"})
    assert refused.status_code == 429
    assert "Retry-After" in refused.headers
    assert "Der er indtastet for mange koder" in refused.get_data(as_text=True)
