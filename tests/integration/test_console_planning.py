"""The facility manager's console pages (journey 3): pairing a screen, its page with
"showing now", playlists and schedules with their calendar — each inside the user's
scope, with bad input explained next to its field and nothing typed lost."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from signage.accounts.services import system_principal
from signage.content.models import Playlist
from signage.content.renditions import RenditionWorker
from signage.content.services import PlaylistService
from signage.db import Database
from signage.scheduling.models import Schedule
from signage.scheduling.services import ScheduleService
from signage.screens.models import Display
from signage.screens.services import DisplayService
from tests import media_files as files
from tests.factories import World, add_slide
from tests.integration.test_console import csrf_token, sign_in

Console = Callable[[str], FlaskClient]


@dataclass
class Plans:
    """Per workplace (bibliotek, plejehjem): an approved slide, a playlist with it and a
    schedule putting the playlist on the workplace's display all day."""

    slides: dict[str, int]
    playlists: dict[str, int]
    schedules: dict[str, int]


@pytest.fixture
def plans(database: Database, world: World) -> Plans:
    found = Plans({}, {}, {})
    with database.transaction() as session:
        system = system_principal(session)
        for place in ("bibliotek", "plejehjem"):
            location = world.locations[place]
            slide = add_slide(session, location, f"{place.title()}dias")
            second = add_slide(session, location, f"{place.title()}dias to")
            playlist = PlaylistService().create(
                session,
                system,
                {
                    "slug": f"{place}-liste",
                    "name": f"{place.title()}liste",
                    "location_id": location,
                    "items": [{"slide_id": slide}],
                },
            )
            schedule = ScheduleService().create(
                session,
                system,
                {"playlist_id": playlist.id, "target": {"display_id": world.displays[place]}},
            )
            found.slides[place], found.slides[f"{place}2"] = slide, second
            found.playlists[place], found.schedules[place] = playlist.id, schedule.id
    return found


@pytest.fixture
def console(app: Flask, world: World) -> Console:
    """A test client signed in to the console as one of the seeded users."""

    def make(name: str) -> FlaskClient:
        client = app.test_client()
        answer = sign_in(client, f"{name}@example.dk")
        assert answer.status_code == 302, answer.get_data(as_text=True)
        return client

    return make


