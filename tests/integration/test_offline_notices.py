"""Offline notification: a kiosk silent past the threshold inside its power windows is
announced to the facility managers whose grants cover it, once per outage and once when
it is back, in the console and by email through a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from signage.config import SmtpSettings
from signage.db import Database
from signage.monitoring.models import DisplayOutage, Notification, OutgoingMail
from signage.scheduling.jobs import Sweeps
from signage.scheduling.propagator import Propagator
from signage.screens.models import Display
from tests.factories import World
from tests.integration.test_console_admin import as_, html, post
from tests.integration.test_kiosks import device, paired  # noqa: F401 - a fixture
from tests.processes import free_port

BEAT = {"version": "v1", "player_version": "p1"}


class Inbox:
    """aiosmtpd's handler: keeps every message the server accepts."""

    def __init__(self) -> None:
        self.received: list[tuple[list[str], EmailMessage]] = []

    # The name is aiosmtpd's: it calls handle_DATA for each message.
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((list(envelope.rcpt_tos), parsed))
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(message["Subject"]) for _to, message in self.received]


@pytest.fixture
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def smtp_settings(port: int) -> SmtpSettings:
    return SmtpSettings(host="127.0.0.1", port=port, sender="infotavle@example.dk", security="none")


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def sweeps(database: Database, clock: Clock, smtp: SmtpSettings | None = None) -> Sweeps:
    """The jobs as `signage scheduler` builds them; a new one is a restarted process."""
    propagator = Propagator(database, "Europe/Copenhagen", "da", clock=clock)
    return Sweeps(propagator, outage_after=timedelta(minutes=5), smtp=smtp)


def heartbeat(app: Flask, client: FlaskClient, database: Database, token: str) -> datetime:
    """A kiosk's heartbeat over HTTP, written at once; returns when it was seen."""
    response = client.post("/player/api/heartbeat", json=BEAT, headers=device(client, token))
    assert response.status_code == 204
    with database.transaction() as session:
        app.extensions["signage.heartbeats"].flush(session)
    with database.sessions() as session:
        seen = session.scalars(select(Display.last_seen_at).order_by(Display.last_seen_at))
        return max(at for at in seen if at is not None)


def rows(database: Database, model: Any) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_one_kiosk_outage_sends_exactly_one_offline_and_one_back_online_email(
    app: Flask,
    client: FlaskClient,
    database: Database,
    paired: tuple[int, str],  # noqa: F811 - the fixture imported above
    smtp_server: tuple[Inbox, int],
) -> None:
    inbox, port = smtp_server
    _display_id, token = paired
    seen = heartbeat(app, client, database, token)
    clock = Clock(seen + timedelta(minutes=4))
    jobs = sweeps(database, clock, smtp_settings(port))

    jobs.watch_outages()  # four minutes: not yet
    jobs.send_mail()
    assert inbox.received == []

    clock.now = seen + timedelta(minutes=6)
    jobs.watch_outages()
    jobs.send_mail()
    assert inbox.subjects() == ["Skærmen Udlån er offline"]

    # The jobs process restarts and keeps sweeping while the kiosk stays dark.
    clock.now = seen + timedelta(minutes=30)
    restarted = sweeps(database, clock, smtp_settings(port))
    for _ in range(3):
        restarted.watch_outages()
        restarted.send_mail()
    assert len(inbox.received) == 1

    clock.now = heartbeat(app, client, database, token) + timedelta(minutes=1)  # it is back
    for _ in range(3):
        restarted.watch_outages()
        restarted.send_mail()

    assert inbox.subjects() == ["Skærmen Udlån er offline", "Skærmen Udlån er online igen"]
    # Only the library's facility manager: not the care home's, not admins or editors.
    assert [to for to, _message in inbox.received] == [["manager@example.dk"]] * 2
    offline, back = (message for _to, message in inbox.received)
    assert offline["From"] == "infotavle@example.dk"
    assert "Udlån på Bibliotek har ikke meldt sig siden" in offline.get_content()
    assert "er online igen siden" in back.get_content()
    with database.sessions() as session:
        outage = session.scalars(select(DisplayOutage)).one()
        assert outage.ended_at is not None
        assert session.scalar(select(func.count()).where(OutgoingMail.sent_at.is_(None))) == 0


