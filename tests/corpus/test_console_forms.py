"""The corpus against every console form, found on the console's own pages: each field
a user types or chooses in gets hostile values. Accepted or refused, never a 500;
refused, a 4xx page and nothing stored. Posts without their CSRF token, with a forged one,
or with one from another session or a signed-out one are a 400 saying to reload the page,
and store nothing."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import url_for
from flask.testing import FlaskClient

from tests.corpus.checks import Fingerprint, assert_no_leak
from tests.corpus.conftest import Populated
from tests.corpus.corpus import strings
from tests.corpus.forms import Form, forms_of
from tests.factories import PASSWORD

# Forms left out of the corpus: they end the session or delete what the rest aims at.
SKIPPED = re.compile(r"/logout$|/delete$|/active$")
PARAMETERS = {
    "display_id": "displays",
    "slide_id": "slides",
    "playlist_id": "playlists",
    "schedule_id": "schedules",
    "alert_id": "alerts",
    "feed_id": "feeds",
    "user_id": "users",
    "location_id": "locations",
    "group_id": "groups",
    "theme_id": "themes",
}
# One string of each category in each field; every script payload and control character
# in all the fields of a form at once.
SAMPLES = tuple({h.category: h for h in reversed(strings())}.values())
ALL_AT_ONCE = tuple(h for h in strings() if h.category in ("xss", "control", "sql"))
EXPIRED_DA = "Formularen er udløbet"


def sign_in(client: FlaskClient, email: str = "admin@example.dk") -> FlaskClient:
    token = token_on(client, "/login")
    response = client.post(
        "/login", data={"email": email, "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def token_on(client: FlaskClient, path: str) -> str:
    found = re.search(
        r'name="csrf_token"[^>]*value="([^"]+)"', client.get(path).get_data(as_text=True)
    )
    assert found, f"{path} carries no csrf_token"
    return found.group(1)


def console_pages(populated: Populated) -> list[str]:
    pages = []
    for rule in populated.app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint == "console.library" or "media_id" in rule.arguments:
            continue
        values: dict[str, Any] = {
            name: 1 if name == "number" else populated.ids[PARAMETERS[name]]
            for name in rule.arguments
        }
        with populated.app.test_request_context():
            pages.append(url_for(rule.endpoint, **values))
    return sorted(pages)


def path_of(action: str) -> str:
    parts = urlsplit(action)
    return parts.path + (f"?{parts.query}" if parts.query else "")


@pytest.fixture(scope="module")
def admin(populated: Populated) -> FlaskClient:
    return sign_in(populated.client())


@pytest.fixture(scope="module")
def forms(populated: Populated, admin: FlaskClient) -> dict[str, Form]:
    """Every post form on every console page, one per action (the first page's)."""
    found: dict[str, Form] = {}
    for page in console_pages(populated):
        response = admin.get(page)
        if response.mimetype != "text/html":
            continue
        for form in forms_of(f"http://localhost{page}", response.get_data(as_text=True)):
            action = path_of(form.action)
            if not SKIPPED.search(urlsplit(action).path) and not form.multipart:
                found.setdefault(action, form)
    return found


def test_the_console_pages_hold_the_forms_the_corpus_needs(forms: dict[str, Form]) -> None:
    actions = {urlsplit(a).path for a in forms}
    for expected in (
        "/console/slides/new",
        "/console/displays/pair",
        "/console/alerts/new",
        "/console/admin/users/new",
        "/console/admin/locations/new",
        "/console/schedules/new",
        "/console/playlists",
        "/console/feeds/new",
        "/console/admin/brand",
    ):
        assert expected in actions, f"no form posts to {expected}; found {sorted(actions)}"
    assert all(form.csrf_token for form in forms.values()), "every form carries its token"


def post(client: FlaskClient, action: str, data: dict[str, str]) -> Any:
    return client.post(action, data=data, headers={"Accept": "text/html"})


def test_every_form_field_takes_hostile_values_without_a_500_or_a_stored_refusal(
    populated: Populated, admin: FlaskClient, forms: dict[str, Form]
) -> None:
    found: list[str] = []
    last = populated.fingerprint.take()
    for action, form in sorted(forms.items()):
        attempts = [({name: h.value}, f"{name}={h.label}") for name in form.typed for h in SAMPLES]
        attempts += [(dict.fromkeys(form.typed, h.value), f"all={h.label}") for h in ALL_AT_ONCE]
        for change, label in attempts:
            response = post(admin, action, {**form.fields, **change})
            now = populated.fingerprint.take()
            status, what = response.status_code, f"{action} {label}"
            if status >= 500:
                found.append(f"{what}: {status}")
            elif status >= 400:
                moved = Fingerprint.moved(last, now)
                if moved:
                    found.append(f"{what}: refused with {status} but stored {moved}")
                try:
                    assert_no_leak(response)
                except AssertionError as exc:
                    found.append(f"{what}: {exc}")
            last = now
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:40])


