"""Proof of play from kiosks over HTTP: checked play by play, counted once however often
a batch is sent, written in batches, rolled up by the sweep and purged when old."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from signage.alerts.models import Alert
from signage.content.models import Slide
from signage.db import Database, microseconds, utcnow
from signage.reports.ingest import PlayBuffer, write_plays
from signage.reports.models import ALERT, SLIDE, PlayDay, PlayEvent, PlayHour, PlayMark
from signage.reports.rollups import roll_up
from signage.scheduling.jobs import Sweeps
from signage.scheduling.models import JobRun
from signage.scheduling.propagator import Propagator
from tests.factories import World, add_slide

ZONE = ZoneInfo("Europe/Copenhagen")
KEEP = timedelta(days=90)


@dataclass
class Kiosk:
    """A display with its device token, and approved slides it may have played."""

    client: FlaskClient
    app: Flask
    display_id: int
    headers: dict[str, str]
    slides: dict[int, int]  # slide id → revision id
    alert_id: int

    def send(self, plays: Any) -> Any:
        return self.client.post("/player/api/plays", json=plays, headers=self.headers)

    def flush(self) -> None:
        buffer = self.app.extensions.get("signage.plays")
        if buffer is not None:
            buffer.flush_if_due(self.app.extensions["signage.db"], force=True)

    def hold(self) -> None:
        """Plays wait for the write an hour, unless forced."""
        self.flush()
        self.app.extensions["signage.plays"] = PlayBuffer(every_s=3600)


def make_slides(database: Database, location_id: int, count: int) -> dict[int, int]:
    with database.transaction() as session:
        ids = [add_slide(session, location_id, f"Dias {n}") for n in range(count)]
        return {sid: session.get(Slide, sid).latest.id for sid in ids}  # type: ignore[union-attr]


def make_alert(database: Database, location_id: int) -> int:
    with database.transaction() as session:
        alert = Alert(
            location_id=location_id,
            title="Brand",
            severity="critical",
            targets={"all": True},
            expires_at=utcnow() + timedelta(hours=1),
        )
        session.add(alert)
        session.flush()
        return alert.id


def kiosk_for(
    app: Flask, client: FlaskClient, as_user: Any, world: World, database: Database, name: str
) -> Kiosk:
    display_id = world.displays[name]
    manager = "manager" if name == "bibliotek" else "other_manager"
    answer = as_user(manager).post(f"displays/{display_id}/token")
    assert answer.status_code == 200, answer.get_json()
    headers = {"Authorization": f"Bearer {answer.get_json()['token']}"}
    slides = make_slides(database, world.locations[name], 3)
    return Kiosk(
        client, app, display_id, headers, slides, make_alert(database, world.locations[name])
    )


@pytest.fixture
def kiosk(app: Flask, client: FlaskClient, as_user: Any, world: World, database: Database) -> Kiosk:
    return kiosk_for(app, client, as_user, world, database, "bibliotek")


def play(kiosk: Kiosk, n: int, *, ago: timedelta = timedelta(minutes=5), **change: Any) -> dict:
    slide, revision = list(kiosk.slides.items())[n % len(kiosk.slides)]
    found = {
        "id": f"play-{n:08d}",
        "slide": slide,
        "revision": revision,
        "language": "da",
        "started_at": (utcnow() - ago).isoformat(),
        "duration_ms": 8000 + n,
    }
    found.update(change)
    return {key: value for key, value in found.items() if value is not None}


def stored(database: Database, display_id: int) -> list[PlayEvent]:
    with database.sessions() as session:
        return list(
            session.scalars(
                select(PlayEvent)
                .where(PlayEvent.display_id == display_id)
                .order_by(PlayEvent.started_at, PlayEvent.client_id)
            )
        )


def test_a_batch_sent_again_after_a_reconnect_counts_once(kiosk: Kiosk, database: Database) -> None:
    batch = [play(kiosk, n) for n in range(10)]

    first = kiosk.send(batch)
    kiosk.flush()
    again = kiosk.send(batch)  # the answer was lost: the kiosk sends the same batch
    overlapping = kiosk.send([*batch[5:], play(kiosk, 10)])
    kiosk.flush()

    assert (first.status_code, again.status_code, overlapping.status_code) == (202, 202, 202)
    assert first.get_json() == {"accepted": 10, "refused": []}
    rows = stored(database, kiosk.display_id)
    assert sorted(row.client_id for row in rows) == [f"play-{n:08d}" for n in range(11)]
    assert [row.duration_ms for row in rows[:3]] == [8000, 8001, 8002]


def test_a_batch_sent_twice_before_it_is_written_counts_once(
    kiosk: Kiosk, database: Database
) -> None:
    batch = [play(kiosk, n) for n in range(4)]

    kiosk.send(batch)
    kiosk.send(batch + batch)
    kiosk.flush()

    assert len(stored(database, kiosk.display_id)) == 4


def test_plays_wait_in_memory_until_the_batched_write(kiosk: Kiosk, database: Database) -> None:
    kiosk.hold()

    kiosk.send([play(kiosk, n) for n in range(3)])
    waiting = len(stored(database, kiosk.display_id))
    kiosk.flush()

    assert waiting == 0
    assert len(stored(database, kiosk.display_id)) == 3


HOSTILE = [
    ("negative duration", {"duration_ms": -5000}, "duration_ms"),
    ("no duration", {"duration_ms": 0}, "duration_ms"),
    ("longer than a day", {"duration_ms": 86_400_001}, "duration_ms"),
    ("slide as text", {"slide": "7"}, "slide"),
    ("duration as text", {"duration_ms": "8000"}, "duration_ms"),
    ("start as a number", {"started_at": 1_790_000_000}, "started_at"),
    ("start without offset", {"started_at": "2026-11-26T09:00:00"}, "started_at"),
    ("unknown revision", {"revision": 999_999}, "no slide revision 999999"),
    ("unknown field", {"screen": "x"}, "not a known field"),
    ("no revision", {"revision": None}, "names its slide and revision"),
    ("bad id", {"id": "x"}, "id"),
    ("huge id number", {"slide": 2**80}, "slide"),
    ("unknown alert", {"slide": None, "revision": None, "alert": 999_999}, "no alert 999999"),
    ("slide and alert", {"alert": 1}, "not both"),
    ("unknown region", {"region": "banner"}, "unknown region 'banner' (use one of main, side"),
]


def test_hostile_plays_are_refused_with_4xx_and_reasons_and_the_good_ones_kept(
    kiosk: Kiosk, database: Database
) -> None:
    good = [play(kiosk, n) for n in range(3)]
    bad = [play(kiosk, 100 + n, **change) for n, (_, change, _) in enumerate(HOSTILE)]
    mismatched = play(
        kiosk, 200, slide=play(kiosk, 1)["slide"], revision=play(kiosk, 2)["revision"]
    )
    future = play(kiosk, 201, ago=-timedelta(minutes=10))
    old = play(kiosk, 202, ago=KEEP)
    batch = [good[0], *bad, good[1], mismatched, future, old, "not a play", None, good[2]]

    answer = kiosk.send(batch)
    kiosk.flush()

    assert answer.status_code == 422
    body = answer.get_json()
    assert body["error"]["code"] == "validation_error"
    assert body["accepted"] == 3
    refused = {item["index"]: item for item in body["refused"]}
    assert sorted(refused) == [n for n in range(len(batch)) if batch[n] not in good]
    for n, (what, _, phrase) in enumerate(HOSTILE):
        assert phrase in refused[n + 1]["reason"], what
    reasons = [refused[batch.index(p)]["reason"] for p in (mismatched, future, old)]
    assert f"is not of slide {mismatched['slide']}" in reasons[0]
    assert "future" in reasons[1]
    assert "days ago" in reasons[2]
    assert refused[batch.index(mismatched)]["id"] == mismatched["id"]
    assert sorted(row.client_id for row in stored(database, kiosk.display_id)) == sorted(
        p["id"] for p in good
    )


def test_each_play_is_stored_with_the_region_it_played_in(kiosk: Kiosk, database: Database) -> None:
    batch = [play(kiosk, 0, region="ticker"), play(kiosk, 1, region="side"), play(kiosk, 2)]

    answer = kiosk.send(batch)
    kiosk.flush()

    assert answer.get_json() == {"accepted": 3, "refused": []}
    regions = {row.client_id: row.region for row in stored(database, kiosk.display_id)}
    assert regions == {"play-00000000": "ticker", "play-00000001": "side", "play-00000002": "main"}


def test_a_batch_of_ten_thousand_plays_is_refused_whole(kiosk: Kiosk, database: Database) -> None:
    answer = kiosk.send([play(kiosk, n) for n in range(10_000)])
    kiosk.flush()

    assert answer.status_code == 413
    assert "at most 1000" in answer.get_json()["error"]["message"]
    assert stored(database, kiosk.display_id) == []


@pytest.mark.parametrize(
    "body", [{"plays": []}, "plays", 42, None], ids=["object", "string", "number", "null"]
)
def test_a_batch_that_is_not_a_list_is_refused(kiosk: Kiosk, body: Any) -> None:
    answer = kiosk.send(body)

    assert answer.status_code == 400
    assert "JSON array" in answer.get_json()["error"]["message"]


def test_plays_need_a_device_token(client: FlaskClient, kiosk: Kiosk) -> None:
    answer = client.post("/player/api/plays", json=[play(kiosk, 0)])

    assert answer.status_code == 401


def test_an_alert_that_held_the_screen_is_counted_apart_from_slides(
    kiosk: Kiosk, database: Database
) -> None:
    batch = [play(kiosk, 0), play(kiosk, 1, slide=None, revision=None, alert=kiosk.alert_id)]

    assert kiosk.send(batch).status_code == 202
    kiosk.flush()
    with database.transaction() as session:
        roll_up(session, ZONE, utcnow(), KEEP)
        hours = session.execute(
            select(PlayHour.kind, PlayHour.subject_id, PlayHour.duration_ms).where(
                PlayHour.display_id == kiosk.display_id
            )
        ).all()

    assert sorted(hours) == sorted(
        [(SLIDE, batch[0]["slide"], 8000), (ALERT, kiosk.alert_id, 8001)]
    )


def test_a_play_whose_slide_was_deleted_before_the_write_is_counted_as_a_deleted_slide(
    kiosk: Kiosk, database: Database, as_user: Any
) -> None:
    kiosk.hold()
    sent = play(kiosk, 0)
    assert kiosk.send([sent]).status_code == 202
    with database.transaction() as session:
        session.delete(session.get(Slide, sent["slide"]))
    kiosk.flush()

    [row] = stored(database, kiosk.display_id)
    assert (row.slide_id, row.duration_ms) == (sent["slide"], 8000)
    with database.transaction() as session:
        roll_up(session, ZONE, utcnow(), KEEP)
    answer = as_user("admin").get("reports/plays", query_string={"group_by": "slide"})
    assert answer.status_code == 200, answer.get_json()
    [line] = answer.get_json()["items"]
    assert (line["key"], line["plays"], line["seconds"]) == (None, 1, 8)


# -- roll-ups -------------------------------------------------------------------------------
def scatter(kiosks: list[Kiosk], count: int, seed: int) -> dict[int, list[dict]]:
    """Plays spread over the last four days, some of alerts, per kiosk."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible spread, not a secret
    sent: dict[int, list[dict]] = defaultdict(list)
    for n in range(count):
        kiosk = rng.choice(kiosks)
        ago = timedelta(minutes=rng.randint(5, 4 * 24 * 60))
        change = {"slide": None, "revision": None, "alert": kiosk.alert_id} if n % 9 == 0 else {}
        found = play(kiosk, n, ago=ago, **change)
        found["duration_ms"] = rng.randint(1000, 120_000)
        sent[kiosk.display_id].append(found)
    return sent


