"""Choosing a layout in the console: on a display's page, a group's and a location's, a
radio button per layout with a preview of its regions, and one to inherit that names
what it inherits and from where. A choice is saved with its change and audit entry
(so the screens get a new manifest), an unknown layout is refused beside the chooser
with nothing typed lost, and nobody reaches outside their scope."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from signage.accounts.models import AuditEvent
from signage.accounts.services import system_principal
from signage.core.layouts import LAYOUTS
from signage.db import Database
from signage.scheduling.models import Change
from signage.screens.models import Display, Group, Location
from signage.screens.services import DisplayService, GroupService, LocationService
from tests.factories import World
from tests.integration.test_console import sign_in
from tests.integration.test_console_planning import post, text

Console = Callable[[str], FlaskClient]


@pytest.fixture
def console(app: Flask, world: World) -> Console:
    def make(name: str) -> FlaskClient:
        client = app.test_client()
        assert sign_in(client, f"{name}@example.dk").status_code == 302
        return client

    return make


def display_form(world: World, **changes: Any) -> dict[str, Any]:
    form = {
        "name": "Indgang",
        "location_id": world.locations["bibliotek"],
        "orientation": "landscape",
        "languages": "",
        "tags": "",
    }
    return {**form, **changes}


def group_form(world: World, **changes: Any) -> dict[str, Any]:
    form = {
        "name": "Foyer",
        "slug": "foyer",
        "location_id": str(world.locations["bibliotek"]),
        "members": "list",
        "display_ids": str(world.displays["bibliotek"]),
    }
    return {**form, **changes}


def location_form(world: World, **changes: Any) -> dict[str, Any]:
    form = {"name": "Bibliotek", "slug": "bibliotek", "parent_id": str(world.locations["kultur"])}
    return {**form, **changes}


def write(database: Database, service: Any, model: Any, entity_id: int, **data: Any) -> None:
    """Change an entity as the system would (the setting a page then inherits)."""
    with database.transaction() as session:
        service.update(session, system_principal(session), session.get(model, entity_id), data)


def add_group(database: Database, world: World, **extra: Any) -> int:
    with database.transaction() as session:
        data = {
            "slug": "foyer",
            "name": "Foyer",
            "location_id": world.locations["bibliotek"],
            "display_ids": [world.displays["bibliotek"]],
            **extra,
        }
        return GroupService().create(session, system_principal(session), data).id


def stored(database: Database, model: Any, entity_id: int) -> str | None:
    with database.sessions() as session:
        found = session.get(model, entity_id)
        assert found is not None
        return found.layout


def last_change(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.max(Change.id))) or 0)


def changes_since(database: Database, revision: int) -> set[tuple[str, int | None]]:
    with database.sessions() as session:
        rows = session.execute(select(Change.kind, Change.entity_id).where(Change.id > revision))
        return {(row.kind, row.entity_id) for row in rows}


def audited(database: Database, action: str, entity_id: int) -> list[dict[str, Any]]:
    with database.sessions() as session:
        rows = session.scalars(
            select(AuditEvent.details).where(
                AuditEvent.action == action, AuditEvent.entity_id == entity_id
            )
        )
        return list(rows)


def checked(page: str) -> list[str]:
    """The values of the checked layout radio buttons."""
    return re.findall(r'name="layout" value="([^"]+)" checked', page)


# -- a display --------------------------------------------------------------------------
def test_the_display_page_offers_every_layout_and_inherit_each_with_a_labelled_preview(
    console: Console, world: World
) -> None:
    page = text(console("manager").get(f"/console/displays/{world.displays['bibliotek']}"))

    values = re.findall(r'name="layout" value="([^"]+)"', page)
    assert values == ["inherit", *LAYOUTS]
    assert checked(page) == ["inherit"]
    assert "Arv: Hele skærmen" in page
    assert 'data-orientation="landscape"' in page
    ticker = page[page.index('data-layout="main-side-ticker"') :]
    ticker = ticker[: ticker.index("</svg>")]
    assert re.findall(r">[^<\s]+<", ticker) == [">Hovedområde<", ">Sidekolonne<", ">Nyhedsbånd<"]


def test_a_manager_chooses_a_layout_and_it_is_saved_with_a_change_and_an_audit_entry(
    console: Console, world: World, database: Database
) -> None:
    client, display_id = console("manager"), world.displays["bibliotek"]
    before = last_change(database)

    answer = post(
        client, f"/console/displays/{display_id}", display_form(world, layout="main-ticker")
    )

    assert answer.status_code == 303
    assert stored(database, Display, display_id) == "main-ticker"
    assert ("display", display_id) in changes_since(database, before)
    assert "layout" in audited(database, "display.update", display_id)[-1]["fields"]
    assert checked(text(client.get(f"/console/displays/{display_id}"))) == ["main-ticker"]


def test_inherit_takes_a_displays_own_layout_away_and_names_where_the_layout_comes_from(
    console: Console, world: World, database: Database
) -> None:
    client, display_id = console("manager"), world.displays["bibliotek"]
    write(database, DisplayService(), Display, display_id, layout="main-side-ticker")
    write(database, LocationService(), Location, world.locations["kultur"], layout="main-side")

    answer = post(client, f"/console/displays/{display_id}", display_form(world, layout="inherit"))
    from_location = text(client.get(f"/console/displays/{display_id}"))
    add_group(database, world, layout="main-ticker")
    from_group = text(client.get(f"/console/displays/{display_id}"))

    assert answer.status_code == 303
    assert stored(database, Display, display_id) is None
    assert checked(from_location) == ["inherit"]
    assert "Arv: Hovedområde med sidekolonne" in from_location
    assert "Fra lokationen Kultur." in from_location
    assert "Arv: Hovedområde med nyhedsbånd" in from_group
    assert "Fra gruppen Foyer." in from_group


def test_an_unknown_layout_is_refused_beside_the_chooser_and_nothing_typed_is_lost(
    console: Console, world: World, database: Database
) -> None:
    display_id = world.displays["bibliotek"]
    before = last_change(database)

    answer = post(
        console("manager"),
        f"/console/displays/{display_id}",
        display_form(world, name="Nyt navn", orientation="portrait", layout="biograf"),
    )

    page = text(answer)
    assert answer.status_code == 422
    assert 'id="layout-problem"' in page
    assert "Vælg et af de viste layouts." in page
    assert 'value="Nyt navn"' in page
    assert 'data-orientation="portrait"' in page  # the previews follow what was chosen
    assert checked(page) == []
    with database.sessions() as session:
        shown = session.get(Display, display_id)
        assert shown is not None
        assert (shown.name, shown.layout) == ("Indgang", None)
    assert changes_since(database, before) == set()


def test_a_portrait_display_previews_its_layouts_standing(
    console: Console, world: World, database: Database
) -> None:
    display_id = world.displays["bibliotek"]
    write(database, DisplayService(), Display, display_id, orientation="portrait")

    page = text(console("manager").get(f"/console/displays/{display_id}"))

    assert 'data-orientation="portrait"' in page
    assert 'class="layout-preview portrait" data-layout="main-side" viewBox="0 0 135.0 240.0"' in (
        page
    )


def test_a_form_without_the_chooser_leaves_the_layout_as_it_is(
    console: Console, world: World, database: Database
) -> None:
    display_id = world.displays["bibliotek"]
    write(database, DisplayService(), Display, display_id, layout="main-side")

    answer = post(console("manager"), f"/console/displays/{display_id}", display_form(world))

    assert answer.status_code == 303
    assert stored(database, Display, display_id) == "main-side"


def test_nobody_outside_a_displays_scope_chooses_its_layout(
    console: Console, world: World, database: Database
) -> None:
    mine, theirs = world.displays["bibliotek"], world.displays["plejehjem"]

    other = post(
        console("manager"),
        f"/console/displays/{theirs}",
        display_form(world, name="Personalestue", layout="main-side"),
        page=f"/console/displays/{mine}",
    )
    editor = post(
        console("editor"), f"/console/displays/{mine}", display_form(world, layout="main-side")
    )
    page = text(console("editor").get(f"/console/displays/{mine}"))

    assert other.status_code == 404
    assert editor.status_code == 403
    assert 'name="layout"' not in page
    assert stored(database, Display, mine) is None
    assert stored(database, Display, theirs) is None


# -- a group ----------------------------------------------------------------------------
def test_a_manager_chooses_a_groups_layout_seeing_both_orientations(
    console: Console, world: World, database: Database
) -> None:
    client = console("manager")
    group_id = add_group(database, world)
    page = text(client.get(f"/console/admin/groups/{group_id}"))
    before = last_change(database)

    answer = post(
        client, f"/console/admin/groups/{group_id}", group_form(world, layout="main-side")
    )

    assert 'data-orientation="both"' in page
    assert checked(page) == ["inherit"]
    assert "Hver skærm følger sin lokation; på Bibliotek er det dette layout." in page
    assert answer.status_code == 302
    assert stored(database, Group, group_id) == "main-side"
    assert ("group", group_id) in changes_since(database, before)
    assert "layout" in audited(database, "group.update", group_id)[-1]["fields"]
    assert checked(text(client.get(f"/console/admin/groups/{group_id}"))) == ["main-side"]


def test_an_unknown_group_layout_is_refused_and_the_group_is_unchanged(
    console: Console, world: World, database: Database
) -> None:
    client = console("manager")
    group_id = add_group(database, world)

    answer = post(
        client,
        f"/console/admin/groups/{group_id}",
        group_form(world, name="Omdøbt", layout="../full"),
    )

    page = text(answer)
    assert answer.status_code == 422
    assert "Vælg et af de viste layouts." in page
    assert 'value="Omdøbt"' in page
    with database.sessions() as session:
        group = session.get(Group, group_id)
        assert group is not None
        assert (group.name, group.layout) == ("Foyer", None)


# -- a location -------------------------------------------------------------------------
def test_an_admin_chooses_a_locations_layout_and_a_location_below_inherits_it(
    console: Console, world: World, database: Database
) -> None:
    client = console("admin")
    kultur, bibliotek = world.locations["kultur"], world.locations["bibliotek"]
    before = last_change(database)

    answer = post(
        client,
        f"/console/admin/locations/{kultur}",
        location_form(
            world, name="Kultur", slug="kultur", parent_id=str(world.locations["kommune"]),
            layout="main-side-ticker",
        ),
    )  # fmt: skip
    below = text(client.get(f"/console/admin/locations/{bibliotek}"))
    display = text(client.get(f"/console/displays/{world.displays['bibliotek']}"))

    assert answer.status_code == 302
    assert stored(database, Location, kultur) == "main-side-ticker"
    assert ("location", kultur) in changes_since(database, before)
    assert "layout" in audited(database, "location.update", kultur)[-1]["fields"]
    assert "Arv: Hovedområde, sidekolonne og nyhedsbånd" in below
    assert "Fra lokationen Kultur." in below
    assert "Arv: Hovedområde, sidekolonne og nyhedsbånd" in display


def test_an_unknown_location_layout_is_refused_with_the_form_kept(
    console: Console, world: World, database: Database
) -> None:
    bibliotek = world.locations["bibliotek"]

    answer = post(
        console("admin"),
        f"/console/admin/locations/{bibliotek}",
        location_form(world, name="Hovedbiblioteket", layout="MAIN"),
    )

    page = text(answer)
    assert answer.status_code == 422
    assert "Vælg et af de viste layouts." in page
    assert 'value="Hovedbiblioteket"' in page
    with database.sessions() as session:
        location = session.get(Location, bibliotek)
        assert location is not None
        assert (location.name, location.layout) == ("Bibliotek", None)


def test_a_manager_may_not_choose_a_locations_layout(
    console: Console, world: World, database: Database
) -> None:
    bibliotek = world.locations["bibliotek"]

    answer = post(
        console("manager"),
        f"/console/admin/locations/{bibliotek}",
        location_form(world, layout="main-side"),
        page="/console",
    )

    assert answer.status_code == 403
    assert stored(database, Location, bibliotek) is None


def test_the_layout_chooser_is_in_english_on_request(console: Console, world: World) -> None:
    client = console("manager")
    path = f"/console/displays/{world.displays['bibliotek']}"
    token = re.search(r'name="csrf_token" value="([^"]+)"', text(client.get(path)))
    assert token
    client.post("/language", data={"language": "en", "next": path, "csrf_token": token[1]})

    page = text(client.get(path))

    assert "Inherit: Full screen" in page
    assert ">Main area<" in page
    assert ">News ticker<" in page
    assert "Main area, side column and news ticker" in page