def forged_tokens(populated: Populated, form: Form) -> dict[str, str | None]:
    """Tokens a post must not get through with: none, a made-up one, one of another
    signed-in session, and one of a session that has signed out since."""
    other = sign_in(populated.client(), "manager@example.dk")
    gone = sign_in(populated.client())
    replayed = token_on(gone, "/console")
    gone.post("/logout", data={"csrf_token": replayed})
    real = form.csrf_token or ""
    return {
        "none": None,
        "empty": "",
        "forged": "forged-token",
        "tampered": real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB"),
        "another session's": token_on(other, "/console"),
        "a signed-out session's": replayed,
    }


def test_a_console_post_without_a_valid_csrf_token_is_a_400_page_and_stores_nothing(
    populated: Populated, admin: FlaskClient, forms: dict[str, Form]
) -> None:
    found: list[str] = []
    tokens = forged_tokens(populated, next(iter(forms.values())))
    for action, form in sorted(forms.items()):
        for kind, token in tokens.items():
            data = {k: v for k, v in form.fields.items() if k != "csrf_token"}
            if token is not None:
                data["csrf_token"] = token
            before = populated.fingerprint.take()
            response = post(admin, action, data)
            after = populated.fingerprint.take()
            text = response.get_data(as_text=True)
            # Outside /console (the language form) the refusal is the JSON error body.
            said = EXPIRED_DA in text or '"code":"csrf_failed"' in text
            if response.status_code != 400 or not said:
                found.append(f"{action} with {kind} token: {response.status_code} {text[:120]!r}")
            if before != after:
                found.append(
                    f"{action} with {kind} token stored {Fingerprint.moved(before, after)}"
                )
    assert not found, f"{len(found)} problems:\n" + "\n".join(found[:40])


def test_the_json_api_called_with_a_console_session_needs_the_csrf_header(
    populated: Populated, admin: FlaskClient
) -> None:
    before = populated.fingerprint.take()
    body = {
        "slug": "uden-token",
        "name": "Uden token",
        "location_id": populated.world.locations["kommune"],
    }
    for headers in ({}, {"X-CSRFToken": "forged"}, {"X-CSRFToken": ""}):
        response = admin.post("/api/v1/themes", json=body, headers=headers)
        assert response.status_code == 403
        error = response.get_json()["error"]
        assert error["code"] == "forbidden"
        assert "CSRF" in error["message"]
    assert populated.fingerprint.take() == before
    token = token_on(admin, "/console")
    accepted = admin.post("/api/v1/themes", json=body, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_console_pages_take_hostile_query_parameters_without_a_500(
    populated: Populated, admin: FlaskClient
) -> None:
    names = ("q", "status", "location", "kind", "actor", "action", "from", "to", "group_by",
             "target", "week", "playlist", "before", "language", "code", "next", "sort",
             "order", "filter", "page", "preset", "display")  # fmt: skip
    found = []
    for page in console_pages(populated):
        for hostile in SAMPLES:
            if len(hostile.value) > 10_000:
                continue
            response = admin.get(page, query_string=dict.fromkeys(names, hostile.value))
            if response.status_code >= 500:
                found.append(f"{page}?…={hostile.label}: {response.status_code}")
    assert not found, "\n".join(found)
