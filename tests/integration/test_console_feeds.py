"""Feeds in the console: listed with their state in Danish (a failing feed says why and
that its last good items still show), created and changed by form with CSRF, refused
outside the editor's scope, and an address the server may not fetch refused at the
field."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from signage.db import Database, utcnow
from signage.feeds.models import Feed
from signage.feeds.services import record_failure, record_success
from signage.net import fetch
from tests.factories import World
from tests.integration.test_console_admin import as_, html, post


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> None:
    table = {"www.gladsaxe.dk": ["93.184.216.34"], "intranet.example.org": ["10.0.0.1"]}

    def resolve(host: str, _port: int) -> list[str]:
        if host not in table:
            raise OSError(host)
        return table[host]

    monkeypatch.setattr(fetch, "resolve", resolve)


def form(world: World, **changes: Any) -> dict[str, Any]:
    return {
        "name": "Kommunens nyheder",
        "kind": "rss",
        "url": "https://www.gladsaxe.dk/nyheder.rss",
        "refresh_minutes": "15",
        "location_id": str(world.locations["bibliotek"]),
        **changes,
    }


def test_an_editor_creates_a_feed_by_form_and_sees_it_listed_in_danish(
    client: FlaskClient, world: World, database: Database, names: None
) -> None:
    editor = as_(client, "editor")
    page = editor.get("/console/feeds/new")
    assert page.status_code == 200
    assert "CAP-varsler" not in html(page)  # CAP feeds are for communicators
    created = post(editor, "/console/feeds/new", form(world))
    assert created.status_code == 302
    with database.sessions() as session:
        feed = session.scalar(select(Feed))
        assert feed is not None
        assert (feed.kind, feed.refresh_s) == ("rss", 900)
    listing = html(editor.get("/console/feeds"))
    assert "Kommunens nyheder" in listing
    assert "Venter på første hentning" in listing


def test_a_failing_feed_says_why_and_that_its_last_items_still_show(
    client: FlaskClient, world: World, database: Database, names: None
) -> None:
    editor = as_(client, "editor")
    post(editor, "/console/feeds/new", form(world))
    with database.transaction() as session:
        feed = session.scalar(select(Feed))
        assert feed is not None
        record_success(feed, [{"title": "Ny cykelsti"}], utcnow())
        record_failure(feed, "timeout", "www.gladsaxe.dk did not answer in time", utcnow())
        feed_id = feed.id
    listing = html(editor.get("/console/feeds"))
    assert "Fejler" in listing
    assert "Serveren på adressen svarede ikke i tide." in listing
    assert "vises stadig" in listing
    detail = html(editor.get(f"/console/feeds/{feed_id}"))
    assert "Ny cykelsti" in detail
    assert "did not answer in time" in detail


def test_an_address_the_server_may_not_fetch_is_refused_at_its_field(
    client: FlaskClient, world: World, database: Database, names: None
) -> None:
    editor = as_(client, "editor")
    refused = post(
        editor, "/console/feeds/new", form(world, url="https://intranet.example.org/rss")
    )
    assert refused.status_code == 422
    assert "Serveren må ikke hente fra denne adresse" in html(refused)
    assert 'aria-invalid="true"' in html(refused)
    with database.sessions() as session:
        assert session.scalar(select(Feed)) is None


def test_forms_need_csrf_and_other_locations_feeds_are_out_of_reach(
    client: FlaskClient, world: World, database: Database, names: None
) -> None:
    editor = as_(client, "editor")
    no_token = editor.post("/console/feeds/new", data=form(world))
    assert no_token.status_code in (400, 403)
    post(editor, "/console/feeds/new", form(world, kind="push", url=""))
    with database.sessions() as session:
        feed_id = session.scalar(select(Feed.id))
    editor.get("/logout")
    other = as_(client, "other_editor")
    assert other.get(f"/console/feeds/{feed_id}").status_code == 404
    assert post(other, f"/console/feeds/{feed_id}/delete").status_code == 404
    elsewhere = post(other, "/console/feeds/new", form(world, kind="push", url=""))
    assert elsewhere.status_code == 422  # the location is not one of their choices
