"""Schedules: validation with clear errors, and who may target what."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import World


@pytest.fixture
def playlist(as_user: Any, world: World) -> int:
    response = as_user("manager").post(
        "playlists", {"slug": "bib", "name": "Bib", "location_id": world.locations["bibliotek"]}
    )
    return response.get_json()["id"]  # type: ignore[no-any-return]


def schedule(world: World, playlist: int, **changes: Any) -> dict[str, Any]:
    return {
        "playlist_id": playlist,
        "target": {"location_id": world.locations["bibliotek"]},
        **changes,
    }


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"rrule": "FREQ=DAILY;BYHOUR=7"}, "BYHOUR"),
        ({"rrule": "FREQ=WEEKLY;COUNT=4"}, "COUNT"),
        ({"rrule": "FREQ=HOURLY"}, "FREQ"),
        ({"window": ["07:00", "07:00"]}, "same time"),
        ({"window": ["07:00", "25:00"]}, "24:00"),
        ({"starts": "2026-12-23", "ends": "2026-01-05"}, "after"),
        ({"weight": 11}, "weight"),
        ({"weight": 0}, "weight"),
        ({"tier": "urgent"}, "tier"),
        ({"exdates": ["2026-02-30"]}, "exdates"),
        ({"target": {"location_id": 1, "group_id": 1}}, "exactly one"),
        ({"target": {}}, "exactly one"),
    ],
)
def test_invalid_schedules_are_refused_with_the_reason(
    as_user: Any, world: World, playlist: int, changes: dict[str, Any], complaint: str
) -> None:
    response = as_user("manager").post("schedules", schedule(world, playlist, **changes))
    assert response.status_code == 422, response.get_json()
    assert complaint in response.get_json()["error"]["message"]


def test_a_campaign_needs_a_communicator(as_user: Any, world: World, playlist: int) -> None:
    refused = as_user("manager").post("schedules", schedule(world, playlist, tier="campaign"))
    assert refused.status_code == 403
    assert "communicator" in refused.get_json()["error"]["message"]
    allowed = as_user("communicator").post("schedules", schedule(world, playlist, tier="campaign"))
    assert allowed.status_code == 201


def test_targeting_all_or_the_root_needs_a_communicator(
    as_user: Any, world: World, playlist: int
) -> None:
    for target in ({"all": True}, {"location_id": world.locations["kommune"]}):
        body = schedule(world, playlist, target=target)
        assert as_user("admin").post("schedules", body).status_code == 201
        assert as_user("manager").post("schedules", body).status_code == 403


def test_a_target_outside_ones_scope_is_refused(as_user: Any, world: World, playlist: int) -> None:
    elsewhere = schedule(world, playlist, target={"display_id": world.displays["plejehjem"]})
    assert as_user("manager").post("schedules", elsewhere).status_code == 404
    above = schedule(world, playlist, target={"location_id": world.locations["kultur"]})
    assert as_user("manager").post("schedules", above).status_code == 403


def test_a_local_schedule_may_use_a_central_playlist(as_user: Any, world: World) -> None:
    central = (
        as_user("communicator")
        .post(
            "playlists",
            {"slug": "central", "name": "Central", "location_id": world.locations["kommune"]},
        )
        .get_json()
    )
    body = {"playlist_id": central["id"], "target": {"location_id": world.locations["bibliotek"]}}
    created = as_user("manager").post("schedules", body)
    assert created.status_code == 201
    assert created.get_json()["location_id"] == world.locations["bibliotek"]


def test_a_window_crossing_midnight_with_danish_holidays_is_accepted(
    as_user: Any, world: World, playlist: int
) -> None:
    body = schedule(
        world,
        playlist,
        window=["22:00", "06:00"],
        holidays="dk",
        rrule="FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        starts="2026-01-05",
        ends="2026-12-23",
        exdates=["2026-06-05"],
    )
    created = as_user("manager").post("schedules", body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["rrule"] == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"


def test_deleting_a_display_drops_the_schedules_aimed_at_it(
    as_user: Any, world: World, playlist: int
) -> None:
    display = (
        as_user("manager")
        .post("displays", {"name": "Midlertidig", "location_id": world.locations["bibliotek"]})
        .get_json()
    )
    created = (
        as_user("manager")
        .post("schedules", schedule(world, playlist, target={"display_id": display["id"]}))
        .get_json()
    )
    assert as_user("manager").delete(f"displays/{display['id']}").status_code == 204
    assert as_user("manager").get(f"schedules/{created['id']}").status_code == 404