def raw_sums(database: Database) -> tuple[Counter, Counter]:
    """(plays, ms) per (display, hour, kind, subject) and per (display, local day, …)."""
    hours: Counter = Counter()
    days: Counter = Counter()
    with database.sessions() as session:
        for row in session.scalars(select(PlayEvent)):
            kind = ALERT if row.alert_id else SLIDE
            subject = row.alert_id or row.slide_id or 0
            hour = row.started_at.replace(minute=0, second=0, microsecond=0)
            day = row.started_at.astimezone(ZONE).date()
            for counter, key in ((hours, hour), (days, day)):
                counter[(row.display_id, key, kind, subject, "plays")] += 1
                counter[(row.display_id, key, kind, subject, "ms")] += row.duration_ms
    return hours, days


def rolled_sums(database: Database) -> tuple[Counter, Counter]:
    hours: Counter = Counter()
    days: Counter = Counter()
    with database.sessions() as session:
        for table, counter in ((PlayHour, hours), (PlayDay, days)):
            for row in session.scalars(select(table)):
                key = row.hour if table is PlayHour else row.day
                counter[(row.display_id, key, row.kind, row.subject_id, "plays")] += row.plays
                counter[(row.display_id, key, row.kind, row.subject_id, "ms")] += row.duration_ms
    return hours, days


