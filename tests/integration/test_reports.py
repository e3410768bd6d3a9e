"""Reports over the API: plays and screen time by slide, theme, location, display and
day from the roll-ups, alerts apart, inside the caller's locations; display uptime."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from signage.alerts.models import Alert
from signage.content.models import Slide, Theme
from signage.db import Database, microseconds, utcnow
from signage.reports.ingest import write_plays
from signage.reports.rollups import roll_up
from signage.scheduling.jobs import Sweeps
from signage.scheduling.propagator import Propagator
from signage.screens.devices import Heartbeat, HeartbeatBuffer
from signage.screens.models import Display
from tests.factories import World, add_slide

ZONE = ZoneInfo("Europe/Copenhagen")


@dataclass
class Played:
    """What the kiosks played: slide ids by name, and the alert's id."""

    slides: dict[str, int]
    alert: int
    theme: int


def add_plays(database: Database, display_id: int, plays: list[tuple[Any, ...]]) -> None:
    """(client id, slide id or None, alert id or None, start, ms) per play."""
    with database.transaction() as session:
        revisions = {slide.id: slide.live_revision_id for slide in session.scalars(select(Slide))}
        write_plays(
            session,
            [
                {
                    "display_id": display_id,
                    "client_id": client_id,
                    "slide_id": slide,
                    "revision_id": revisions.get(slide) if slide else None,
                    "alert_id": alert,
                    "language": "da",
                    "started_at": microseconds(start),
                    "duration_ms": ms,
                    "region": "main",
                }
                for client_id, slide, alert, start, ms in plays
            ],
        )
        roll_up(session, ZONE, utcnow(), timedelta(days=90))


@pytest.fixture
def played(database: Database, world: World) -> Played:
    return seed_plays(database, world)


def seed_plays(database: Database, world: World) -> Played:
    """Two days of plays: the library's display plays 'Åbent' (theme Trivsel) and
    'Lukket', with a critical alert between; the nursing home's plays 'Plejen'."""
    with database.transaction() as session:
        theme = Theme(location_id=world.locations["kommune"], slug="trivsel", name="Trivsel")
        session.add(theme)
        slides = {
            "Åbent": add_slide(session, world.locations["bibliotek"], "Åbent"),
            "Lukket": add_slide(session, world.locations["bibliotek"], "Lukket"),
            "Plejen": add_slide(session, world.locations["plejehjem"], "Plejen"),
        }
        session.flush()
        session.get(Slide, slides["Åbent"]).theme_id = theme.id  # type: ignore[union-attr]
        alert = Alert(
            location_id=world.locations["kommune"],
            title="Brand",
            severity="critical",
            targets={"all": True},
            expires_at=utcnow(),
        )
        session.add(alert)
        session.flush()
        alert_id, theme_id = alert.id, theme.id
    today = utcnow().astimezone(ZONE).replace(hour=10, minute=0, second=0, microsecond=0)
    yesterday = today - timedelta(days=1)
    add_plays(
        database,
        world.displays["bibliotek"],
        [
            ("b-1", slides["Åbent"], None, yesterday, 10_000),
            ("b-2", slides["Åbent"], None, yesterday + timedelta(minutes=1), 10_500),
            ("b-3", slides["Lukket"], None, yesterday + timedelta(hours=3), 8_000),
            ("b-4", None, alert_id, yesterday + timedelta(hours=3, minutes=1), 60_000),
            ("b-5", slides["Åbent"], None, today, 10_000),
        ],
    )
    add_plays(
        database,
        world.displays["plejehjem"],
        [("p-1", slides["Plejen"], None, yesterday, 20_000)],
    )
    return Played(slides, alert_id, theme_id)


