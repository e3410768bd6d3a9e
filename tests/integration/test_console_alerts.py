"""The console's alert pages: ready texts, what each role may target, the confirmation
before a critical alert goes to every screen, clear problems, receipts and clearing."""

from __future__ import annotations

import re
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from signage.alerts.models import Alert
from signage.db import Database
from tests.factories import World
from tests.integration.test_console import csrf_token, sign_in


def alerts(database: Database) -> list[Alert]:
    with database.sessions() as session:
        return list(session.scalars(select(Alert).order_by(Alert.id)))


def post_alert(client: FlaskClient, **fields: Any) -> Any:
    token = csrf_token(client.get("/console/alerts/new"))
    data = {
        "csrf_token": token,
        "severity": "warning",
        "title": "Vandskade",
        "body": "Kælderen er lukket",
        "expires_hours": "4",
        "reach": "places",
        **fields,
    }
    return client.post("/console/alerts/new", data=data)


def options(html: str, name: str) -> set[str]:
    select_html = re.search(rf'<select id="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select_html, name
    return set(re.findall(r'<option value="(\d+)"', select_html.group(1)))


def test_a_ready_text_fills_the_form_in_every_language(client: FlaskClient, world: World) -> None:
    sign_in(client, "communicator@example.dk")
    html = client.get("/console/alerts/new?preset=evacuation").get_data(as_text=True)
    assert "Forlad bygningen nu" in html
    assert 'lang="uk"' in html
    assert "Негайно залиште будівлю" in html
    assert 'value="critical" checked' in html


def test_a_facility_manager_is_offered_only_their_own_places_and_no_critical_alert(
    client: FlaskClient, world: World
) -> None:
    sign_in(client, "manager@example.dk")
    html = client.get("/console/alerts/new").get_data(as_text=True)
    assert options(html, "location_ids") == {str(world.locations["bibliotek"])}
    assert 'value="all"' not in html
    assert 'value="critical"' not in html


def test_a_facility_manager_sends_a_local_alert_and_sees_its_receipts(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "manager@example.dk")
    sent = post_alert(client, location_ids=str(world.locations["bibliotek"]))
    assert sent.status_code == 302
    (alert,) = alerts(database)
    assert alert.targets == {"location_ids": [world.locations["bibliotek"]]}
    page = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Vandskade" in page
    # The library's one screen has not shown it; it has never been seen, so it is offline.
    assert 'data-count="targeted">1<' in page
    assert "Indgang" in page
    assert "is-offline" in page


def test_an_alert_outside_the_managers_places_is_refused_and_nothing_is_sent(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "manager@example.dk")
    answer = post_alert(client, location_ids=str(world.locations["plejehjem"]))
    assert answer.status_code == 403
    assert "Vandskade" in answer.get_data(as_text=True)  # what was typed is kept
    critical = post_alert(
        client, severity="critical", location_ids=str(world.locations["bibliotek"])
    )
    assert critical.status_code == 403
    assert alerts(database) == []


def test_a_critical_alert_to_every_screen_is_confirmed_first(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "communicator@example.dk")
    asked = post_alert(client, severity="critical", reach="all")
    assert asked.status_code == 200
    assert "Ja, send den til alle skærme" in asked.get_data(as_text=True)
    assert alerts(database) == []
    confirmed = post_alert(client, severity="critical", reach="all", confirmed="yes")
    assert confirmed.status_code == 302
    (alert,) = alerts(database)
    assert (alert.severity, alert.targets) == ("critical", {"all": True})


def test_missing_fields_are_named_and_what_was_typed_stays(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "communicator@example.dk")
    answer = post_alert(client, title="", body="Husk jakken", expires_hours="999")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 422
    assert "Husk jakken" in html
    assert "Vælg, hvor varslingen skal vises." in html
    assert "Vælg, hvor længe varslingen skal vare." in html
    assert alerts(database) == []


def test_a_viewer_reads_alerts_but_cannot_send_or_clear(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "communicator@example.dk")
    post_alert(client, location_ids=str(world.locations["kommune"]))
    (alert,) = alerts(database)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    sign_in(client, "viewer@example.dk")
    assert client.get("/console/alerts").status_code == 200
    page = client.get(f"/console/alerts/{alert.id}")
    assert page.status_code == 200
    assert "Fjern varslingen" not in page.get_data(as_text=True)
    assert client.get("/console/alerts/new").status_code == 403
    token = csrf_token(page)
    assert (
        client.post(f"/console/alerts/{alert.id}/clear", data={"csrf_token": token}).status_code
        == 403
    )


def test_clearing_ends_the_alert(client: FlaskClient, world: World, database: Database) -> None:
    sign_in(client, "manager@example.dk")
    post_alert(client, location_ids=str(world.locations["bibliotek"]))
    (alert,) = alerts(database)
    page = client.get(f"/console/alerts/{alert.id}")
    cleared = client.post(
        f"/console/alerts/{alert.id}/clear", data={"csrf_token": csrf_token(page)}
    )
    assert cleared.status_code == 302
    assert alerts(database)[0].cleared_at is not None
    assert "Ingen varsling er aktiv." in client.get("/console/alerts").get_data(as_text=True)


def test_an_alert_of_another_workplace_is_not_found(
    client: FlaskClient, world: World, database: Database
) -> None:
    sign_in(client, "communicator@example.dk")
    post_alert(client, location_ids=str(world.locations["plejehjem"]))
    (alert,) = alerts(database)
    client.post("/logout", data={"csrf_token": csrf_token(client.get("/console"))})
    sign_in(client, "manager@example.dk")  # of the library, not the nursing home
    assert client.get(f"/console/alerts/{alert.id}").status_code == 404
    assert client.get(f"/console/alerts/{alert.id}/receipts").status_code == 404
