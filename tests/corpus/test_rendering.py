"""Markup typed into any field reaches staff, kiosks and citizens only escaped: objects
made through valid requests with script payloads in every text field, then every console
page, the kiosk's page and manifest, and the public mirror and feeds are read back."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from signage.scheduling.propagator import Propagator
from tests.corpus.conftest import Populated, created
from tests.factories import PASSWORD

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
SVG = "'><svg onload=alert(1)>"
TEXTAREA = "</textarea><script>alert(2)</script>"
# What must never appear as markup on a page, and how each shows when escaped.
RAW = ("<script>alert(", "<img src=x onerror", "<svg onload", "</textarea><script>")
ESCAPED = re.compile(r"&lt;script&gt;alert\(|&lt;img src=x onerror|&lt;svg onload")


@dataclass
class Stage:
    client: FlaskClient  # signed in to the console as the admin
    ids: dict[str, int] = field(default_factory=dict)
    slug: str = "xss-sted"
    device_token: str = ""


def build(populated: Populated) -> Stage:
    """Every text field that reaches a page holds a payload; made as the admin."""
    admin, kommune = populated.admin, populated.world.locations["kommune"]
    ids: dict[str, int] = {}
    ids["location"] = created(
        admin,
        "locations",
        {"slug": "xss-sted", "name": f"Sted {IMG}", "parent_id": kommune, "public": True},
    )
    place = ids["location"]
    ids["display"] = created(admin, "displays", {"name": f"Skærm {SCRIPT}", "location_id": place})
    ids["group"] = created(
        admin,
        "groups",
        {"slug": "xss", "name": f"Gruppe {SVG}", "location_id": place,
         "display_ids": [ids["display"]]},
    )  # fmt: skip
    ids["theme"] = created(
        admin, "themes", {"slug": "xss", "name": f"Tema {TEXTAREA}", "location_id": place}
    )
    ids["user"] = created(
        admin,
        "users",
        {"email": "xss@example.dk", "name": f"Bruger {SCRIPT}", "password": "a long secret"},
    )
    ids["slide"] = created(
        admin,
        "slides",
        {
            "title": f"Titel {SCRIPT}",
            "location_id": place,
            "fields": {"heading": f"Overskrift {IMG}", "body": f"Tekst {TEXTAREA}"},
            "variants": {"en": {"heading": f"Heading {SVG}"}},
            "alt": f"Alt {SVG}",
            "public": True,
            "theme_id": ids["theme"],
        },
    )
    assert admin.post(f"slides/{ids['slide']}/submit").status_code == 200
    approved = admin.post(f"slides/{ids['slide']}/approve", json={"note": f"Note {IMG}"})
    assert approved.status_code == 200, approved.get_json()
    ids["pending"] = created(
        admin,
        "slides",
        {"title": f"Afventer {SVG}", "location_id": place, "fields": {"heading": SCRIPT}},
    )
    assert admin.post(f"slides/{ids['pending']}/submit").status_code == 200
    ids["playlist"] = created(
        admin,
        "playlists",
        {"slug": "xss", "name": f"Liste {SVG}", "location_id": place,
         "items": [{"slide_id": ids["slide"], "duration": 10}]},
    )  # fmt: skip
    ids["schedule"] = created(
        admin,
        "schedules",
        {"playlist_id": ids["playlist"], "location_id": place, "target": {"location_id": place}},
    )
    ids["alert"] = created(
        admin,
        "alerts",
        {
            "title": f"Varsel {SCRIPT}",
            "body": f"Gør {IMG}",
            "severity": "warning",
            "targets": {"location_ids": [place]},
            "variants": {"en": {"title": f"Alert {SVG}", "body": f"Do {TEXTAREA}"}},
        },
    )
    ids["feed"] = created(
        admin, "feeds", {"name": f"Feed {TEXTAREA}", "location_id": place, "kind": "push"}
    )
    pushed = admin.post(
        f"feeds/{ids['feed']}/items",
        json={"items": [{"title": f"Nyhed {SCRIPT}", "summary": IMG, "place": SVG}]},
    )
    assert pushed.status_code == 200, pushed.get_json()
    assert admin.patch("brand", json={"name": f"Kommune {IMG}"}).status_code == 200
    token = admin.post(f"displays/{ids['display']}/token").get_json()["token"]
    Propagator(populated.database, "Europe/Copenhagen", "da").run_once()  # the manifests
    client = populated.client()
    login = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login)
    assert csrf
    signed = client.post(
        "/login",
        data={"email": "admin@example.dk", "password": PASSWORD, "csrf_token": csrf.group(1)},
    )
    assert signed.status_code == 302
    return Stage(client, ids, device_token=token)


@pytest.fixture(scope="module")
def stage(populated: Populated) -> Stage:
    return build(populated)


def assert_escaped(text: str, where: str) -> None:
    for raw in RAW:
        assert raw not in text, f"{raw!r} unescaped on {where}: …{around(text, raw)}…"


def around(text: str, found: str) -> str:
    at = text.index(found)
    return text[max(at - 120, 0) : at + 80]


# Route parameters of console pages → the staged object they name.
PARAMETERS = {
    "display_id": "display",
    "slide_id": "slide",
    "playlist_id": "playlist",
    "schedule_id": "schedule",
    "alert_id": "alert",
    "feed_id": "feed",
    "user_id": "user",
    "location_id": "location",
    "group_id": "group",
    "theme_id": "theme",
}


def console_pages(populated: Populated, stage: Stage) -> list[str]:
    """Every console page a GET opens, with the staged objects in its address."""
    pages = []
    for rule in populated.app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint == "console.library" or "media_id" in rule.arguments:
            continue  # browser libraries; media needs an upload (the library page shows it)
        values: dict[str, Any] = {
            name: 1 if name == "number" else stage.ids[PARAMETERS[name]] for name in rule.arguments
        }
        with populated.app.test_request_context():
            from flask import url_for

            pages.append(url_for(rule.endpoint, **values))
    return sorted(pages)


def test_every_console_page_shows_the_payloads_escaped(populated: Populated, stage: Stage) -> None:
    pages = console_pages(populated, stage)
    assert len(pages) > 40
    reached = []
    for path in pages:
        response = stage.client.get(path)
        assert response.status_code < 500, path
        text = response.get_data(as_text=True)
        if response.mimetype != "text/html":
            # CSV downloads hold the text as it is (formulas defused), never as a page.
            assert response.mimetype == "text/csv", path
            assert "attachment" in response.headers.get("Content-Disposition", ""), path
            continue
        assert_escaped(text, path)
        if ESCAPED.search(text):
            reached.append(path)
    for expected in (
        "/console/displays",
        f"/console/displays/{stage.ids['display']}",
        f"/console/slides/{stage.ids['slide']}",
        "/console/approvals",
        f"/console/playlists/{stage.ids['playlist']}",
        f"/console/alerts/{stage.ids['alert']}",
        "/console/feeds",
        "/console/admin/users",
        "/console/admin/locations",
        "/console/admin/groups",
        "/console/admin/themes",
        "/console/admin/audit",
    ):
        assert expected in reached, f"no payload reached {expected}: the test would prove nothing"


def test_htmx_fragments_show_the_payloads_escaped(populated: Populated, stage: Stage) -> None:
    for path in console_pages(populated, stage):
        response = stage.client.get(path, headers={"HX-Request": "true"})
        assert response.status_code < 500, path
        if response.mimetype == "text/html":
            assert_escaped(response.get_data(as_text=True), f"{path} (fragment)")


def test_the_kiosk_page_and_its_json_carry_the_payloads_only_as_data(
    populated: Populated, stage: Stage
) -> None:
    kiosk = populated.client()
    page = kiosk.get(f"/player?token={stage.device_token}")
    assert page.status_code == 200
    assert_escaped(page.get_data(as_text=True), "/player")
    device = {"Authorization": f"Bearer {stage.device_token}"}
    for path in ("/player/api/manifest", "/player/api/alerts"):
        answer = kiosk.get(path, headers=device)
        assert answer.status_code == 200, path
        # JSON, never sniffed as HTML: the player puts text in with textContent.
        assert answer.mimetype == "application/json"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "alert(1)" in kiosk.get("/player/api/manifest", headers=device).get_data(as_text=True)


def test_the_public_pages_show_the_payloads_escaped(populated: Populated, stage: Stage) -> None:
    citizen = populated.client()
    for path in (
        "/public/",
        f"/public/{stage.slug}",
        f"/public/{stage.slug}?lang=en",
        f"/public/{stage.slug}/live",
    ):
        response = citizen.get(path)
        assert response.status_code == 200, path
        text = response.get_data(as_text=True)
        assert_escaped(text, path)
    page = citizen.get(f"/public/{stage.slug}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page, "the payload must reach the page"
    css = citizen.get("/public/brand.css").get_data(as_text=True)
    assert "<" not in css


@pytest.mark.parametrize("path", ["/public/xss-sted/feed.xml", "/cap.xml"])
def test_the_feeds_are_well_formed_xml_with_the_payloads_as_text(
    populated: Populated, stage: Stage, path: str
) -> None:
    response = populated.client().get(path)
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    root = ET.fromstring(text)  # noqa: S314 - our own output, checked for injected markup
    assert not root.findall(".//script")
    assert not root.findall(".//img")
    texts = " ".join(t for node in root.iter() for t in (node.text or "",))
    assert "alert(1)" in texts, "the payload must reach the feed, as text"
