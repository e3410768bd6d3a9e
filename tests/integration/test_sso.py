"""Sign-in with the municipality's identity provider, against a real OpenID Connect
provider (`oidc-provider` on Node.js, tests/oidc/provider.js) started on localhost: no
token here is made or mocked by the tests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from signage.accounts.models import GRANT_FROM_CLAIMS, AuditEvent, Grant, User
from signage.app import create_app
from signage.config import OidcSettings, Settings
from signage.db import Database
from signage.web import SEEN_AT_KEY, SIGNED_IN_AT_KEY
from tests.factories import PASSWORD, World
from tests.integration.test_console import csrf_token, sign_in
from tests.oidc_provider import (
    CLIENT_ID,
    CLIENT_SECRET,
    Provider,
    node_or_skip,
    sign_in_at_provider,
)

APP_BASE = "http://localhost"
GROUPS = {
    "infotavle-redaktoerer-bibliotek": (("editor", "bibliotek"),),
    "infotavle-driftsledere-plejehjem": (("facility_manager", "plejehjem"),),
    "infotavle-gammel-gruppe": (("viewer", "nedlagt-sted"),),  # a slug naming no location
}


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = node_or_skip()
    folder = tmp_path_factory.mktemp("oidc")
    running = Provider(
        control=folder / "control.json", log=folder / "provider.log", app_base=APP_BASE
    )
    running.start(node)
    yield running
    running.stop()


@pytest.fixture
def app(settings: Settings, provider: Provider) -> Iterator[Flask]:
    provider.ensure_running(node_or_skip())
    provider.accounts.clear()
    provider.set_tamper(False)
    oidc = OidcSettings(
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        groups=GROUPS,
        scope="openid email profile groups",
    )
    app = create_app(settings.with_overrides(oidc=oidc, password_login="admins"))
    yield app
    app.extensions["signage.db"].dispose()


def start(client: FlaskClient) -> str:
    response = client.get("/login/sso")
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith("http://127.0.0.1:")
    return location


def callback(client: FlaskClient, address: str) -> Any:
    parts = urlsplit(address)
    return client.get(f"{parts.path}?{parts.query}")


def sso_sign_in(client: FlaskClient, account_id: str) -> Any:
    return callback(client, sign_in_at_provider(start(client), account_id, APP_BASE))


def grants_of(database: Database, email: str) -> set[tuple[str, int, str]]:
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        return {(g.role, g.location_id, g.source) for g in user.grants}


def actions(database: Database) -> list[tuple[str, dict[str, Any]]]:
    with database.sessions() as session:
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        return [(event.action, event.details) for event in events]


def test_the_authorization_request_uses_pkce_s256_state_and_nonce(
    client: FlaskClient, world: World
) -> None:
    query = parse_qs(urlsplit(start(client)).query)
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) >= 43
    assert query["state"][0]
    assert query["nonce"][0]
    assert query["client_id"] == [CLIENT_ID]


def test_a_first_sign_in_creates_the_user_with_the_grants_their_groups_map_to(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account(
        "anna",
        "Anna@Example.dk",
        ["infotavle-redaktoerer-bibliotek", "infotavle-driftsledere-plejehjem", "andet"],
    )
    response = sso_sign_in(client, "anna")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/console")
    assert client.get("/console").status_code == 200
    assert grants_of(database, "anna@example.dk") == {
        ("editor", world.locations["bibliotek"], GRANT_FROM_CLAIMS),
        ("facility_manager", world.locations["plejehjem"], GRANT_FROM_CLAIMS),
    }
    done = actions(database)
    assert ("login", {"method": "oidc"}) in done
    assert [a for a, _ in done].count("grant.added_from_claims") == 2


def test_the_signed_in_user_may_do_what_the_mapped_grant_allows_and_no_more(
    client: FlaskClient, world: World, provider: Provider
) -> None:
    provider.set_account("bo", "bo@example.dk", ["infotavle-redaktoerer-bibliotek"])
    sso_sign_in(client, "bo")
    assert client.get("/console/slides").status_code == 200
    assert client.get("/console/admin/users").status_code == 403


def test_a_group_removed_at_the_provider_takes_its_grant_away_at_the_next_sign_in(
    client: FlaskClient, world: World, provider: Provider, database: Database, app: Flask
) -> None:
    groups = ["infotavle-redaktoerer-bibliotek", "infotavle-driftsledere-plejehjem"]
    provider.set_account("cai", "cai@example.dk", groups)
    sso_sign_in(client, "cai")
    # An admin gives a grant by hand in the console: claims never take it away.
    admin = app.test_client()
    sign_in(admin, "admin@example.dk")
    with database.sessions() as session:
        cai = session.scalar(select(User).where(User.email == "cai@example.dk"))
        assert cai is not None
        cai_id = cai.id
    given = admin.post(
        "/api/v1/grants",
        json={"user_id": cai_id, "role": "viewer", "location_id": world.locations["kommune"]},
        headers={"X-CSRFToken": csrf_token(admin.get("/console"))},
    )
    assert given.status_code == 201, given.get_json()

    provider.set_account("cai", "cai@example.dk", ["infotavle-redaktoerer-bibliotek"])
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    assert sso_sign_in(client, "cai").status_code == 302
    assert grants_of(database, "cai@example.dk") == {
        ("editor", world.locations["bibliotek"], GRANT_FROM_CLAIMS),
        ("viewer", world.locations["kommune"], "manual"),
    }
    assert ("grant.removed_from_claims", {"role": "facility_manager"}) in actions(database)
    page = admin.get(f"/console/admin/users/{cai_id}").get_data(as_text=True)
    assert page.count("fra login-tjenestens grupper") == 1


def test_a_session_older_than_its_lifetime_ends_however_busy_it_is(
    client: FlaskClient, world: World, provider: Provider
) -> None:
    provider.set_account("jon", "jon@example.dk", ["infotavle-redaktoerer-bibliotek"])
    sso_sign_in(client, "jon")
    with client.session_transaction() as cookie:
        cookie[SIGNED_IN_AT_KEY] = int(time.time()) - 13 * 3600
    assert client.get("/console").status_code == 302


def test_a_password_signed_in_admin_signs_out_here_only(client: FlaskClient, world: World) -> None:
    sign_in(client, "admin@example.dk", PASSWORD)
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    assert response.headers["Location"] == "/login"
    assert client.get("/console").status_code == 302


def test_a_first_sign_in_links_an_account_made_by_hand_and_keeps_its_grants(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account("editor-at-idp", "editor@example.dk", [])
    assert sso_sign_in(client, "editor-at-idp").status_code == 302
    assert grants_of(database, "editor@example.dk") == {
        ("editor", world.locations["bibliotek"], "manual")
    }
    with database.sessions() as session:
        editor = session.get(User, world.users["editor"])
        assert editor is not None
        assert editor.oidc_subject == "editor-at-idp"


def test_another_subject_with_a_linked_email_is_refused(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account("first", "jens@example.dk", ["infotavle-redaktoerer-bibliotek"])
    assert sso_sign_in(client, "first").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    provider.set_account("impostor", "jens@example.dk", ["infotavle-driftsledere-plejehjem"])
    assert sso_sign_in(client, "impostor").status_code == 401
    assert client.get("/console").status_code == 302
    assert grants_of(database, "jens@example.dk") == {
        ("editor", world.locations["bibliotek"], GRANT_FROM_CLAIMS)
    }


def test_a_name_longer_than_the_account_holds_is_shortened_and_the_sign_in_succeeds(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    account = "l" * 250  # the provider names the account after its id
    provider.set_account(account, "lang@example.dk", ["infotavle-redaktoerer-bibliotek"])
    assert sso_sign_in(client, account).status_code == 302
    with database.sessions() as session:
        user = session.scalar(select(User).where(User.email == "lang@example.dk"))
        assert user is not None
        assert user.name == account.title()[:200]


def test_a_user_whose_groups_give_no_grant_is_told_in_danish_to_ask_their_administrator(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account("dea", "dea@example.dk", ["andet", "infotavle-gammel-gruppe"])
    response = sso_sign_in(client, "dea")
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Spørg din administrator" in page
    assert client.get("/console").status_code == 302  # not signed in
    failed = [d for a, d in actions(database) if a == "login_failed"]
    assert failed == [{"method": "oidc", "reason": "no_grant"}]


def test_a_tampered_id_token_is_refused_and_audited(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account("eva", "eva@example.dk", ["infotavle-redaktoerer-bibliotek"])
    provider.set_tamper(True)
    response = sso_sign_in(client, "eva")
    assert response.status_code == 401
    assert client.get("/console").status_code == 302
    with database.sessions() as session:
        assert session.scalar(select(User).where(User.email == "eva@example.dk")) is None
    failed = [d for a, d in actions(database) if a == "login_failed"]
    assert failed == [{"method": "oidc", "reason": "BadSignatureError"}]


def test_a_replayed_state_is_refused(
    client: FlaskClient, world: World, provider: Provider, database: Database
) -> None:
    provider.set_account("finn", "finn@example.dk", ["infotavle-redaktoerer-bibliotek"])
    address = sign_in_at_provider(start(client), "finn", APP_BASE)
    assert callback(client, address).status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    replayed = callback(client, address)
    assert replayed.status_code == 401
    assert client.get("/console").status_code == 302
    # A callback carrying a state this browser never started is refused as well.
    stranger = client.application.test_client()
    assert callback(stranger, address).status_code == 401


def test_new_signing_keys_at_the_provider_are_fetched_when_a_token_names_one(
    client: FlaskClient, world: World, provider: Provider
) -> None:
    provider.set_account("gry", "gry@example.dk", ["infotavle-redaktoerer-bibliotek"])
    assert sso_sign_in(client, "gry").status_code == 302
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    # A restart gives the provider a new signing key; the app still holds the old set.
    provider.stop()
    provider.start(node_or_skip())
    assert sso_sign_in(client, "gry").status_code == 302
    assert client.get("/console").status_code == 200


def test_signing_out_ends_the_session_and_signs_out_at_the_provider(
    client: FlaskClient, world: World, provider: Provider
) -> None:
    provider.set_account("hans", "hans@example.dk", ["infotavle-redaktoerer-bibliotek"])
    sso_sign_in(client, "hans")
    # The sign-out form's redirect to the provider is allowed by the page's CSP.
    policy = client.get("/console").headers["Content-Security-Policy"]
    assert f"form-action 'self' {provider.issuer}" in policy
    response = client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    assert response.status_code == 302
    target = urlsplit(response.headers["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{provider.issuer}/session/end"
    query = parse_qs(target.query)
    assert query["post_logout_redirect_uri"] == [f"{APP_BASE}/login"]
    assert query["id_token_hint"][0].count(".") == 2
    assert client.get("/console").status_code == 302


def test_the_login_page_offers_the_provider_first_and_passwords_only_to_admins(
    client: FlaskClient, world: World, database: Database
) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert page.index("/login/sso") < page.index('name="password"')
    refused = sign_in(client, "editor@example.dk", PASSWORD)
    assert refused.status_code == 401
    assert client.get("/console").status_code == 302
    assert sign_in(client, "admin@example.dk", PASSWORD).status_code == 302
    assert client.get("/console").status_code == 200
    done = [a for a, _ in actions(database)]
    assert done.count("login_failed") == 1
    assert done.count("login") == 1


def test_a_session_left_idle_longer_than_the_timeout_ends(
    client: FlaskClient, world: World, provider: Provider
) -> None:
    provider.set_account("ida", "ida@example.dk", ["infotavle-redaktoerer-bibliotek"])
    sso_sign_in(client, "ida")
    assert client.get("/console").status_code == 200
    with client.session_transaction() as cookie:
        cookie[SEEN_AT_KEY] = int(time.time()) - 61 * 60
    assert client.get("/console").status_code == 302


def test_password_sign_in_can_be_turned_off(
    tmp_path: Path, settings: Settings, world: World
) -> None:
    app = create_app(settings.with_overrides(password_login="off"))
    client = app.test_client()
    assert 'name="password"' not in client.get("/login").get_data(as_text=True)
    assert sign_in(client, "admin@example.dk", PASSWORD).status_code == 403
    app.extensions["signage.db"].dispose()


def test_the_grant_source_column_is_manual_for_grants_given_by_hand(
    world: World, database: Database
) -> None:
    with database.sessions() as session:
        assert set(session.scalars(select(Grant.source))) == {"manual"}
