"""No way into another workplace through the console: staff of the nursing home follow
every link they are offered and edit every address they can think of, and never see or
change the library's slides, screens, playlists, schedules, groups or alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from signage.accounts.services import system_principal
from signage.alerts.models import Alert
from signage.content.models import Playlist, Slide
from signage.content.services import PlaylistService
from signage.db import Database
from signage.scheduling.models import Schedule
from signage.scheduling.services import ScheduleService
from signage.screens.models import Display, Group
from signage.screens.services import GroupService
from tests.factories import World, add_slide
from tests.integration.test_console import csrf_token, sign_in

SECRET = "Bibliotekets"  # every name of the library's things starts with it
LINK = re.compile(r'href="(/console[^"#]*)"')
NOT_PAGES = ("/console/lib/",)


@dataclass
class Library:
    """The library's things (workplace A), by the names the URL rules use for them."""

    ids: dict[str, int]


@pytest.fixture
def library(database: Database, world: World) -> Library:
    place = world.locations["bibliotek"]
    with database.transaction() as session:
        principal = system_principal(session)
        slide = add_slide(session, place, f"{SECRET} nyhedsbrev")
        playlist = PlaylistService().create(
            session, principal,
            {"slug": "bibliotek-liste", "name": f"{SECRET} liste", "location_id": place,
             "items": [{"slide_id": slide}]},
        )  # fmt: skip
        schedule = ScheduleService().create(
            session, principal,
            {"playlist_id": playlist.id, "location_id": place, "tier": "normal",
             "target": {"location_id": place}},
        )  # fmt: skip
        group = GroupService().create(
            session, principal,
            {"slug": "bibliotek-skaerme", "name": f"{SECRET} skærme", "location_id": place,
             "tag": "bibliotek"},
        )  # fmt: skip
        display = session.get(Display, world.displays["bibliotek"])
        assert display is not None
        display.name = f"{SECRET} indgang"
        alert = Alert(
            location_id=place, title=f"{SECRET} varsel", severity="warning",
            targets={"location_ids": [place]},
        )  # fmt: skip
        session.add(alert)
        session.flush()
        ids = {
            "slide_id": slide, "playlist_id": playlist.id, "schedule_id": schedule.id,
            "group_id": group.id, "display_id": display.id, "alert_id": alert.id,
        }  # fmt: skip
    return Library(ids)


def snapshot(database: Database) -> list[Any]:
    """Everything of the library's that a foreign edit could change."""
    with database.sessions() as session:
        return [
            [(s.id, s.title, s.location_id) for s in session.scalars(select(Slide))],
            [(p.id, p.name, [i.slide_id for i in p.items]) for p in session.scalars(select(Playlist))],  # noqa: E501
            [(s.id, s.playlist_id, s.window_start) for s in session.scalars(select(Schedule))],
            [(d.id, d.name, d.location_id) for d in session.scalars(select(Display))],
            [(g.id, g.name, g.tag) for g in session.scalars(select(Group))],
            [(a.id, a.title, a.cleared_at) for a in session.scalars(select(Alert))],
        ]  # fmt: skip


def crawl(client: FlaskClient) -> dict[str, str]:
    """Every console page reachable by links, as the signed-in user sees it."""
    pages: dict[str, str] = {}
    queue = ["/console"]
    while queue and len(pages) < 200:
        path = queue.pop(0)
        if path in pages or path.startswith(NOT_PAGES):
            continue
        answer = client.get(path)
        pages[path] = answer.get_data(as_text=True)
        queue += [link.replace("&amp;", "&") for link in LINK.findall(pages[path])]
    return pages


def foreign_addresses(app: Flask, library: Library) -> list[tuple[str, str]]:
    """(method, address) of every console route that names one of the library's things."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/console") or not rule.arguments:
            continue
        if not set(rule.arguments) <= {*library.ids, "number"}:
            continue  # users, grants, locations, themes: admin only, checked elsewhere
        values = {name: library.ids.get(name, 1) for name in rule.arguments}
        address = rule.build(values)[1]
        found += [(method, address) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


@pytest.mark.parametrize("who", ["other_editor", "other_manager"])
def test_staff_of_another_workplace_never_see_the_librarys_things(
    client: FlaskClient, world: World, library: Library, who: str
) -> None:
    sign_in(client, f"{who}@example.dk")
    pages = crawl(client)
    assert len(pages) > 3, pages.keys()
    leaked = {path: SECRET for path, html in pages.items() if SECRET in html}
    assert leaked == {}


@pytest.mark.parametrize("who", ["other_editor", "other_manager"])
def test_editing_addresses_reaches_nothing_and_changes_nothing(
    app: Flask, client: FlaskClient, database: Database, library: Library, who: str
) -> None:
    before = snapshot(database)
    sign_in(client, f"{who}@example.dk")
    token = csrf_token(client.get("/console"))
    addresses = foreign_addresses(app, library)
    assert len(addresses) > 10
    for method, address in addresses:
        if method == "GET":
            answer = client.get(address)
        else:
            form = {"csrf_token": token, "title": "Overtaget", "name": "Overtaget",
                    "action": "identify", "reason": "nej", "order": "1"}  # fmt: skip
            answer = client.post(address, data=form)
        assert answer.status_code in (403, 404), f"{method} {address}: {answer.status_code}"
        assert SECRET not in answer.get_data(as_text=True), f"{method} {address}"
    assert snapshot(database) == before
