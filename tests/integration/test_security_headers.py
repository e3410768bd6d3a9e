"""Security headers on every kind of page: the console, the public mirror, the kiosk
page, the API, the player API and static files carry a Content-Security-Policy without
'unsafe-inline' that forbids framing; HSTS and Secure cookies come with HTTPS (direct or
through a trusted proxy); no answer names the server's software."""

from __future__ import annotations

import re
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.app import create_app
from signage.config import Settings
from signage.resources import resource_dir
from tests import processes
from tests.factories import PASSWORD, World

PAGE_KINDS = {
    "console login": ("/login", None),
    "console page": ("/console", "session"),
    "console error page": ("/console/no-such-page", "session"),
    "public mirror index": ("/public/", None),
    "public mirror location": ("/public/bibliotek", "public"),
    "kiosk page": ("/player", None),
    "API": ("/api/v1/me", "token"),
    "API error": ("/api/v1/displays/999999", "token"),
    "player API": ("/player/api/manifest", "device"),
    "static file": ("/static/player/player.css", None),
    "not found": ("/nothing-here", None),
    "health": ("/healthz", None),
}


def sign_in(client: FlaskClient, email: str = "admin@example.dk", **environ: Any) -> None:
    page = client.get("/login", **environ).get_data(as_text=True)
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert found, "the login page carries no csrf_token"
    answer = client.post(
        "/login",
        data={"email": email, "password": PASSWORD, "csrf_token": found.group(1)},
        **environ,
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)


def device_token(client: FlaskClient, world: World) -> str:
    answer = client.post(
        f"/api/v1/displays/{world.displays['bibliotek']}/token",
        headers={"Authorization": f"Bearer {world.tokens['manager']}"},
    )
    assert answer.status_code in (200, 201), answer.get_data(as_text=True)
    return str(answer.get_json()["token"])


def make_public(client: FlaskClient, world: World, slug: str) -> None:
    answer = client.patch(
        f"/api/v1/locations/{world.locations[slug]}",
        json={"public": True},
        headers={"Authorization": f"Bearer {world.tokens['admin']}"},
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)


def fetch(client: FlaskClient, world: World, path: str, auth: str | None) -> Any:
    headers = {}
    if auth == "token":
        headers["Authorization"] = f"Bearer {world.tokens['admin']}"
    elif auth == "device":
        headers["Authorization"] = f"Bearer {device_token(client, world)}"
    elif auth == "session":
        sign_in(client)
    elif auth == "public":
        make_public(client, world, "bibliotek")
    response = client.get(path, headers=headers)
    response.close()  # a static file's handle; the headers stay
    return response


def check_policy(headers: Any, where: str) -> None:
    policy = headers.get("Content-Security-Policy", "")
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "unsafe-inline" not in policy, where
    assert "unsafe-eval" not in policy, where
    assert directives.get("frame-ancestors") == ["'none'"], where
    assert directives.get("script-src") == ["'self'"], where
    assert directives.get("style-src") == ["'self'"], where
    assert directives.get("object-src") == ["'none'"], where
    assert headers.get("X-Frame-Options") == "DENY", where
    assert headers.get("X-Content-Type-Options") == "nosniff", where
    assert "Server" not in headers, where


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_every_kind_of_page_carries_the_policy_and_no_server_name(
    client: FlaskClient, world: World, kind: str
) -> None:
    path, auth = PAGE_KINDS[kind]
    response = fetch(client, world, path, auth)
    assert response.status_code < 500, response.status
    if kind != "not found" and "error" not in kind:
        assert response.status_code == 200, (kind, response.status)
    check_policy(response.headers, f"{kind} ({path}, {response.status_code})")
    # Plain HTTP: telling a browser to insist on HTTPS would lock it out.
    assert "Strict-Transport-Security" not in response.headers, kind


@pytest.fixture
def behind_proxy(settings: Settings) -> Any:
    app = create_app(settings.with_overrides(proxies=1))
    yield app
    app.extensions["signage.db"].dispose()


HTTPS_FROM_PROXY = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "192.0.2.7"}