def test_mail_waits_while_the_smtp_server_is_down_and_goes_once_it_is_up(
    app: Flask,
    client: FlaskClient,
    database: Database,
    paired: tuple[int, str],  # noqa: F811
) -> None:
    _display_id, token = paired
    seen = heartbeat(app, client, database, token)
    clock = Clock(seen + timedelta(minutes=6))
    port = free_port()  # nothing listens here yet
    jobs = sweeps(database, clock, smtp_settings(port))
    jobs.watch_outages()
    jobs.send_mail()
    with database.sessions() as session:
        waiting = session.scalars(select(OutgoingMail)).one()
        assert waiting.sent_at is None
        assert waiting.attempts == 1
        assert waiting.last_error
        assert waiting.next_attempt_at == clock.now + timedelta(minutes=1)

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        jobs.send_mail()  # too early for the retry
        assert inbox.received == []
        clock.now += timedelta(minutes=1)
        jobs.send_mail()
        jobs.send_mail()
    finally:
        controller.stop()
    assert inbox.subjects() == ["Skærmen Udlån er offline"]


def test_a_display_switched_off_for_the_night_is_not_reported(
    database: Database, world: World
) -> None:
    display_id = world.displays["bibliotek"]
    with database.transaction() as session:
        display = session.get(Display, display_id)
        assert display is not None
        display.token_hash = "0" * 64
        display.power = [{"window": ["06:30", "22:00"]}]
        display.last_seen_at = datetime.fromisoformat("2026-11-26T21:58:00+01:00")
    night = Clock(datetime.fromisoformat("2026-11-26T23:30:00+01:00"))
    sweeps(database, night).watch_outages()
    assert rows(database, DisplayOutage) == 0

    night.now = datetime.fromisoformat("2026-11-27T06:36:00+01:00")  # it should be on now
    sweeps(database, night).watch_outages()
    assert rows(database, DisplayOutage) == 1


def test_a_display_that_never_reported_or_has_no_token_is_not_reported(
    database: Database, world: World
) -> None:
    with database.transaction() as session:
        silent = session.get(Display, world.displays["plejehjem"])
        assert silent is not None
        silent.last_seen_at = datetime.fromisoformat("2026-11-20T12:00:00+01:00")  # no token
    sweeps(database, Clock(datetime.fromisoformat("2026-11-26T12:00:00+01:00"))).watch_outages()
    assert rows(database, DisplayOutage) == 0


def test_without_smtp_managers_get_console_notifications_and_no_mail_is_queued(
    app: Flask,
    client: FlaskClient,
    database: Database,
    paired: tuple[int, str],  # noqa: F811
    world: World,
) -> None:
    _display_id, token = paired
    seen = heartbeat(app, client, database, token)
    sweeps(database, Clock(seen + timedelta(minutes=6))).watch_outages()
    assert rows(database, OutgoingMail) == 0
    with database.sessions() as session:
        told = list(session.scalars(select(Notification.user_id)))
    assert told == [world.users["manager"]]


# -- the console -------------------------------------------------------------------------
def test_a_manager_sees_the_notices_with_an_unread_count_and_marks_them_read(
    app: Flask,
    client: FlaskClient,
    database: Database,
    paired: tuple[int, str],  # noqa: F811
) -> None:
    _display_id, token = paired
    seen = heartbeat(app, client, database, token)
    sweeps(database, Clock(seen + timedelta(minutes=6))).watch_outages()

    overview = html(as_(client, "manager").get("/console"))
    assert 'href="/console/notifications"' in overview  # in the menu
    assert re.search(
        r'<span class="count"><span class="visually-hidden">Ulæste: </span>1<', overview
    )
    page = client.get("/console/notifications")
    assert page.status_code == 200
    text = html(page)
    assert "Skærmen Udlån er offline" in text
    assert "Ny:" in text
    assert "selv om den burde være tændt" in text

    marked = post(client, "/console/notifications/read")
    assert marked.status_code == 302
    assert "Ulæste" not in html(client.get("/console"))
    assert "Ny:" not in html(client.get("/console/notifications"))


def test_marking_notifications_read_needs_the_form_token(client: FlaskClient, world: World) -> None:
    as_(client, "manager")
    assert client.post("/console/notifications/read").status_code == 400


@pytest.mark.parametrize("name", ["editor", "viewer"])
def test_staff_who_manage_no_screens_have_no_notifications_page(
    client: FlaskClient, world: World, name: str
) -> None:
    as_(client, name)
    assert 'href="/console/notifications"' not in html(client.get("/console"))
    assert client.get("/console/notifications").status_code == 403


def test_another_managers_notices_are_not_shown(
    app: Flask,
    client: FlaskClient,
    database: Database,
    paired: tuple[int, str],  # noqa: F811
) -> None:
    _display_id, token = paired
    seen = heartbeat(app, client, database, token)
    sweeps(database, Clock(seen + timedelta(minutes=6))).watch_outages()
    page = html(as_(client, "other_manager").get("/console/notifications"))
    assert "Udlån" not in page
    assert "Der er ingen notifikationer." in page