@pytest.fixture
def two_kiosks(
    app: Flask, client: FlaskClient, as_user: Any, world: World, database: Database
) -> list[Kiosk]:
    return [
        kiosk_for(app, client, as_user, world, database, name)
        for name in ("bibliotek", "plejehjem")
    ]


def test_roll_ups_equal_the_raw_sums_by_hour_and_by_local_day(
    two_kiosks: list[Kiosk], database: Database
) -> None:
    sent = scatter(two_kiosks, 600, seed=7)
    for kiosk in two_kiosks:
        plays = sent[kiosk.display_id]
        half = len(plays) // 2
        assert kiosk.send(plays[:half]).status_code == 202
        kiosk.flush()
    with database.transaction() as session:
        first = roll_up(session, ZONE, utcnow(), KEEP)
    for kiosk in two_kiosks:  # the rest arrive late, into hours rolled up already
        assert kiosk.send(sent[kiosk.display_id]).status_code == 202
        kiosk.flush()
    with database.transaction() as session:
        roll_up(session, ZONE, utcnow(), KEEP)
        marks_left = session.scalar(select(func.count()).select_from(PlayMark))
    raw_hours, raw_days = raw_sums(database)

    assert first.hours > 0
    assert marks_left == 0
    assert sum(v for k, v in raw_hours.items() if k[-1] == "plays") == 600
    assert rolled_sums(database) == (raw_hours, raw_days)


