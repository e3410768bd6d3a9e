"""The staff console: redirects, sign-in with CSRF, language, safe `next`, security
headers, and console sessions calling the JSON API."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.api.collections import COLLECTIONS
from signage.db import Database
from tests.corpus.checks import row_counts
from tests.factories import PASSWORD, World

ADMIN_EMAIL = "admin@example.dk"


def csrf_token(page: Any) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the page carries no csrf_token"
    return found.group(1)


def location(response: Any) -> str:
    """The redirect target as a path (with query), whether or not it is absolute."""
    parts = urlsplit(response.headers["Location"])
    assert parts.netloc in ("", "localhost"), response.headers["Location"]
    return parts.path + (f"?{parts.query}" if parts.query else "")


def sign_in(
    client: FlaskClient, email: str = ADMIN_EMAIL, password: str = PASSWORD, path: str = "/login"
) -> Any:
    token = csrf_token(client.get(path))
    return client.post(path, data={"email": email, "password": password, "csrf_token": token})


def signed_in(client: FlaskClient) -> bool:
    response = client.get("/console")
    return response.status_code == 200


# -- addresses --------------------------------------------------------------------------
def test_the_root_redirects_to_the_console(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.status_code == 302
    assert location(response) == "/console"


def test_the_console_without_a_login_redirects_to_the_login_page(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/console")
    assert response.status_code == 302
    assert location(response).startswith("/login")
    assert "next=/console" in location(response) or "next=%2Fconsole" in location(response)


def test_following_the_redirects_from_the_root_ends_on_the_login_page(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/login"


# -- language ---------------------------------------------------------------------------
def test_the_login_page_is_in_danish_by_default(client: FlaskClient) -> None:
    page = client.get("/login")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<html lang="da">' in html
    assert "Log ind" in html
    assert "Adgangskode" in html
    assert "Sign in" not in html


def test_the_login_page_is_in_english_after_choosing_english(client: FlaskClient) -> None:
    token = csrf_token(client.get("/login"))
    chosen = client.post(
        "/language", data={"language": "en", "next": "/login", "csrf_token": token}
    )
    assert chosen.status_code == 302
    assert location(chosen) == "/login"
    assert "signage_lang=en" in chosen.headers["Set-Cookie"]
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "Sign in" in html
    assert "Password" in html
    assert "Log ind" not in html


def test_choosing_danish_again_switches_back(client: FlaskClient) -> None:
    token = csrf_token(client.get("/login"))
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    client.post("/language", data={"language": "da", "next": "/login", "csrf_token": token})
    assert '<html lang="da">' in client.get("/login").get_data(as_text=True)


def test_an_unknown_language_is_ignored_and_the_page_stays_danish(client: FlaskClient) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/language", data={"language": "xx", "next": "/login", "csrf_token": token}
    )
    assert response.status_code == 302
    assert "signage_lang" not in response.headers.get("Set-Cookie", "")
    assert '<html lang="da">' in client.get("/login").get_data(as_text=True)


def test_choosing_a_language_needs_the_csrf_token(client: FlaskClient) -> None:
    client.get("/login")
    response = client.post("/language", data={"language": "en", "next": "/login"})
    assert response.status_code == 400
    assert "signage_lang" not in response.headers.get("Set-Cookie", "")


# -- signing in -------------------------------------------------------------------------
def test_signing_in_without_the_csrf_token_is_a_400_with_a_readable_message_and_no_session(
    client: FlaskClient, world: World
) -> None:
    client.get("/login")
    response = client.post("/login", data={"email": ADMIN_EMAIL, "password": PASSWORD})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["code"] == "csrf_failed"
    assert "CSRF" in error["message"]
    assert "reload" in error["message"]
    assert not signed_in(client)


def test_signing_in_with_a_forged_csrf_token_is_a_400_and_no_session(
    client: FlaskClient, world: World
) -> None:
    client.get("/login")
    response = client.post(
        "/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": "forged"}
    )
    assert response.status_code == 400
    assert not signed_in(client)


def test_a_wrong_password_is_a_401_with_a_danish_message(client: FlaskClient, world: World) -> None:
    response = sign_in(client, password="wrong password")
    assert response.status_code == 401
    html = response.get_data(as_text=True)
    assert "Forkert e-mail eller adgangskode." in html
    assert 'role="alert"' in html
    assert not signed_in(client)


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(
    client: FlaskClient, world: World
) -> None:
    wrong_password = sign_in(client, password="wrong password")
    unknown_email = sign_in(client, email="nobody@example.dk")
    assert unknown_email.status_code == wrong_password.status_code == 401
    assert "Forkert e-mail eller adgangskode." in unknown_email.get_data(as_text=True)


def test_a_wrong_password_is_in_english_after_choosing_english(
    client: FlaskClient, world: World
) -> None:
    token = csrf_token(client.get("/login"))
    client.post("/language", data={"language": "en", "next": "/login", "csrf_token": token})
    response = sign_in(client, password="wrong password")
    assert response.status_code == 401
    assert "Wrong email or password." in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("", PASSWORD),
        (ADMIN_EMAIL, ""),
        ("x" * 300 + "@example.dk", PASSWORD),
        (ADMIN_EMAIL, "p" * 500),
        ("admin\x00@example.dk", PASSWORD),
        (ADMIN_EMAIL, PASSWORD + "\x00"),
    ],
)
def test_an_empty_oversize_or_odd_login_field_is_a_400_with_a_message_and_no_session(
    email: str, password: str, client: FlaskClient, world: World
) -> None:
    response = sign_in(client, email=email, password=password)
    assert response.status_code == 400
    assert "Skriv din e-mail og adgangskode." in response.get_data(as_text=True)
    assert not signed_in(client)


def test_the_right_password_leads_to_the_console_overview(
    client: FlaskClient, world: World
) -> None:
    response = sign_in(client)
    assert response.status_code == 302
    assert location(response) == "/console"
    page = client.get("/console")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Overblik" in html
    assert ADMIN_EMAIL in html
    assert "Bibliotek" in html
    assert "Plejehjem" in html


def test_the_email_is_matched_without_regard_to_case_or_spaces(
    client: FlaskClient, world: World
) -> None:
    response = sign_in(client, email="  Admin@Example.DK ")
    assert response.status_code == 302
    assert signed_in(client)


def test_the_overview_shows_only_the_locations_a_user_may_read(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, email="other_editor@example.dk")
    html = client.get("/console").get_data(as_text=True)
    assert "Plejehjem" in html
    assert "Kommune" in html
    assert "Bibliotek" not in html


def test_signing_in_starts_a_fresh_session_so_the_old_csrf_token_stops_working(
    client: FlaskClient, world: World
) -> None:
    before = csrf_token(client.get("/login"))
    sign_in(client)
    after = csrf_token(client.get("/console"))
    assert after != before
    stale = client.post(
        "/api/v1/themes",
        headers={"X-CSRFToken": before},
        json={"slug": "x", "name": "X", "location_id": world.locations["kommune"]},
    )
    assert stale.status_code == 403


def test_signing_out_is_a_post_with_the_csrf_token(client: FlaskClient, world: World) -> None:
    sign_in(client)
    token = csrf_token(client.get("/console"))
    assert client.get("/logout").status_code == 405
    refused = client.post("/logout")
    assert refused.status_code == 400
    assert signed_in(client)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert location(response).startswith("/login")
    assert not signed_in(client)


def test_signing_out_without_being_signed_in_asks_for_a_login(
    client: FlaskClient, world: World
) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert location(response).startswith("/login")


def test_a_deactivated_user_loses_the_console_session(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    sign_in(client, email="editor@example.dk")
    assert signed_in(client)
    assert (
        as_user("admin").patch(f"users/{world.users['editor']}", json={"active": False}).status_code
        == 200
    )
    assert not signed_in(client)


# -- next -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "https://evil.example",
        "http://evil.example/console",
        "///evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "evil.example",
        "https:evil.example",
        " //evil.example",
    ],
)
def test_the_next_parameter_never_leads_off_site(
    target: str, client: FlaskClient, world: World
) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login",
        query_string={"next": target},
        data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert location(response) == "/console"


@pytest.mark.parametrize("target", ["//evil.example", "https://evil.example", "/\\evil.example"])
def test_the_language_form_never_leads_off_site(target: str, client: FlaskClient) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/language", data={"language": "en", "next": target, "csrf_token": token}
    )
    assert response.status_code == 302
    assert location(response) == "/console"


def test_the_next_parameter_leads_back_to_a_page_on_this_site(
    client: FlaskClient, world: World
) -> None:
    token = csrf_token(client.get("/login"))
    response = client.post(
        "/login",
        query_string={"next": "/console?tab=displays"},
        data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token},
    )
    assert location(response) == "/console?tab=displays"


def test_the_login_redirect_keeps_next_so_signing_in_returns_there(
    client: FlaskClient, world: World
) -> None:
    redirected = client.get("/console")
    login_path = location(redirected)
    response = sign_in(client, path=login_path)
    assert location(response) == "/console"


# -- headers ----------------------------------------------------------------------------
def assert_secure_headers(response: Any) -> None:
    policy = response.headers.get("Content-Security-Policy", "")
    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers.get("X-Content-Type-Options") == "nosniff"


def test_every_console_page_carries_a_strict_content_security_policy(
    client: FlaskClient, world: World
) -> None:
    for path in ("/", "/login", "/console", "/nothing-here"):
        assert_secure_headers(client.get(path))
    assert_secure_headers(client.post("/login", data={}))
    assert_secure_headers(sign_in(client, password="wrong password"))
    assert_secure_headers(sign_in(client))
    for path in ("/console", "/login"):
        assert_secure_headers(client.get(path))


def test_every_api_answer_carries_a_strict_content_security_policy(
    client: FlaskClient, as_user: Any, world: World
) -> None:
    admin = as_user("admin")
    for name in COLLECTIONS:
        assert_secure_headers(admin.get(name))
        assert_secure_headers(admin.get(f"{name}/999999"))
        assert_secure_headers(admin.post(name, data="{", content_type="application/json"))
    assert_secure_headers(admin.call("PUT", "locations"))
    assert_secure_headers(client.get("/api/v1/locations"))
    assert_secure_headers(client.get("/api/openapi.json"))
    assert_secure_headers(client.get("/healthz"))


def test_the_session_cookie_is_http_only_and_same_site(client: FlaskClient, world: World) -> None:
    response = sign_in(client)
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def test_the_console_pages_have_no_inline_scripts_or_styles(
    client: FlaskClient, world: World
) -> None:
    pages = [client.get("/login")]
    sign_in(client)
    pages.append(client.get("/console"))
    for page in pages:
        html = page.get_data(as_text=True)
        assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
        assert "<style" not in html
        assert re.search(r"\son[a-z]+=", html) is None
        assert ' style="' not in html


# -- the console session calling the JSON API -------------------------------------------
def theme(world: World, slug: str = "jul") -> dict[str, Any]:
    return {"slug": slug, "name": "Jul", "location_id": world.locations["kommune"]}


def test_a_console_session_reads_the_api_without_a_csrf_token(
    client: FlaskClient, world: World
) -> None:
    sign_in(client)
    response = client.get("/api/v1/locations")
    assert response.status_code == 200
    assert client.get("/api/v1/me").get_json()["user_id"] == world.users["admin"]


def test_a_console_session_writing_through_the_api_without_the_csrf_header_is_a_403(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    sign_in(client)
    response = client.post("/api/v1/themes", json=theme(world))
    assert response.status_code == 403
    assert "CSRF" in response.get_json()["error"]["message"]
    forged = client.post("/api/v1/themes", json=theme(world), headers={"X-CSRFToken": "forged"})
    assert forged.status_code == 403
    assert as_user("admin").get("themes").get_json()["items"] == []


def test_a_console_session_writing_through_the_api_with_the_page_csrf_token_succeeds(
    client: FlaskClient, world: World
) -> None:
    sign_in(client)
    token = csrf_token(client.get("/console"))
    created = client.post("/api/v1/themes", json=theme(world), headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    theme_id = created.get_json()["id"]
    changed = client.patch(
        f"/api/v1/themes/{theme_id}", json={"name": "Julen"}, headers={"X-CSRFToken": token}
    )
    assert changed.status_code == 200
    assert client.delete(f"/api/v1/themes/{theme_id}").status_code == 403
    assert (
        client.delete(f"/api/v1/themes/{theme_id}", headers={"X-CSRFToken": token}).status_code
        == 204
    )


def test_after_signing_out_the_api_refuses_the_old_session(
    client: FlaskClient, world: World
) -> None:
    sign_in(client)
    token = csrf_token(client.get("/console"))
    client.post("/logout", data={"csrf_token": token})
    response = client.get("/api/v1/locations")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_an_anonymous_browser_asking_for_json_gets_a_401_not_a_redirect(
    client: FlaskClient,
) -> None:
    response = client.get("/console", headers={"Accept": "application/json"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


# -- every console form -----------------------------------------------------------------
def test_every_console_form_is_refused_without_its_csrf_token_and_changes_nothing(
    app: Flask, client: FlaskClient, world: World, database: Database
) -> None:
    """A forged form from another site carries the session cookie but not the token."""
    sign_in(client)
    before = row_counts(database)
    posts = [rule for rule in app.url_map.iter_rules()
             if rule.rule.startswith("/console") and "POST" in rule.methods]  # fmt: skip
    assert len(posts) > 20
    for rule in posts:
        values = dict.fromkeys(rule.arguments, 1)
        address = rule.build(values)[1]
        answer = client.post(address, data={"name": "Forfalsket", "title": "Forfalsket"})
        assert answer.status_code in (400, 403), f"{address}: {answer.status_code}"
    assert row_counts(database) == before
    assert signed_in(client)  # nothing signed the user out either