def report(api: Any, **query: str) -> dict[str, Any]:
    answer = api.get("reports/plays", query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()  # type: ignore[no-any-return]


def lines(body: dict[str, Any]) -> dict[Any, tuple[Any, ...]]:
    return {
        item["label"]: (item["plays"], item["seconds"], item.get("alert_seconds"))
        for item in body["items"]
    }


def test_plays_by_slide_count_each_slide_and_keep_alerts_apart(
    as_user: Any, played: Played
) -> None:
    body = report(as_user("communicator"), group_by="slide")

    assert lines(body) == {
        "Åbent": (3, 30.5, None),
        "Plejen": (1, 20.0, None),
        "Lukket": (1, 8.0, None),
    }
    assert [item["key"] for item in body["items"]][:1] == [played.slides["Åbent"]]
    assert body["total"] == {"plays": 5, "seconds": 58.5}
    assert body["alerts"] == {"plays": 1, "seconds": 60.0}
    assert body["next"] is None


def test_plays_by_theme_put_slides_without_one_together(as_user: Any, played: Played) -> None:
    body = report(as_user("communicator"), group_by="theme")

    assert lines(body) == {"Trivsel": (3, 30.5, None), None: (2, 28.0, None)}
    assert {item["label"]: item["key"] for item in body["items"]}["Trivsel"] == played.theme


def test_plays_by_display_location_and_day_carry_their_alert_time(
    as_user: Any, played: Played, world: World
) -> None:
    api = as_user("communicator")
    today = utcnow().astimezone(ZONE).date()
    yesterday = today - timedelta(days=1)

    by_display = report(api, group_by="display")
    by_location = report(api, group_by="location")
    by_day = report(api, group_by="day")

    assert lines(by_display) == {"Indgang": (4, 38.5, 60.0), "Personalestue": (1, 20.0, 0.0)}
    assert lines(by_location) == {"Bibliotek": (4, 38.5, 60.0), "Plejehjem": (1, 20.0, 0.0)}
    assert [(i["key"], i["plays"], i["alert_plays"]) for i in by_day["items"]] == [
        (yesterday.isoformat(), 4, 1),
        (today.isoformat(), 1, 0),
    ]
    assert by_display["items"][0]["key"] == world.displays["bibliotek"]


def test_a_period_of_hours_reads_the_hourly_figures_and_agrees_with_whole_days(
    as_user: Any, played: Played
) -> None:
    api = as_user("communicator")
    today = utcnow().astimezone(ZONE).date()
    start = datetime.combine(today - timedelta(days=1), datetime.min.time(), tzinfo=ZONE)
    days = report(api, group_by="day", **{"from": str(today - timedelta(days=1))})
    # An hour either side of the two days: not whole days, so the hourly figures.
    hours = report(
        api,
        group_by="day",
        **{
            "from": (start - timedelta(hours=1)).isoformat(),
            "to": (start + timedelta(days=2, hours=1)).isoformat(),
        },
    )
    morning = report(
        api,
        group_by="slide",
        **{
            "from": (start + timedelta(hours=10)).isoformat(),
            "to": (start + timedelta(hours=11)).isoformat(),
        },
    )

    assert hours["items"] == days["items"]
    assert lines(morning) == {"Åbent": (2, 20.5, None), "Plejen": (1, 20.0, None)}


def test_a_manager_sees_only_the_displays_of_their_own_locations(
    as_user: Any, played: Played
) -> None:
    ours = report(as_user("manager"), group_by="display")
    theirs = report(as_user("other_manager"), group_by="slide")

    assert set(lines(ours)) == {"Indgang"}
    assert set(lines(theirs)) == {"Plejen"}
    assert theirs["alerts"] == {"plays": 0, "seconds": 0.0}
    for group_by in ("slide", "theme", "location", "display", "day"):
        seen = report(as_user("other_manager"), group_by=group_by)
        assert "Indgang" not in str(seen), group_by
        assert "Åbent" not in str(seen), group_by


@pytest.mark.parametrize(
    ("query", "phrase"),
    [
        ({"group_by": "weather"}, "group_by is one of"),
        ({"from": "2026-11-20", "to": "2026-11-10"}, "before"),
        ({"from": "yesterday"}, "must be a date"),
        ({"from": "2026-11-20T08:30:00+01:00"}, "whole hour"),
        ({"from": "2026-11-20T08:00:00"}, "offset"),
        ({"from": "2020-01-01", "to": "2026-01-01"}, "at most 400 days"),
    ],
)
def test_a_bad_period_or_grouping_is_a_400_that_says_why(
    as_user: Any, query: dict[str, str], phrase: str
) -> None:
    answer = as_user("viewer").get("reports/plays", query_string=query)

    assert answer.status_code == 400
    assert phrase in answer.get_json()["error"]["message"]


def test_reports_need_a_signed_in_caller(as_user: Any) -> None:
    assert as_user(None).get("reports/plays").status_code == 401
    assert as_user(None).get("reports/uptime").status_code == 401
    assert as_user("editor").get("reports/uptime").status_code == 200


# -- uptime ----------------------------------------------------------------------------------
def kiosk_clock(
    database: Database, display: int
) -> tuple[Callable[[datetime], None], Callable[[datetime], None]]:
    """(heard at t: a heartbeat written as the server writes them, sweep at t: the
    outage sweep run as if it were t)."""
    beats = HeartbeatBuffer()
    beat = Heartbeat(version="v", slide=None, player_version="p", screen=None, clock_skew_ms=0)

    def heard(at: datetime) -> None:
        beats.record(display, beat, at)
        with database.transaction() as session:
            beats.flush(session)

    def sweep(at: datetime) -> None:
        Sweeps(Propagator(database, "Europe/Copenhagen", "da", clock=lambda: at)).watch_outages()

    return heard, sweep


def test_uptime_counts_each_outage_from_the_last_heartbeat_to_the_next(
    as_user: Any, database: Database, world: World
) -> None:
    display = world.displays["bibliotek"]
    assert as_user("manager").post(f"displays/{display}/token").status_code == 200
    start = utcnow().replace(minute=0, second=0, microsecond=0) - timedelta(hours=6)
    with database.transaction() as session:
        session.get(Display, display).created_at = start - timedelta(days=1)  # type: ignore[union-attr]
    heard, sweep = kiosk_clock(database, display)

    heard(start + timedelta(hours=1))
    sweep(start + timedelta(hours=1, minutes=10))  # silent past the threshold: out
    heard(start + timedelta(hours=2))  # back after an hour
    sweep(start + timedelta(hours=2, minutes=1))
    heard(start + timedelta(hours=3))
    sweep(start + timedelta(hours=3, minutes=10))  # and gone again, still away

    answer = as_user("manager").get(
        "reports/uptime",
        query_string={"from": start.isoformat(), "to": (start + timedelta(hours=5)).isoformat()},
    )

    assert answer.status_code == 200
    [item] = answer.get_json()["items"]  # the manager's own display only
    assert item["display"]["name"] == "Indgang"
    watched = item["watched_seconds"]
    assert item["offline_seconds"] == pytest.approx(3600 + 2 * 3600)
    assert item["uptime"] == pytest.approx(1 - 3 * 3600 / watched)
    assert [(o["start"], o["end"]) for o in item["outages"]] == [
        ((start + timedelta(hours=1)).isoformat(), (start + timedelta(hours=2)).isoformat()),
        ((start + timedelta(hours=3)).isoformat(), None),
    ]


def test_a_display_never_heard_from_has_no_uptime(as_user: Any, world: World) -> None:
    items = as_user("communicator").get("reports/uptime").get_json()["items"]

    assert {item["display"]["name"]: item["uptime"] for item in items} == {
        "Indgang": None,
        "Personalestue": None,
    }
    assert all(item["seen"] is False for item in items)


def test_instants_in_reports_carry_their_offset(as_user: Any, played: Played) -> None:
    body = report(as_user("viewer"))

    assert datetime.fromisoformat(body["from"]).utcoffset() == timedelta(0)
    assert body["timezone"] == "Europe/Copenhagen"
    assert datetime.fromisoformat(body["to"]).tzinfo is not None
