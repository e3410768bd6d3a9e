"""The audit log page: admins only, each within their grants; filters by who, what, when
and location (with its subtree); bad filter values are named and answered with 400;
newest first, fifty to a page."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask.testing import FlaskClient

from signage import audit
from signage.accounts.models import User
from signage.accounts.permissions import Principal
from signage.accounts.services import principal_for_user
from signage.db import Database
from tests.factories import World, add_user
from tests.integration.test_console_admin import as_, html

PAGE = "/console/admin/audit"


def entries(page: str) -> int:
    return len(re.findall(r"<td><time ", page))


def record(database: Database, world: World, name: str, count: int, **where: Any) -> None:
    """`count` entries by the seeded user `name`, as their services would write them."""
    with database.transaction() as session:
        user = session.get(User, world.users[name])
        assert user is not None
        who: Principal = principal_for_user(session, user)
        for number in range(count):
            audit.record(
                session,
                who,
                where.get("action", "slide.update"),
                where.get("kind", "slide"),
                number + 1,
                where.get("location"),
                {"fields": ["title"]},
            )


@pytest.fixture
def logged(database: Database, world: World) -> World:
    record(database, world, "manager", 2, location=world.locations["bibliotek"])
    record(database, world, "other_manager", 3, location=world.locations["plejehjem"])
    record(database, world, "admin", 1, action="brand.update", kind="brand")
    return world


def test_the_hub_offers_the_audit_log_to_admins(client: FlaskClient, world: World) -> None:
    assert f'href="{PAGE}"' in html(as_(client, "admin").get("/console/admin"))


@pytest.mark.parametrize("name", ["manager", "communicator", "editor", "viewer"])
def test_only_admins_open_the_audit_log(client: FlaskClient, world: World, name: str) -> None:
    as_(client, name)
    assert client.get(PAGE).status_code == 403
    assert f'href="{PAGE}"' not in html(client.get("/console/admin"))


def test_the_log_lists_the_newest_entry_first_in_danish(client: FlaskClient, logged: World) -> None:
    page = html(as_(client, "admin").get(PAGE))
    assert "Revisionslog" in page
    assert page.index("brand.update") < page.index("slide.update")
    assert "Visuel identitet" in page  # the brand, as staff call it
    assert "other_manager@example.dk" in page
    assert "Plejehjem" in page


def test_who_what_and_location_narrow_the_log(client: FlaskClient, logged: World) -> None:
    as_(client, "admin")
    by_who = html(client.get(PAGE, query_string={"who": "OTHER_manager@"}))
    assert entries(by_who) == 3
    assert "manager@example.dk<" not in by_who.replace("other_manager@example.dk", "")
    by_what = html(client.get(PAGE, query_string={"what": "brand"}))
    assert entries(by_what) == 1
    # A location takes everything under it: kultur holds the library.
    slides_at = {"what": "slide", "location": logged.locations["kultur"]}
    kultur = html(client.get(PAGE, query_string=slides_at))
    assert entries(kultur) == 2
    assert "Plejehjem" not in kultur.split("<table", 1)[1]
    slides_at["location"] = logged.locations["kommune"]
    assert entries(html(client.get(PAGE, query_string=slides_at))) == 5


def test_a_who_filter_with_wildcards_matches_them_literally(
    client: FlaskClient, logged: World
) -> None:
    page = html(as_(client, "admin").get(PAGE, query_string={"who": "%"}))
    assert entries(page) == 0
    assert "Ingen hændelser passer til filteret." in page


def test_dates_narrow_the_log_by_local_day(client: FlaskClient, logged: World) -> None:
    as_(client, "admin")
    today = datetime.now(ZoneInfo("Europe/Copenhagen")).date()
    tomorrow = (today + timedelta(days=1)).isoformat()
    yesterday = (today - timedelta(days=1)).isoformat()
    assert entries(html(client.get(PAGE, query_string={"from": tomorrow}))) == 0
    both = {"from": yesterday, "to": tomorrow, "what": "slide"}
    assert entries(html(client.get(PAGE, query_string=both))) == 5


@pytest.mark.parametrize(
    ("args", "field", "sentence"),
    [
        ({"location": "abc"}, "location", "Vælg en af lokationerne på listen."),
        ({"location": "99999"}, "location", "Vælg en af lokationerne på listen."),
        ({"location": "9" * 40}, "location", "Vælg en af lokationerne på listen."),
        ({"what": "nonsense"}, "what", "Vælg en af mulighederne."),
        ({"from": "2026-02-30"}, "from", "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ({"to": "yesterday"}, "to", "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ({"from": "2026-11-27", "to": "2026-11-26"}, "to", "Slutdatoen ligger før startdatoen."),
        ({"before": "-1"}, "before", "Siden findes ikke. Start forfra."),
        ({"who": "x" * 255}, "who", "Skriv højst 254 tegn."),
    ],
)
def test_bad_filter_values_are_named_and_answered_with_400(
    client: FlaskClient, logged: World, args: dict[str, str], field: str, sentence: str
) -> None:
    response = as_(client, "admin").get(PAGE, query_string=args)
    assert response.status_code == 400
    page = html(response)
    assert sentence in page
    assert "Et filter blev ikke forstået" in page
    if field != "before":
        assert f'id="filter-{field}"' in page
        assert f'aria-describedby="filter-{field}-problem"' in page
    assert entries(page) > 0  # the rest of the log is still shown


def test_the_log_pages_fifty_at_a_time(
    client: FlaskClient, database: Database, logged: World
) -> None:
    record(database, logged, "manager", 60, location=logged.locations["bibliotek"])
    as_(client, "admin")
    first = html(client.get(PAGE, query_string={"who": "manager@example.dk"}))
    assert entries(first) == 50
    older = re.search(r'href="([^"]*before=[0-9]+[^"]*)">Ældre hændelser', first)
    assert older, "no link to older entries"
    link = older.group(1).replace("&amp;", "&")
    assert parse_qs(urlsplit(link).query)["who"] == ["manager@example.dk"]  # the filter stays
    second = html(client.get(link))
    # 62 by the library's manager and 3 by the care home's (whose email contains it).
    assert entries(second) == 65 - 50
    assert "Ældre hændelser" not in second
    assert "Nyeste hændelser" in second


def test_an_admin_of_part_of_the_tree_reads_only_their_part(
    client: FlaskClient, database: Database, logged: World
) -> None:
    with database.transaction() as session:
        add_user(session, "kulturadmin@example.dk", "admin", logged.locations["kultur"])
    page = html(as_(client, "kulturadmin").get(PAGE))
    table = page.split("<table", 1)[1]
    assert entries(page) > 0
    assert "Plejehjem" not in table
    assert "other_manager@example.dk" not in table
    assert "brand.update" not in table  # about no location: the whole municipality's
    slides = html(client.get(PAGE, query_string={"what": "slide"}))
    assert entries(slides) == 2
    refused = client.get(PAGE, query_string={"location": logged.locations["plejehjem"]})
    assert refused.status_code == 400
