"""The displays dashboard: every screen a user may read with its status and what it shows,
filters that never break, and reload/identify only for those who may command a screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from signage.content.renditions import RenditionWorker
from signage.db import Database
from signage.realtime import RecordingNotifier
from tests import media_files as files
from tests.factories import World, add_display
from tests.integration.test_console import csrf_token, sign_in

HTMX = {"HX-Request": "true"}


@pytest.fixture
def sent(app: Flask) -> RecordingNotifier:
    """What the console sends to kiosks, recorded instead of put on a socket."""
    notifier = RecordingNotifier()
    app.extensions["signage.notifier"] = notifier
    return notifier


def as_staff(client: FlaskClient, name: str) -> FlaskClient:
    response = sign_in(client, email=f"{name}@example.dk")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def dashboard(client: FlaskClient, **query: Any) -> tuple[int, str]:
    response = client.get("/console/displays", query_string=query)
    return response.status_code, response.get_data(as_text=True)


def names(html: str) -> list[str]:
    """The screens listed, by the names their rows link."""
    return re.findall(r'<td class="name"><a href="/console/displays/\d+">([^<]+)</a>', html)


def command(client: FlaskClient, display_id: int, action: str, **kw: Any) -> Any:
    token = csrf_token(client.get("/console/displays"))
    return client.post(
        f"/console/displays/{display_id}/commands",
        data={"action": action, "csrf_token": token},
        **kw,
    )


def beat(client: FlaskClient, as_user: Any, display_id: int, **status: Any) -> None:
    """A heartbeat through the kiosk's own HTTP call, with a fresh device token."""
    token = as_user("admin").post(f"displays/{display_id}/token").get_json()["token"]
    body = {"version": "v1", "player_version": "1.4.2", "screen": [1920, 1080], **status}
    response = client.post(
        "/player/api/heartbeat", json=body, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 204, response.get_data(as_text=True)


def text_slide(as_user: Any, world: World, title: str, pictogram: str = "info") -> int:
    """An approved text slide at the library."""
    editor, manager = as_user("editor"), as_user("manager")
    made = editor.post(
        "slides",
        {
            "location_id": world.locations["bibliotek"],
            "title": title,
            "kind": "text",
            "pictogram": pictogram,
            "fields": {"heading": title},
        },
    )
    assert made.status_code == 201, made.get_json()
    slide = made.get_json()["id"]
    editor.post(f"slides/{slide}/submit")
    assert manager.post(f"slides/{slide}/approve").status_code == 200
    return int(slide)


# -- who sees what ----------------------------------------------------------------------
def test_a_viewer_sees_every_screen_they_may_read_but_no_command_buttons(
    client: FlaskClient, world: World
) -> None:
    status, html = dashboard(as_staff(client, "viewer"))
    assert status == 200
    assert sorted(names(html)) == ["Indgang", "Personalestue"]
    assert "Ikke parret" in html
    assert "Aldrig" in html  # never seen
    assert "Identificér" not in html
    assert "/commands" not in html


def test_a_viewer_posting_a_command_anyway_is_refused_and_nothing_is_sent(
    client: FlaskClient, world: World, sent: RecordingNotifier
) -> None:
    as_staff(client, "viewer")
    response = command(client, world.displays["bibliotek"], "identify")
    assert response.status_code == 403
    assert sent.sent == []


def test_a_manager_has_buttons_for_their_own_screens_only(
    client: FlaskClient, world: World, database: Database, sent: RecordingNotifier
) -> None:
    with database.transaction() as session:
        town_hall = add_display(session, world.locations["kommune"], "Rådhus")
    status, html = dashboard(as_staff(client, "manager"))
    assert status == 200
    # The library's manager reads the municipality's screen too, but may not command it.
    assert sorted(names(html)) == ["Indgang", "Rådhus"]
    assert f'id="identify-{world.displays["bibliotek"]}"' in html
    assert f'id="reload-{world.displays["bibliotek"]}"' in html
    assert f'id="identify-{town_hall}"' not in html
    assert command(client, town_hall, "reload").status_code == 403
    assert sent.sent == []


def test_a_manager_of_another_workplace_cannot_see_or_command_a_screen_by_editing_urls(
    client: FlaskClient, world: World, sent: RecordingNotifier
) -> None:
    library_screen = world.displays["bibliotek"]
    as_staff(client, "other_manager")
    status, html = dashboard(client)
    assert names(html) == ["Personalestue"]
    assert client.get(f"/console/displays/{library_screen}/row").status_code == 404
    assert command(client, library_screen, "identify").status_code == 404
    assert command(client, library_screen, "reload", headers=HTMX).status_code == 404
    status, html = dashboard(client, location=world.locations["bibliotek"])
    assert status == 400
    assert "Indgang" not in html
    assert sent.sent == []


# -- commands -----------------------------------------------------------------------------
def test_a_manager_sends_identify_and_sees_a_confirmation(
    client: FlaskClient, world: World, as_user: Any, sent: RecordingNotifier
) -> None:
    screen = world.displays["bibliotek"]
    beat(client, as_user, screen)  # online
    as_staff(client, "manager")
    response = command(client, screen, "identify", headers=HTMX)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Indgang viser nu sit navn på skærmen." in html
    assert "<html" not in html
    assert sent.sent == [
        ("command", {"action": "identify", "name": "Indgang"}, f"display:{screen}", "/player")
    ]


def test_a_command_without_htmx_returns_to_the_dashboard_with_the_message(
    client: FlaskClient, world: World, sent: RecordingNotifier
) -> None:
    as_staff(client, "manager")
    response = command(client, world.displays["bibliotek"], "reload", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/console/displays"
    # Never seen, so the kiosk is not there to hear it: the manager is told so.
    assert "Indgang er offline og får derfor ikke kommandoen." in response.get_data(as_text=True)
    assert [event for event, *_ in sent.sent] == ["command"]


@pytest.mark.parametrize("action", ["", "reboot", "identify\x00", "x" * 500])
def test_an_unknown_command_is_a_400_with_a_message_and_nothing_is_sent(
    action: str, client: FlaskClient, world: World, sent: RecordingNotifier
) -> None:
    as_staff(client, "manager")
    response = command(client, world.displays["bibliotek"], action, headers=HTMX)
    assert response.status_code == 400
    assert "Vælg genindlæs eller identificér." in response.get_data(as_text=True)
    assert sent.sent == []


def test_a_command_needs_the_csrf_token(
    client: FlaskClient, world: World, sent: RecordingNotifier
) -> None:
    as_staff(client, "manager")
    response = client.post(
        f"/console/displays/{world.displays['bibliotek']}/commands", data={"action": "reload"}
    )
    assert response.status_code == 400
    assert sent.sent == []


# -- filters ------------------------------------------------------------------------------
def test_a_location_filter_shows_that_location_and_everything_below_it(
    client: FlaskClient, world: World, database: Database
) -> None:
    with database.transaction() as session:
        add_display(session, world.locations["kommune"], "Rådhus")
    as_staff(client, "viewer")
    assert names(dashboard(client, location=world.locations["kultur"])[1]) == ["Indgang"]
    assert names(dashboard(client, location=world.locations["social"])[1]) == ["Personalestue"]
    everything = names(dashboard(client, location=world.locations["kommune"])[1])
    assert sorted(everything) == ["Indgang", "Personalestue", "Rådhus"]


def test_a_group_filter_shows_its_members_listed_or_tagged(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    admin = as_user("admin")
    listed = admin.post(
        "groups",
        {
            "slug": "udvalgte",
            "name": "Udvalgte",
            "location_id": world.locations["kommune"],
            "display_ids": [world.displays["plejehjem"]],
        },
    ).get_json()["id"]
    tagged = admin.post(
        "groups",
        {
            "slug": "foyer",
            "name": "Foyer",
            "location_id": world.locations["kommune"],
            "tag": "foyer",
        },
    ).get_json()["id"]
    admin.patch(f"displays/{world.displays['bibliotek']}", json={"tags": ["foyer"]})
    as_staff(client, "viewer")
    assert names(dashboard(client, group=listed)[1]) == ["Personalestue"]
    assert names(dashboard(client, group=tagged)[1]) == ["Indgang"]
    both = dashboard(client, group=tagged, location=world.locations["social"])[1]
    assert names(both) == []
    assert "Ingen skærme passer til filteret." in both


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("location", "abc"),
        ("location", "-1"),
        ("location", "0"),
        ("location", "1.5"),
        ("location", "99999999999999999999999"),
        ("location", "٣"),
        ("location", "999999"),
        ("location", "1\x00"),
        ("group", "abc"),
        ("group", "999999"),
        ("group", "99999999999999999999999"),
    ],
)
def test_a_bad_filter_value_is_a_400_with_a_message_and_the_unfiltered_list(
    field: str, value: str, client: FlaskClient, world: World
) -> None:
    as_staff(client, "viewer")
    status, html = dashboard(client, **{field: value})
    assert status == 400
    assert "Et filter blev ikke forstået, så det blev ikke brugt." in html
    assert f'aria-describedby="filter-{field}-problem"' in html
    assert sorted(names(html)) == ["Indgang", "Personalestue"]


def test_a_group_of_another_workplace_is_a_bad_filter_value(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    group = (
        as_user("manager")
        .post(
            "groups",
            {
                "slug": "bib",
                "name": "Biblioteket",
                "location_id": world.locations["bibliotek"],
                "display_ids": [world.displays["bibliotek"]],
            },
        )
        .get_json()["id"]
    )
    as_staff(client, "other_manager")
    status, html = dashboard(client, group=group)
    assert status == 400
    assert "Biblioteket" not in html
    assert "Indgang" not in html


def test_a_filter_sent_by_htmx_gets_only_the_dashboard_part(
    client: FlaskClient, world: World
) -> None:
    as_staff(client, "viewer")
    response = client.get(
        "/console/displays", query_string={"location": world.locations["kultur"]}, headers=HTMX
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="dashboard">')
    assert names(html) == ["Indgang"]
    bad = client.get("/console/displays", query_string={"group": "x"}, headers=HTMX)
    assert bad.status_code == 400
    assert "<html" not in bad.get_data(as_text=True)


# -- what a screen reports ------------------------------------------------------------------
def test_a_screen_that_reports_is_online_with_its_slide_version_size_and_clock(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    slide = text_slide(as_user, world, "Åbningstider", pictogram="clock")
    screen = world.displays["bibliotek"]
    beat(client, as_user, screen, slide=slide, clock_skew_ms=12_300)
    _, html = dashboard(as_staff(client, "viewer"))
    row = html[html.index(f'data-live-display="{screen}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="online">Online</span>' in row
    assert f'data-slide="{slide}"' in row
    assert "Åbningstider" in row
    assert '/player/icons/clock.svg"' in row
    assert "1.4.2" in row
    assert "1920 × 1080" in row
    assert "Tjek uret:" in row
    assert "12,3 s bagud" in row
    assert re.search(r'<time class="muted" datetime="\d{4}-\d\d-\d\dT[^"]+">', row)
    assert "sekund" in row  # "for 0 sekunder siden"
    assert '<strong data-count="online">1</strong>' in html
    assert '<strong data-count="offline">1</strong>' in html


def test_a_small_clock_difference_is_no_warning(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    beat(client, as_user, world.displays["bibliotek"], clock_skew_ms=-800)
    _, html = dashboard(as_staff(client, "viewer"))
    assert "0,8 s foran" in html
    assert "Tjek uret:" not in html


@pytest.mark.slow
def test_a_picture_slide_shows_its_media_thumbnail(
    client: FlaskClient, world: World, as_user: Any, worker: RenditionWorker
) -> None:
    media = as_user("editor").upload(
        files.jpeg(800, 600), "plakat.jpg", world.locations["bibliotek"]
    )
    assert media.status_code == 201, media.get_json()
    sha = media.get_json()["sha256"]
    slide = (
        as_user("editor")
        .post(
            "slides",
            {
                "location_id": world.locations["bibliotek"],
                "title": "Plakat",
                "kind": "image",
                "media_id": media.get_json()["id"],
                "alt": "En plakat for sommerlæsning",
            },
        )
        .get_json()["id"]
    )
    as_user("editor").post(f"slides/{slide}/submit")
    assert as_user("manager").post(f"slides/{slide}/approve").status_code == 200
    worker.run_once()
    beat(client, as_user, world.displays["bibliotek"], slide=slide)
    _, html = dashboard(as_staff(client, "viewer"))
    assert f'src="/media/{sha}/thumb.webp" alt="En plakat for sommerlæsning"' in html
    with client.get(f"/media/{sha}/thumb.webp") as thumbnail:
        assert thumbnail.status_code == 200


def test_a_slide_of_a_location_the_user_cannot_read_is_not_named(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    """The library's slide on the municipality's screen: the care home's manager reads
    the screen but not the library's slide."""
    slide = text_slide(as_user, world, "Bibliotekets hemmelighed")
    with client.application.extensions["signage.db"].transaction() as session:
        town_hall = add_display(session, world.locations["kommune"], "Rådhus")
    beat(client, as_user, town_hall, slide=slide)
    as_staff(client, "other_manager")
    _, html = dashboard(client)
    assert "Rådhus" in names(html)
    assert "Bibliotekets hemmelighed" not in html
    assert "Et slide fra et sted, du ikke kan se" in html


def test_a_row_fragment_is_one_live_table_row(
    client: FlaskClient, world: World, as_user: Any
) -> None:
    screen = world.displays["bibliotek"]
    as_staff(client, "manager")
    response = client.get(f"/console/displays/{screen}/row", headers=HTMX)
    html = response.get_data(as_text=True).strip()
    assert response.status_code == 200
    assert html.startswith("<tr ")
    assert html.endswith("</tr>")
    assert f'data-live-display="{screen}"' in html
    assert f'hx-get="/console/displays/{screen}/row"' in html
    assert 'hx-trigger="display-updated"' in html
    assert f'id="identify-{screen}"' in html


def test_the_dashboard_is_in_english_on_request(client: FlaskClient, world: World) -> None:
    as_staff(client, "viewer")
    token = csrf_token(client.get("/console/displays"))
    client.post("/language", data={"language": "en", "next": "/", "csrf_token": token})
    _, html = dashboard(client)
    assert "Showing now" in html
    assert "Vises nu" not in html


def test_the_dashboard_has_no_inline_script_or_style(client: FlaskClient, world: World) -> None:
    _, html = dashboard(as_staff(client, "manager"))
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert "<style" not in html
    assert re.search(r"\son[a-z]+=", html) is None
    assert ' style="' not in html
    assert "hx-on" not in html