def test_rolling_up_twice_changes_nothing(two_kiosks: list[Kiosk], database: Database) -> None:
    for display_id, plays in scatter(two_kiosks, 100, seed=3).items():
        kiosk = next(k for k in two_kiosks if k.display_id == display_id)
        kiosk.send(plays)
        kiosk.flush()
    with database.transaction() as session:
        roll_up(session, ZONE, utcnow(), KEEP)
    before = rolled_sums(database)
    with database.transaction() as session:
        again = roll_up(session, ZONE, utcnow(), KEEP)

    assert again.hours == 0
    assert rolled_sums(database) == before


def test_the_sweep_purges_raw_plays_past_the_kept_period_and_keeps_the_roll_ups(
    kiosk: Kiosk, database: Database
) -> None:
    kiosk.send([play(kiosk, n, ago=timedelta(days=3, minutes=n)) for n in range(5)])
    kiosk.flush()
    clock_then = utcnow()
    sweeps = Sweeps(
        Propagator(database, "Europe/Copenhagen", "da", clock=lambda: clock_then),
        play_retention=timedelta(days=3),
    )

    sweeps.roll_up_plays()

    assert stored(database, kiosk.display_id) == []
    with database.sessions() as session:
        assert session.scalar(select(func.sum(PlayHour.plays))) == 5
        assert session.scalar(select(func.sum(PlayDay.plays))) == 5
        run = session.get(JobRun, "roll_up_plays")
        assert run is not None
        assert run.ok, run.detail
        assert "5 plays purged" in run.detail


def test_the_retention_setting_is_read_from_the_environment(tmp_path: Any) -> None:
    from signage.config import ConfigError, Settings

    env = {"SIGNAGE_INSTANCE_DIR": str(tmp_path), "SIGNAGE_SECRET_KEY": "x"}
    assert Settings.from_env(env).play_retention_days == 90
    assert Settings.from_env(env | {"SIGNAGE_PLAY_RETENTION_DAYS": "30"}).play_retention_days == 30
    with pytest.raises(ConfigError, match="SIGNAGE_PLAY_RETENTION_DAYS"):
        Settings.from_env(env | {"SIGNAGE_PLAY_RETENTION_DAYS": "1"})


def test_hours_are_utc_and_days_are_local(kiosk: Kiosk, database: Database) -> None:
    # 23:30 UTC on 26 November is 00:30 on the 27th in Copenhagen.
    late = datetime(2026, 11, 26, 23, 30, tzinfo=UTC)
    with database.transaction() as session:
        slide, revision = next(iter(kiosk.slides.items()))
        write_plays(
            session,
            [
                {
                    "display_id": kiosk.display_id,
                    "client_id": "late-evening-1",
                    "slide_id": slide,
                    "revision_id": revision,
                    "alert_id": None,
                    "language": None,
                    "started_at": microseconds(late),
                    "duration_ms": 1000,
                    "region": "main",
                }
            ],
        )
        roll_up(session, ZONE, late + timedelta(hours=1), KEEP)
        hour = session.scalar(select(PlayHour.hour))
        day = session.scalar(select(PlayDay.day))

    assert hour == late.replace(minute=0)
    assert str(day) == "2026-11-27"