@pytest.mark.parametrize("kind", sorted(PAGE_KINDS))
def test_behind_a_tls_proxy_every_page_carries_hsts(
    behind_proxy: Flask, world: World, kind: str
) -> None:
    path, auth = PAGE_KINDS[kind]
    client = behind_proxy.test_client()
    headers = dict(HTTPS_FROM_PROXY)
    if auth == "token":
        headers["Authorization"] = f"Bearer {world.tokens['admin']}"
    elif auth == "device":
        headers["Authorization"] = f"Bearer {device_token(client, world)}"
    elif auth == "public":
        make_public(client, world, "bibliotek")
    elif auth == "session":
        # Over HTTPS, CSRF checks the Referer too (a browser sends it: same origin).
        sign_in(client, headers=HTTPS_FROM_PROXY | {"Referer": "https://localhost/login"})
    response = client.get(path, headers=headers)
    response.close()
    check_policy(response.headers, kind)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000", kind


def session_cookie(response: Any) -> str:
    cookies = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("session=")]
    assert cookies, "no session cookie was set"
    return cookies[-1]


def test_the_session_cookie_is_secure_and_same_site_over_https(
    behind_proxy: Flask, world: World
) -> None:
    client = behind_proxy.test_client()
    cookie = session_cookie(client.get("/login", headers=HTTPS_FROM_PROXY))
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_over_plain_http_the_cookie_is_not_secure_unless_configured(
    settings: Settings, client: FlaskClient, world: World
) -> None:
    plain = session_cookie(client.get("/login"))
    assert "; Secure" not in plain  # a browser would not send it back over HTTP
    assert "; SameSite=Lax" in plain
    forced = create_app(settings.with_overrides(secure_cookies=True))
    try:
        cookie = session_cookie(forced.test_client().get("/login"))
    finally:
        forced.extensions["signage.db"].dispose()
    assert "; Secure" in cookie


def test_a_forged_forwarded_proto_without_a_trusted_proxy_changes_nothing(
    client: FlaskClient, world: World
) -> None:
    response = client.get("/login", headers=HTTPS_FROM_PROXY)
    assert "Strict-Transport-Security" not in response.headers
    assert "; Secure" not in session_cookie(response)


def test_the_language_cookie_is_secure_over_https(behind_proxy: Flask, world: World) -> None:
    client = behind_proxy.test_client()
    page = client.get("/login", headers=HTTPS_FROM_PROXY).get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token
    answer = client.post(
        "/language",
        data={"language": "en", "next": "/login", "csrf_token": token.group(1)},
        headers=HTTPS_FROM_PROXY | {"Referer": "https://localhost/login"},
    )
    cookies = [c for c in answer.headers.getlist("Set-Cookie") if c.startswith("signage_lang=")]
    assert cookies
    assert all("; Secure" in c and "SameSite=Lax" in c for c in cookies)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "an inline <script>"),
    (re.compile(r"<style\b", re.I), "a <style> element"),
    (re.compile(r"\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"\son[a-z]+\s*=", re.I), "an inline event handler"),
    (re.compile(r"javascript:", re.I), "a javascript: address"),
]


def test_no_template_needs_unsafe_inline() -> None:
    """The policy allows no inline script or style: a template carrying one would break
    in the browser (and tempt someone to loosen the policy)."""
    found = []
    for template in sorted(Path(resource_dir("templates")).rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern, what in INLINE:
            for match in pattern.finditer(text):
                found.append(f"{template.name}: {what}: {match.group(0)!r}")
    assert found == []


def test_a_served_process_names_no_server_and_sends_the_headers(
    tmp_path: Path, settings: Settings, world: World
) -> None:
    """What `signage serve` (gevent) really sends, not what the test client sees."""
    instance = settings.instance_dir
    extra = {"SIGNAGE_PROXIES": "1", "SIGNAGE_RUN_JOBS": "0"}
    with processes.running(instance, tmp_path, "serve", env=extra) as (base, _log):
        for path in ("/login", "/public/", "/player", "/static/player/player.js"):
            with urllib.request.urlopen(f"{base}{path}", timeout=10) as plain:  # noqa: S310 - our own local server
                check_policy(plain.headers, path)
                assert "Strict-Transport-Security" not in plain.headers
            request = urllib.request.Request(f"{base}{path}", headers=HTTPS_FROM_PROXY)  # noqa: S310
            with urllib.request.urlopen(request, timeout=10) as secure:  # noqa: S310
                check_policy(secure.headers, path)
                assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{base}/api/v1/me", timeout=10)  # noqa: S310
        refused.value.close()
        assert refused.value.code == 401
        check_policy(refused.value.headers, "/api/v1/me (401)")