def text(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


def post(client: FlaskClient, path: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """POST a console form with the CSRF token of the page it lives on."""
    form = {"csrf_token": csrf_token(client.get(kwargs.pop("page", path))), **data}
    return client.post(path, data=form, **kwargs)


def count(database: Database, model: Any) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


# -- pairing ----------------------------------------------------------------------------
def register_kiosk(client: FlaskClient) -> str:
    answer = client.post("/player/api/register", json={})
    assert answer.status_code == 201
    return str(answer.get_json()["code"])


def test_pairing_a_kiosk_by_its_code_names_and_places_the_display_and_opens_its_page(
    console: Console, world: World, database: Database
) -> None:
    client = console("manager")
    code = register_kiosk(client)
    page = client.get(f"/console/displays/pair?code={code.lower()}")
    assert f'value="{code}"' in text(page)

    done = post(
        client,
        "/console/displays/pair",
        {
            "code": f"{code[:4]} {code[4:]}",
            "name": "Udlån",
            "location_id": world.locations["bibliotek"],
        },
    )

    assert done.status_code == 303
    with database.sessions() as session:
        made = session.scalar(select(Display).where(Display.name == "Udlån"))
        assert made is not None
        assert made.location_id == world.locations["bibliotek"]
    assert done.headers["Location"].endswith(f"/console/displays/{made.id}")
    assert "Udlån er parret" in text(client.get(done.headers["Location"]))


def test_pairing_at_a_location_outside_the_managers_scope_is_refused_and_keeps_the_typing(
    console: Console, world: World, database: Database
) -> None:
    client = console("manager")
    code = register_kiosk(client)
    before = count(database, Display)

    answer = post(
        client,
        "/console/displays/pair",
        {"code": code, "name": "Snigskærm", "location_id": world.locations["plejehjem"]},
    )

    assert answer.status_code == 422
    assert "Vælg en af mulighederne" in text(answer)
    assert 'value="Snigskærm"' in text(answer)
    assert count(database, Display) == before


def test_a_mistyped_code_and_a_name_in_use_are_explained_next_to_their_fields(
    console: Console, world: World
) -> None:
    client = console("manager")

    answer = post(
        client,
        "/console/displays/pair",
        {"code": "ABC", "name": "Indgang", "location_id": world.locations["bibliotek"]},
    )

    page = text(answer)
    assert answer.status_code == 422
    assert 'id="code-problem"' in page
    assert "Skriv de 8 bogstaver og tal, som skærmen viser." in page
    assert "Der er allerede en skærm med dette navn her." in page
    assert 'value="ABC"' in page


def test_an_editor_may_not_pair_screens(console: Console) -> None:
    assert console("editor").get("/console/displays/pair").status_code == 403


# -- the display page -------------------------------------------------------------------
def test_the_display_page_shows_its_place_status_and_what_it_shows_now_marked_live(
    console: Console, world: World, plans: Plans
) -> None:
    display_id = world.displays["bibliotek"]

    page = text(console("manager").get(f"/console/displays/{display_id}"))

    assert "Kommune › Kultur › Bibliotek" in page
    assert "Offline" in page
    assert "Bibliotekdias" in page
    live = re.search(r"<div[^>]*data-live-display=\"(\d+)\"[^>]*>", page)
    assert live is not None
    assert live.group(1) == str(display_id)
    assert f'hx-get="/console/displays/{display_id}/now"' in live.group(0)
    assert 'hx-trigger="display-updated"' in live.group(0)
    assert page.count('class="day-name"') == 7  # the week of what plays


def test_the_live_fragment_is_what_the_server_resolves_now_without_the_page_around_it(
    console: Console, world: World, plans: Plans
) -> None:
    display_id = world.displays["bibliotek"]
    client = console("manager")

    fragment = client.get(f"/console/displays/{display_id}/now", headers={"HX-Request": "true"})
    now = client.get(f"/api/v1/displays/{display_id}/now").get_json()

    assert fragment.status_code == 200
    assert "<html" not in text(fragment)
    assert now["loop"][now["index"]]["slide"]["title"] in text(fragment)


@pytest.mark.slow
def test_showing_now_has_a_thumbnail_when_the_playing_slide_has_a_picture(
    console: Console, world: World, as_user: Any, worker: RenditionWorker
) -> None:
    library = world.locations["bibliotek"]
    editor, manager = as_user("editor"), as_user("manager")
    media = editor.upload(files.jpeg(1600, 900), "udstilling.jpg", library).get_json()
    worker.run_once()
    slide = editor.post(
        "slides",
        {
            "location_id": library,
            "title": "Udstilling",
            "kind": "image",
            "media_id": media["id"],
            "alt": "Malerier i udstillingen",
        },
    ).get_json()
    editor.post(f"slides/{slide['id']}/submit")
    manager.post(f"slides/{slide['id']}/approve")
    playlist = manager.post(
        "playlists",
        {
            "slug": "udstilling",
            "name": "Udstilling",
            "location_id": library,
            "items": [{"slide_id": slide["id"]}],
        },
    ).get_json()
    manager.post(
        "schedules",
        {"playlist_id": playlist["id"], "target": {"display_id": world.displays["bibliotek"]}},
    )

    fragment = text(console("manager").get(f"/console/displays/{world.displays['bibliotek']}/now"))

    assert re.search(
        rf'<img src="/media/{media["sha256"]}/thumb\.\w+" alt="Malerier i udstillingen"', fragment
    )
    assert "Udstilling" in fragment


def test_another_workplaces_display_and_its_fragment_do_not_exist_for_a_manager(
    console: Console, world: World, plans: Plans
) -> None:
    client = console("manager")
    other = world.displays["plejehjem"]

    assert client.get(f"/console/displays/{other}").status_code == 404
    assert client.get(f"/console/displays/{other}/now").status_code == 404
    answer = post(
        client,
        f"/console/displays/{other}",
        {"name": "Overtaget", "location_id": world.locations["bibliotek"]},
        page=f"/console/displays/{world.displays['bibliotek']}",
    )
    assert answer.status_code == 404


def test_a_manager_edits_name_orientation_languages_and_tags_of_a_display(
    console: Console, world: World, database: Database
) -> None:
    display_id = world.displays["bibliotek"]

    answer = post(
        console("manager"),
        f"/console/displays/{display_id}",
        {
            "name": "Hovedindgang",
            "location_id": world.locations["bibliotek"],
            "orientation": "portrait",
            "languages": "da, en uk",
            "tags": "foyer, aaben-hus",
        },
    )

    assert answer.status_code == 303
    with database.sessions() as session:
        shown = session.get(Display, display_id)
        assert shown is not None
        assert (shown.name, shown.orientation) == ("Hovedindgang", "portrait")
        assert (shown.languages, shown.tags) == (["da", "en", "uk"], ["foyer", "aaben-hus"])


def test_moving_a_display_to_another_workplace_by_editing_the_form_is_refused(
    console: Console, world: World, database: Database
) -> None:
    display_id = world.displays["bibliotek"]

    answer = post(
        console("manager"),
        f"/console/displays/{display_id}",
        {
            "name": "Indgang",
            "location_id": world.locations["plejehjem"],
            "orientation": "landscape",
            "languages": "",
            "tags": "",
        },
    )

    assert answer.status_code == 422
    with database.sessions() as session:
        shown = session.get(Display, display_id)
        assert shown is not None
        assert shown.location_id == world.locations["bibliotek"]


def test_bad_languages_are_explained_and_what_was_typed_stays(
    console: Console, world: World
) -> None:
    display_id = world.displays["bibliotek"]

    answer = post(
        console("manager"),
        f"/console/displays/{display_id}",
        {
            "name": "Ny navn",
            "location_id": world.locations["bibliotek"],
            "orientation": "landscape",
            "languages": "dansk!",
            "tags": "",
        },
    )

    page = text(answer)
    assert answer.status_code == 422
    assert 'id="languages-problem"' in page
    assert 'value="dansk!"' in page
    assert 'value="Ny navn"' in page


def test_an_editor_sees_a_display_without_its_settings_and_may_not_change_them(
    console: Console, world: World
) -> None:
    client = console("editor")
    display_id = world.displays["bibliotek"]

    page = client.get(f"/console/displays/{display_id}")
    answer = post(
        client,
        f"/console/displays/{display_id}",
        {"name": "Redaktørens", "location_id": world.locations["bibliotek"]},
    )

    assert page.status_code == 200
    assert 'name="orientation"' not in text(page)
    assert answer.status_code == 403


# -- playlists --------------------------------------------------------------------------
def test_a_manager_makes_a_playlist_and_lands_on_its_page(
    console: Console, world: World, database: Database
) -> None:
    answer = post(
        console("manager"),
        "/console/playlists",
        {"name": "Morgen i kantinen", "location_id": world.locations["bibliotek"]},
    )

    assert answer.status_code == 303
    with database.sessions() as session:
        made = session.scalar(select(Playlist).where(Playlist.name == "Morgen i kantinen"))
        assert made is not None
        assert made.slug == "morgen-i-kantinen"
    assert answer.headers["Location"].endswith(f"/console/playlists/{made.id}")


def test_a_playlist_without_a_name_is_explained_and_nothing_is_made(
    console: Console, world: World, database: Database
) -> None:
    answer = post(
        console("manager"),
        "/console/playlists",
        {"name": "", "location_id": world.locations["bibliotek"]},
    )

    assert answer.status_code == 422
    assert 'id="name-problem"' in text(answer)
    assert count(database, Playlist) == 0


def items_of(client: FlaskClient, playlist_id: int) -> list[tuple[int, int | None]]:
    body = client.get(f"/api/v1/playlists/{playlist_id}").get_json()
    return [(item["slide_id"], item["duration"]) for item in body["items"]]


def editor_post(
    client: FlaskClient, playlist_id: int, rows: list[tuple[int, str]], **extra: Any
) -> Any:
    """Post the editor as the browser does: its rows in their order, and a button."""
    path = f"/console/playlists/{playlist_id}"
    form: list[tuple[str, Any]] = [("csrf_token", csrf_token(client.get(path)))]
    for slide_id, duration in rows:
        form += [("slide", slide_id), ("duration", duration)]
    form += list(extra.items())
    return client.post(path, data=MultiDict(form), headers={"HX-Request": "true"})


def test_slides_are_added_moved_timed_and_removed_through_the_playlist_service(
    console: Console, plans: Plans
) -> None:
    client = console("manager")
    playlist = plans.playlists["bibliotek"]
    first, second = plans.slides["bibliotek"], plans.slides["bibliotek2"]

    added = editor_post(client, playlist, [(first, "")], action="add", add_slide=second)
    assert added.status_code == 200
    assert "<html" not in text(added)
    assert 'data-focus="add_slide"' in text(added)
    assert items_of(client, playlist) == [(first, None), (second, None)]

    moved = editor_post(client, playlist, [(first, ""), (second, "")], action="up:1")
    assert items_of(client, playlist) == [(second, None), (first, None)]
    assert 'data-focus="down-0"' in text(moved)  # at the top: the other arrow keeps focus

    editor_post(client, playlist, [(second, "12"), (first, "")], action="save")
    assert items_of(client, playlist) == [(second, 12), (first, None)]

    editor_post(client, playlist, [(second, "12"), (first, "")], action="remove:0")
    assert items_of(client, playlist) == [(first, None)]


def test_a_dragged_order_is_saved_as_posted(console: Console, plans: Plans) -> None:
    client = console("manager")
    playlist = plans.playlists["bibliotek"]
    first, second = plans.slides["bibliotek"], plans.slides["bibliotek2"]
    editor_post(client, playlist, [(first, "")], action="add", add_slide=second)

    editor_post(client, playlist, [(second, "5"), (first, "7")], action="save")

    assert items_of(client, playlist) == [(second, 5), (first, 7)]


def test_a_bad_duration_is_explained_next_to_its_slide_and_nothing_is_saved(
    console: Console, plans: Plans
) -> None:
    client = console("manager")
    playlist = plans.playlists["bibliotek"]
    first = plans.slides["bibliotek"]

    answer = editor_post(client, playlist, [(first, "0")], action="save")

    assert answer.status_code == 422
    assert 'id="duration-0-problem"' in text(answer)
    assert 'value="0"' in text(answer)
    assert items_of(client, playlist) == [(first, None)]


def test_another_workplaces_slides_cannot_be_put_in_a_playlist_by_editing_the_form(
    console: Console, plans: Plans
) -> None:
    client = console("manager")
    playlist = plans.playlists["bibliotek"]
    mine, theirs = plans.slides["bibliotek"], plans.slides["plejehjem"]

    page = text(client.get(f"/console/playlists/{playlist}"))
    added = editor_post(client, playlist, [(mine, "")], action="add", add_slide=theirs)
    smuggled = editor_post(client, playlist, [(mine, ""), (theirs, "")], action="save")

    assert f'<option value="{theirs}"' not in page
    assert added.status_code == 422
    assert smuggled.status_code == 404
    assert items_of(client, playlist) == [(mine, None)]


def test_another_workplaces_playlist_is_neither_listed_nor_reachable_for_a_manager(
    console: Console, plans: Plans
) -> None:
    client = console("manager")
    theirs = plans.playlists["plejehjem"]

    listed = text(client.get("/console/playlists"))
    opened = client.get(f"/console/playlists/{theirs}")
    changed = editor_post(client, plans.playlists["bibliotek"], [], action="save")
    theirs_changed = client.post(
        f"/console/playlists/{theirs}",
        data={"csrf_token": csrf_token(client.get("/console/playlists")), "action": "save"},
    )

    assert "Bibliotekliste" in listed
    assert "Plejehjemliste" not in listed
    assert opened.status_code == 404
    assert changed.status_code == 200
    assert theirs_changed.status_code == 404


def test_an_editor_is_refused_the_playlist_and_schedule_pages(
    console: Console, plans: Plans
) -> None:
    client = console("editor")

    for path in (
        "/console/playlists",
        f"/console/playlists/{plans.playlists['bibliotek']}",
        "/console/schedules",
        "/console/schedules/new",
        f"/console/schedules/{plans.schedules['bibliotek']}",
        "/console/schedules/calendar",
    ):
        assert client.get(path).status_code == 403, path


# -- schedules --------------------------------------------------------------------------
def schedule_form(world: World, plans: Plans, **changes: Any) -> dict[str, Any]:
    form: dict[str, Any] = {
        "playlist_id": plans.playlists["bibliotek"],
        "target": f"display:{world.displays['bibliotek']}",
        "tier": "normal",
        "weight": "1",
        "days": ["MO", "TU", "WE", "TH", "FR"],
        "window_start": "07:00",
        "window_end": "10:00",
        "first_day": "",
        "last_day": "",
        "rrule": "",
    }
    form.update(changes)
    return form


def newest_schedule(database: Database) -> Schedule:
    with database.sessions() as session:
        found = session.scalar(select(Schedule).order_by(Schedule.id.desc()).limit(1))
        assert found is not None
        session.expunge(found)
        return found


def test_weekday_mornings_become_a_weekly_rule_with_a_window_and_open_the_calendar(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    answer = post(console("manager"), "/console/schedules/new", schedule_form(world, plans))

    assert answer.status_code == 303
    assert "/console/schedules/calendar?target=display" in answer.headers["Location"]
    made = newest_schedule(database)
    assert made.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert (made.window_start, made.window_end) == ("07:00", "10:00")
    assert (made.target_kind, made.target_id) == ("display", world.displays["bibliotek"])


def test_a_night_shift_runs_across_midnight_in_the_calendar(
    console: Console, world: World, plans: Plans
) -> None:
    client = console("manager")
    every_day = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    post(
        client,
        "/console/schedules/new",
        schedule_form(world, plans, days=every_day, window_start="22:00", window_end="06:00"),
    )

    calendar = text(
        client.get(
            f"/console/schedules/calendar?target=display:{world.displays['bibliotek']}"
            "&week=2026-06-03"
        )
    )

    assert "22:00–24:00" in calendar
    assert "00:00–06:00" in calendar
    assert 'data-start="1320" data-end="1440"' in calendar
    assert 'data-start="0" data-end="360"' in calendar
    assert "22:00–06:00 (slutter næste dag)" in calendar
    assert "mandag den 1. juni 2026" in calendar


def test_a_window_that_starts_and_ends_at_the_same_minute_is_refused_with_the_form_kept(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    before = count(database, Schedule)

    answer = post(
        console("manager"),
        "/console/schedules/new",
        schedule_form(world, plans, window_start="07:00", window_end="07:00", weight="3"),
    )

    page = text(answer)
    assert answer.status_code == 422
    assert "Tiden kan ikke starte og slutte i samme minut" in page
    assert 'id="window-problem"' in page
    assert 'value="07:00"' in page
    assert 'value="3"' in page
    assert re.search(r'value="TU"\s+checked', page)
    assert count(database, Schedule) == before


@pytest.mark.parametrize(
    ("changes", "field", "sentence"),
    [
        ({"days": ["MO", "XX"]}, "days", "Vælg dagene fra listen."),
        ({"days": []}, "days", "Vælg mindst én dag."),
        ({"rrule": "FREQ=HOURLY"}, "rrule", "Reglen kan ikke bruges."),
        ({"rrule": "FREQ=DAILY;BYHOUR=7"}, "rrule", "Reglen kan ikke bruges."),
        ({"rrule": "hver mandag"}, "rrule", "Reglen kan ikke bruges."),
        ({"window_end": ""}, "window", "Udfyld begge tider"),
        ({"window_start": "7 om morgenen"}, "window", "Skriv tiden som TT:MM"),
        ({"first_day": "2026-03-10", "last_day": "2026-03-01"}, "last_day", "Sidste dag kan"),
        ({"first_day": "10/3"}, "first_day", "Skriv en dato som ÅÅÅÅ-MM-DD."),
        ({"weight": "elleve"}, "weight", "Skriv et helt tal."),
    ],
)
def test_bad_recurrence_inputs_are_refused_with_a_clear_message_by_their_field(
    console: Console,
    world: World,
    plans: Plans,
    database: Database,
    changes: dict[str, Any],
    field: str,
    sentence: str,
) -> None:
    before = count(database, Schedule)

    answer = post(
        console("manager"), "/console/schedules/new", schedule_form(world, plans, **changes)
    )

    page = text(answer)
    assert answer.status_code == 422
    assert f'id="{field}-problem"' in page
    assert sentence in page
    assert count(database, Schedule) == before


def test_a_manager_cannot_schedule_on_another_workplace_or_the_whole_municipality(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    before = count(database, Schedule)
    form_page = text(client.get("/console/schedules/new"))

    for changes in (
        {"target": f"display:{world.displays['plejehjem']}"},
        {"target": f"location:{world.locations['plejehjem']}"},
        {"target": f"location:{world.locations['kommune']}"},
        {"target": "all"},
        {"playlist_id": plans.playlists["plejehjem"]},
        {"tier": "campaign"},
    ):
        answer = post(client, "/console/schedules/new", schedule_form(world, plans, **changes))
        assert answer.status_code == 422, changes
        assert "Vælg en af mulighederne" in text(answer)

    assert 'value="campaign"' not in form_page
    assert 'value="all"' not in form_page
    assert f'value="display:{world.displays["plejehjem"]}"' not in form_page
    assert count(database, Schedule) == before


def test_a_communicator_plans_a_campaign_for_every_screen(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    answer = post(
        console("communicator"),
        "/console/schedules/new",
        schedule_form(world, plans, target="all", tier="campaign"),
    )

    assert answer.status_code == 303
    made = newest_schedule(database)
    assert (made.target_kind, made.tier) == ("all", "campaign")


def test_another_workplaces_schedule_cannot_be_seen_changed_or_deleted(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    theirs = plans.schedules["plejehjem"]

    listed = text(client.get("/console/schedules"))
    opened = client.get(f"/console/schedules/{theirs}")
    token = csrf_token(client.get("/console/schedules/new"))
    changed = client.post(
        f"/console/schedules/{theirs}", data={"csrf_token": token, **schedule_form(world, plans)}
    )
    deleted = client.post(f"/console/schedules/{theirs}/delete", data={"csrf_token": token})
    calendar = client.get(
        f"/console/schedules/calendar?target=display:{world.displays['plejehjem']}"
    )

    assert "Bibliotekliste" in listed
    assert "Plejehjemliste" not in listed
    assert (opened.status_code, changed.status_code, deleted.status_code) == (404, 404, 404)
    assert calendar.status_code == 404
    with database.sessions() as session:
        kept = session.get(Schedule, theirs)
        assert kept is not None
        assert kept.target_id == world.displays["plejehjem"]


def test_a_central_schedule_is_shown_to_a_manager_but_not_offered_for_change(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    post(
        console("communicator"),
        "/console/schedules/new",
        schedule_form(world, plans, target=f"location:{world.locations['kommune']}"),
    )
    central = newest_schedule(database).id
    client = console("manager")

    page = text(client.get(f"/console/schedules/{central}"))
    changed = post(client, f"/console/schedules/{central}", schedule_form(world, plans))

    assert "Du kan se denne tidsplan, men ikke ændre den." in page
    assert "Gem tidsplanen" not in page
    assert changed.status_code == 403


def test_editing_a_schedule_shows_its_days_and_saves_the_change(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    post(client, "/console/schedules/new", schedule_form(world, plans))
    made = newest_schedule(database).id

    page = text(client.get(f"/console/schedules/{made}"))
    answer = post(
        client,
        f"/console/schedules/{made}",
        schedule_form(
            world,
            plans,
            days=["SA", "SU"],
            window_start="",
            window_end="",
            first_day="2026-06-01",
            last_day="2026-06-30",
            holidays="dk",
        ),
    )

    assert re.search(r'value="FR"\s+checked', page)
    assert not re.search(r'value="SA"\s+checked', page)
    assert answer.status_code == 303
    saved = newest_schedule(database)
    assert saved.rrule == "FREQ=WEEKLY;BYDAY=SA,SU"
    assert (saved.window_start, saved.window_end) == (None, None)
    assert (saved.starts, saved.ends, saved.holidays) == ("2026-06-01", "2026-07-01", "dk")
    again = text(client.get(f"/console/schedules/{made}"))
    assert 'value="2026-06-30"' in again  # the last day as typed, though `ends` is exclusive


def test_deleting_a_schedule_removes_it(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    mine = plans.schedules["bibliotek"]

    answer = post(
        client, f"/console/schedules/{mine}/delete", {}, page=f"/console/schedules/{mine}"
    )

    assert answer.status_code == 303
    with database.sessions() as session:
        assert session.get(Schedule, mine) is None


def test_a_locations_calendar_shows_the_schedules_of_its_screens(
    console: Console, world: World, plans: Plans
) -> None:
    client = console("manager")

    calendar = text(
        client.get(f"/console/schedules/calendar?target=location:{world.locations['bibliotek']}")
    )
    other = client.get(
        f"/console/schedules/calendar?target=location:{world.locations['plejehjem']}"
    )

    assert "Bibliotekliste" in calendar
    assert "Plejehjemliste" not in calendar
    assert other.status_code == 404


def test_the_planning_pages_are_in_english_on_request(
    console: Console, world: World, plans: Plans
) -> None:
    client = console("manager")
    token = csrf_token(client.get("/console/playlists"))
    client.post("/language", data={"language": "en", "next": "/console", "csrf_token": token})

    pages = {
        f"/console/displays/{world.displays['bibliotek']}": "Status and showing now",
        f"/console/playlists/{plans.playlists['bibliotek']}": "Slides in the playlist",
        "/console/schedules/new": "Time of day",
        f"/console/schedules/{plans.schedules['bibliotek']}": "Every day all day",
        "/console/schedules/calendar": "The schedules in the calendar",
    }
    for path, words in pages.items():
        page = text(client.get(path))
        assert '<html lang="en">' in page, path
        assert words in page, path


# -- regions ------------------------------------------------------------------------------
def test_a_new_schedule_plays_in_the_main_area_unless_another_region_is_chosen(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    form = text(client.get("/console/schedules/new"))

    post(client, "/console/schedules/new", schedule_form(world, plans))

    assert re.search(r'<option value="main"\s+selected>Hovedområde</option>', form)
    assert '<option value="ticker">Nyhedsbånd</option>' in form
    assert '<option value="side">Sidekolonne</option>' in form
    assert newest_schedule(database).region == "main"


def test_a_schedule_into_the_news_ticker_is_saved_and_shown_with_its_region(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")

    answer = post(client, "/console/schedules/new", schedule_form(world, plans, region="ticker"))

    assert answer.status_code == 303
    made = newest_schedule(database)
    assert made.region == "ticker"
    listing = text(client.get("/console/schedules"))
    assert "Skærmen Indgang (Kommune › Kultur › Bibliotek) · Nyhedsbånd" in listing
    assert listing.count("Nyhedsbånd") == 1  # the main area is not named
    calendar = text(client.get(answer.headers["Location"]))
    assert "Normal · Nyhedsbånd · Skærmen Indgang" in calendar
    form = text(client.get(f"/console/schedules/{made.id}"))
    assert re.search(r'<option value="ticker"\s+selected>', form)
    with database.transaction() as session:
        shown = session.get(Display, world.displays["bibliotek"])
        assert shown is not None
        DisplayService().update(
            session, system_principal(session), shown, {"layout": "main-ticker"}
        )
    week = text(client.get(f"/console/displays/{world.displays['bibliotek']}"))
    assert 'data-lanes="2"' in week  # the main area and the ticker side by side


def test_moving_a_schedule_to_the_side_column_keeps_the_rest(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    client = console("manager")
    post(client, "/console/schedules/new", schedule_form(world, plans))
    made = newest_schedule(database).id

    answer = post(client, f"/console/schedules/{made}", schedule_form(world, plans, region="side"))

    assert answer.status_code == 303
    saved = newest_schedule(database)
    assert (saved.region, saved.window_start) == ("side", "07:00")


def test_an_unknown_region_is_refused_by_its_field_and_nothing_is_saved(
    console: Console, world: World, plans: Plans, database: Database
) -> None:
    before = count(database, Schedule)

    answer = post(
        console("manager"),
        "/console/schedules/new",
        schedule_form(world, plans, region="banner", window_start="06:30"),
    )

    page = text(answer)
    assert answer.status_code == 422
    assert 'id="region-problem"' in page
    assert 'value="06:30"' in page
    assert count(database, Schedule) == before
