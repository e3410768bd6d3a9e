"""GET /displays/{id}/timeline and /now: the resolver through the API."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World
from tests.integration.test_propagation import approved_slide


@pytest.fixture
def scheduled(as_user: Any, world: World) -> int:
    """A weekday 07:00–18:00 playlist at the library."""
    slide = approved_slide(as_user, world, "bibliotek", "Lektiecafé")
    playlist = (
        as_user("admin")
        .post(
            "playlists",
            {
                "slug": "bib",
                "name": "Bib",
                "location_id": world.locations["bibliotek"],
                "items": [{"slide_id": slide, "duration": 12}],
            },
        )
        .get_json()
    )
    assert (
        as_user("manager")
        .post(
            "schedules",
            {
                "playlist_id": playlist["id"],
                "target": {"location_id": world.locations["bibliotek"]},
                "rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
                "window": ["07:00", "18:00"],
            },
        )
        .status_code
        == 201
    )
    return slide


def test_the_timeline_of_a_weekday_shows_the_window(
    as_user: Any, world: World, scheduled: int
) -> None:
    response = as_user("viewer").get(
        f"displays/{world.displays['bibliotek']}/timeline",
        query_string={"from": "2026-11-26T00:00:00+01:00", "to": "2026-11-27T00:00:00+01:00"},
    )
    assert response.status_code == 200, response.get_json()
    segments = response.get_json()["segments"]
    assert [(s["start"][11:16], s["tier"]) for s in segments] == [
        ("23:00", "brand"),
        ("06:00", "normal"),
        ("17:00", "brand"),
    ]  # instants in UTC
    assert segments[1]["loop"] == [
        {
            "slide": scheduled,
            "revision": segments[1]["loop"][0]["revision"],
            "duration": 12,
            "language": "da",
        }
    ]


def test_now_answers_the_entry_playing(as_user: Any, world: World, scheduled: int) -> None:
    response = as_user("viewer").get(
        f"displays/{world.displays['bibliotek']}/now",
        query_string={"at": "2026-11-26T08:00:05+01:00"},
    )
    body = response.get_json()
    assert body["tier"] == "normal"
    assert body["index"] == 0
    assert body["loop"][0]["slide"]["title"] == "Lektiecafé"
    weekend = (
        as_user("viewer")
        .get(
            f"displays/{world.displays['bibliotek']}/now",
            query_string={"at": "2026-11-28T08:00:00Z"},
        )
        .get_json()
    )
    assert weekend["tier"] == "brand"
    assert weekend["index"] is None


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ({"from": "2026-11-26T00:00:00+01:00"}, 400),
        ({"from": "yesterday", "to": "today"}, 400),
        ({"from": "2026-11-26T00:00:00", "to": "2026-11-27T00:00:00"}, 400),
        ({"from": "2026-11-27T00:00:00Z", "to": "2026-11-26T00:00:00Z"}, 422),
        ({"from": "2026-01-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"}, 422),
    ],
)
def test_bad_ranges_are_refused_with_the_reason(
    as_user: Any, world: World, query: dict[str, str], status: int
) -> None:
    response = as_user("viewer").get(
        f"displays/{world.displays['bibliotek']}/timeline", query_string=query
    )
    assert response.status_code == status
    assert response.get_json()["error"]["message"]


def test_a_display_outside_ones_scope_has_no_timeline(as_user: Any, world: World) -> None:
    response = as_user("editor").get(f"displays/{world.displays['plejehjem']}/now")
    assert response.status_code == 404
