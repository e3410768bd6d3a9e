"""Personal data as DESIGN.md says: what is kept is forgotten after its period, logs carry
no personal data beyond a user id, and a deleted user's audit trail stays under a
pseudonym while everything of theirs that names them goes."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from signage.accounts.models import ApiToken, AuditEvent, Grant, User
from signage.accounts.services import create_token, system_principal
from signage.alerts.models import Alert
from signage.app import create_app
from signage.config import ConfigError, OidcSettings, Settings
from signage.content.models import Slide
from signage.db import Database, utcnow
from signage.monitoring.logs import formatter
from signage.monitoring.models import DisplayOutage, Notification, OutgoingMail
from signage.realtime import RecordingNotifier, socketio
from signage.reports.models import PlayEvent
from signage.retention import Retention
from signage.scheduling.jobs import Sweeps
from signage.scheduling.models import JobRun
from signage.scheduling.propagator import Propagator
from signage.screens.models import Pairing
from tests.factories import World, add_user
from tests.integration.test_console import csrf_token, sign_in
from tests.oidc_provider import CLIENT_ID, CLIENT_SECRET, Provider, node_or_skip
from tests.oidc_provider import sign_in_at_provider as provider_sign_in

DAY = timedelta(days=1)
# Addresses from the documentation ranges (RFC 5737): if one shows up in a log, the log
# took it from the request.
CLIENT_ADDRESS = "203.0.113.77"
FORWARDED_ADDRESS = "198.51.100.23"
EMAIL = "birgitte.hemmelighed@example.dk"
NAME = "Birgitte Hemmelighedsfuld"
PASSWORD = "Hemmelig-kode-42!"
WRONG_PASSWORD = "Forkert-kode-99!"


# -- retention ---------------------------------------------------------------------------
def sweeps_at(database: Database, now: Any, **kwargs: Any) -> Sweeps:
    return Sweeps(Propagator(database, "Europe/Copenhagen", "da", clock=lambda: now), **kwargs)


def run_detail(database: Database, name: str) -> str:
    with database.sessions() as session:
        run = session.get(JobRun, name)
        assert run is not None
        assert run.ok, run.detail
        return run.detail or ""


def audit_entry(
    at: datetime, action: str, actor_id: int | None = None, actor_label: str = "system"
) -> AuditEvent:
    """An audit entry of the kind "test", `at` a given age."""
    return AuditEvent(
        at=at,
        actor_id=actor_id,
        actor_label=actor_label,
        action=action,
        entity_kind="test",
        entity_id=None,
        details={},
    )


def test_the_retention_sweep_forgets_what_is_past_its_period_and_keeps_the_rest(
    database: Database, world: World
) -> None:
    now = utcnow()
    manager = world.users["manager"]
    with database.transaction() as session:
        for age, action in ((100, "old"), (91, "older than 90"), (89, "young"), (1, "new")):
            session.add(audit_entry(now - age * DAY, action, manager, "manager@example.dk"))
        outage = DisplayOutage(display_id=world.displays["bibliotek"], last_seen_at=now - 120 * DAY)
        session.add(outage)
        session.flush()
        for age, kind in ((120, "old"), (95, "older than 90"), (80, "young"), (0, "new")):
            session.add(
                Notification(
                    user_id=manager, kind=kind, outage_id=outage.id, created_at=now - age * DAY
                )
            )
            session.add(
                OutgoingMail(
                    user_id=manager,
                    kind=kind,
                    subject=kind,
                    body="Skærmen er slukket",
                    created_at=now - age * DAY,
                    sent_at=now - age * DAY if kind != "new" else None,
                )
            )
        expired = now - 2 * DAY
        pairings = {
            "unclaimed, expired two days ago": Pairing(expires_at=expired),
            "fetched, expired two days ago": Pairing(
                expires_at=expired, display_id=world.displays["bibliotek"], delivered_at=expired
            ),
            "claimed, not fetched, expired a month ago": Pairing(
                expires_at=now - 31 * DAY, display_id=world.displays["bibliotek"]
            ),
            "unclaimed, expired an hour ago": Pairing(expires_at=now - timedelta(hours=1)),
            "valid": Pairing(expires_at=now + timedelta(minutes=10)),
            "claimed, not fetched, expired two days ago": Pairing(
                expires_at=expired, display_id=world.displays["plejehjem"]
            ),
        }
        for number, (label, pairing) in enumerate(pairings.items()):
            pairing.code, pairing.secret_hash = label[:8], f"{number:064d}"
            session.add(pairing)

    sweeps_at(database, now).purge_expired()

    with database.sessions() as session:
        audit = select(AuditEvent.action).where(AuditEvent.entity_kind == "test")
        assert set(session.scalars(audit)) == {"young", "new"}
        assert set(session.scalars(select(Notification.kind))) == {"young", "new"}
        assert set(session.scalars(select(OutgoingMail.kind))) == {"young", "new"}
        left = set(session.scalars(select(Pairing.secret_hash)))
    kept = {f"{n:064d}" for n, label in enumerate(pairings) if n >= 3}
    assert left == kept
    assert run_detail(database, "purge_expired") == (
        "2 audit entries, 2 notifications, 2 emails and 3 pairings purged"
    )


def test_the_kept_periods_are_the_configured_ones(database: Database, world: World) -> None:
    now = utcnow()
    with database.transaction() as session:
        for age in (10, 3):
            session.add(audit_entry(now - age * DAY, f"{age} days old"))
    sweeps_at(database, now, retention=Retention(audit=7 * DAY)).purge_expired()
    with database.sessions() as session:
        assert list(
            session.scalars(select(AuditEvent.action).where(AuditEvent.entity_kind == "test"))
        ) == ["3 days old"]


def test_the_jobs_process_purges_with_the_periods_from_its_settings(
    settings: Settings, database: Database, world: World
) -> None:
    from signage.cli import _sweeps

    now = utcnow()
    manager = world.users["manager"]
    with database.transaction() as session:
        outage = DisplayOutage(display_id=world.displays["bibliotek"], last_seen_at=now)
        session.add(outage)
        session.flush()
        for age in (10, 5, 1):
            session.add(audit_entry(now - age * DAY, f"{age} days old"))
            session.add(
                Notification(
                    user_id=manager, kind=f"{age}", outage_id=outage.id, created_at=now - age * DAY
                )
            )
    chosen = settings.with_overrides(audit_retention_days=7, notification_retention_days=3)
    sweeps = _sweeps(chosen, RecordingNotifier())
    try:
        sweeps.purge_expired()
    finally:
        sweeps.database.dispose()
    with database.sessions() as session:
        audit = select(AuditEvent.action).where(AuditEvent.entity_kind == "test")
        assert set(session.scalars(audit)) == {"5 days old", "1 days old"}
        assert set(session.scalars(select(Notification.kind))) == {"1"}


def test_raw_plays_past_their_period_are_purged_and_younger_ones_kept(
    database: Database, world: World
) -> None:
    now = utcnow()
    display = world.displays["bibliotek"]
    with database.transaction() as session:
        for age in (40, 31, 29, 1):
            session.add(
                PlayEvent(
                    display_id=display,
                    started_at=now - age * DAY,
                    duration_ms=10_000,
                    client_id=f"play-{age}",
                )
            )
    sweeps_at(database, now, play_retention=30 * DAY).roll_up_plays()
    with database.sessions() as session:
        assert set(session.scalars(select(PlayEvent.client_id))) == {"play-29", "play-1"}
    assert "2 plays purged" in run_detail(database, "roll_up_plays")


def test_the_kept_periods_are_read_from_the_environment(tmp_path: Path) -> None:
    env = {"SIGNAGE_INSTANCE_DIR": str(tmp_path), "SIGNAGE_SECRET_KEY": "x"}
    defaults = Settings.from_env(env)
    assert (defaults.audit_retention_days, defaults.notification_retention_days) == (90, 90)
    chosen = Settings.from_env(
        env | {"SIGNAGE_AUDIT_RETENTION_DAYS": "365", "SIGNAGE_NOTIFICATION_RETENTION_DAYS": "14"}
    )
    assert (chosen.audit_retention_days, chosen.notification_retention_days) == (365, 14)
    for name in ("SIGNAGE_AUDIT_RETENTION_DAYS", "SIGNAGE_NOTIFICATION_RETENTION_DAYS"):
        with pytest.raises(ConfigError, match=name):
            Settings.from_env(env | {name: "0"})


# -- logs --------------------------------------------------------------------------------
class Secrets:
    """What must never reach a log line."""

    def __init__(self) -> None:
        self.values: dict[str, str] = {
            "email": EMAIL,
            "name": NAME,
            "password": PASSWORD,
            "wrong password": WRONG_PASSWORD,
            "client address": CLIENT_ADDRESS,
            "forwarded address": FORWARDED_ADDRESS,
        }

    def add(self, what: str, value: str) -> None:
        assert value, what
        self.values[what] = value

    def found_in(self, text: str) -> list[str]:
        lowered = text.lower()
        return [what for what, value in self.values.items() if value.lower() in lowered]


def browser(app: Flask) -> FlaskClient:
    client = app.test_client()
    client.environ_base.update(REMOTE_ADDR=CLIENT_ADDRESS, HTTP_X_FORWARDED_FOR=FORWARDED_ADDRESS)
    return client


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record as the JSON log line and as the text line, tracebacks included."""
    as_json, as_text = formatter("json"), logging.Formatter("%(name)s %(message)s")
    lines = []
    for record in records:
        lines.append(as_json.format(record))
        lines.append(as_text.format(record))
        lines.append(json.dumps({k: repr(v) for k, v in vars(record).items()}))
    return "\n".join(lines)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    caplog.set_level(logging.DEBUG)  # pytest restores the level after the test
    return caplog


def test_sign_in_user_management_and_pairing_log_no_personal_data(
    app: Flask, database: Database, world: World, debug_logs: pytest.LogCaptureFixture
) -> None:
    secrets = Secrets()
    admin_token = world.tokens["admin"]
    admin = browser(app)
    headers = {"Authorization": f"Bearer {admin_token}"}
    secrets.add("admin's API token", admin_token)

    # An admin makes the user over the API; a second attempt clashes.
    created = admin.post(
        "/api/v1/users", json={"email": EMAIL, "name": NAME, "password": PASSWORD}, headers=headers
    )
    assert created.status_code == 201, created.get_json()
    user_id = created.get_json()["id"]
    clash = admin.post(
        "/api/v1/users", json={"email": EMAIL, "password": "x" * 12}, headers=headers
    )
    assert clash.status_code == 409
    grant = {"user_id": user_id, "role": "editor", "location_id": world.locations["bibliotek"]}
    assert admin.post("/api/v1/grants", json=grant, headers=headers).status_code == 201

    # The person signs in: wrong password, unknown email, then right.
    person = browser(app)
    assert sign_in(person, email=EMAIL, password=WRONG_PASSWORD).status_code == 401
    assert sign_in(person, email="ukendt." + EMAIL, password=PASSWORD).status_code == 401
    assert sign_in(person, email=EMAIL, password=PASSWORD).status_code == 302
    assert person.get("/console").status_code == 200
    cookie = person.get_cookie("session")
    assert cookie is not None
    secrets.add("session cookie", cookie.value)
    with database.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        assert user.password_hash
        secrets.add("password hash", user.password_hash)
        raw = create_token(session, user)
    secrets.add("their API token", raw)
    assert person.get("/api/v1/me", headers={"Authorization": f"Bearer {raw}"}).status_code < 500
    assert (
        person.get("/api/v1/slides", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    )
    bad = person.get("/api/v1/slides", headers={"Authorization": "Bearer " + raw[::-1]})
    assert bad.status_code == 401
    secrets.add("a wrong API token", raw[::-1])

    # An admin makes another user in the console.
    console = browser(app)
    assert sign_in(console, email="admin@example.dk").status_code == 302
    token = csrf_token(console.get("/console/admin/users/new"))
    made = console.post(
        "/console/admin/users/new",
        data={
            "email": "anden." + EMAIL,
            "name": NAME + " II",
            "password": PASSWORD,
            "language": "da",
            "csrf_token": token,
        },
    )
    assert made.status_code == 302

    # A kiosk pairs: its code, claim secret and device token stay out of the logs.
    kiosk = browser(app)
    registered = kiosk.post("/player/api/register", json={}).get_json()
    secrets.add("claim secret", registered["claim_secret"])
    paired = admin.post(
        "/api/v1/displays/pair",
        json={
            "code": registered["code"],
            "name": "Udlån",
            "location_id": world.locations["bibliotek"],
        },
        headers=headers,
    )
    assert paired.status_code == 201
    answer = kiosk.post("/player/api/claim", json={"claim_secret": registered["claim_secret"]})
    device_token = answer.get_json()["token"]
    secrets.add("device token", device_token)
    assert kiosk.get(f"/player?token={device_token}").status_code == 200
    device = {"Authorization": f"Bearer {device_token}"}
    assert kiosk.get("/player/api/manifest", headers=device).status_code == 200
    beat = {"player_version": "p1", "screen": [1920, 1080], "clock_skew_ms": 0}
    assert kiosk.post("/player/api/heartbeat", json=beat, headers=device).status_code == 204
    refused = kiosk.get(
        "/player/api/manifest", headers={"Authorization": "Bearer nope-" + device_token}
    )
    assert refused.status_code == 401

    # … and over its socket, with its token and with a wrong one.
    live = socketio.test_client(app, namespace="/player", auth={"token": device_token})
    assert live.is_connected(namespace="/player")
    live.emit("heartbeat", {"player_version": "p1", "screen": "odd"}, namespace="/player")
    live.disconnect(namespace="/player")
    wrong = socketio.test_client(app, namespace="/player", auth={"token": "x" + device_token})
    assert not wrong.is_connected(namespace="/player")

    # … and the person is deleted.
    assert admin.delete(f"/api/v1/users/{user_id}", headers=headers).status_code == 204

    logged = everything_logged(debug_logs.records)
    assert debug_logs.records, "the flows logged nothing at all: the capture is broken"
    assert "POST /login 401" in logged  # the request lines are there, without their people
    assert secrets.found_in(logged) == []


def test_a_database_error_names_no_value_of_the_row(database: Database, world: World) -> None:
    with database.transaction() as session:
        add_user(session, EMAIL, "editor", world.locations["bibliotek"])
    with database.sessions() as session:
        session.add(User(email=EMAIL, name=NAME, password_hash="$argon2id$" + PASSWORD))
        with pytest.raises(IntegrityError) as refused:
            session.flush()
    # As the log shows it: the message and the traceback with the driver's error.
    text = "".join(traceback.format_exception(refused.value))
    assert "UNIQUE" in text.upper()
    assert EMAIL not in text
    assert NAME not in text
    assert PASSWORD not in text


@pytest.fixture
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Provider]:
    node = node_or_skip()
    folder = tmp_path_factory.mktemp("oidc")
    running = Provider(
        control=folder / "control.json", log=folder / "provider.log", app_base="http://localhost"
    )
    running.start(node)
    yield running
    running.stop()


def test_signing_in_with_the_identity_provider_logs_no_personal_data(
    settings: Settings,
    world: World,
    provider: Provider,
    debug_logs: pytest.LogCaptureFixture,
) -> None:
    oidc = OidcSettings(
        issuer=provider.issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        groups={"infotavle-redaktoerer": (("editor", "bibliotek"),)},
        scope="openid email profile groups",
    )
    app = create_app(settings.with_overrides(oidc=oidc))
    try:
        provider.set_account("hemmelighedsfuld", EMAIL, ["infotavle-redaktoerer"])
        provider.set_account("uden-adgang", "uden." + EMAIL, ["andet"])
        secrets = Secrets()
        secrets.add("provider name", "Hemmelighedsfuld")
        secrets.add("other email", "uden." + EMAIL)
        for account, expected in (("hemmelighedsfuld", 302), ("uden-adgang", 403)):
            client = browser(app)
            start = client.get("/login/sso")
            assert start.status_code == 302
            back = urlsplit(
                provider_sign_in(start.headers["Location"], account, "http://localhost")
            )
            answer = client.get(f"{back.path}?{back.query}")
            assert answer.status_code == expected
            secrets.add(f"{account}'s authorization code", back.query.split("code=")[1][:20])
        refused = browser(app).get("/login/sso/callback?error=access_denied&state=x")
        assert refused.status_code == 401
    finally:
        app.extensions["signage.db"].dispose()
    server_side = [r for r in debug_logs.records if not r.name.startswith(("urllib3", "requests"))]
    assert secrets.found_in(everything_logged(server_side)) == []


# -- deleting a user ---------------------------------------------------------------------
def audit_rows(database: Database) -> list[dict[str, Any]]:
    with database.sessions() as session:
        return [
            {
                "actor_id": event.actor_id,
                "actor_label": event.actor_label,
                "action": event.action,
                "entity_kind": event.entity_kind,
                "entity_id": event.entity_id,
                "details": event.details,
            }
            for event in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]


def make_person(app: Flask, world: World, database: Database) -> tuple[int, FlaskClient, str]:
    """A named editor at the library who signs in, holds a token, gets a notification and
    an email, and writes a slide that is approved."""
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    client = browser(app)
    created = client.post(
        "/api/v1/users", json={"email": EMAIL, "name": NAME, "password": PASSWORD}, headers=admin
    )
    user_id = created.get_json()["id"]
    grant = {"user_id": user_id, "role": "editor", "location_id": world.locations["bibliotek"]}
    assert client.post("/api/v1/grants", json=grant, headers=admin).status_code == 201
    assert sign_in(client, email=EMAIL, password=PASSWORD).status_code == 302
    with database.transaction() as session:
        user = session.get(User, user_id)
        assert user is not None
        token = create_token(session, user, name="min nøgle")
        outage = DisplayOutage(display_id=world.displays["bibliotek"], last_seen_at=utcnow())
        session.add(outage)
        session.flush()
        session.add(Notification(user_id=user_id, kind="display_offline", outage_id=outage.id))
        session.add(OutgoingMail(user_id=user_id, kind="display_offline", subject="s", body="b"))
    mine = {"Authorization": f"Bearer {token}"}
    slide = client.post(
        "/api/v1/slides",
        json={
            "title": "Lørdagsåbent",
            "location_id": world.locations["bibliotek"],
            "kind": "text",
            "fields": {"heading": "Åbent lørdag"},
        },
        headers=mine,
    )
    assert slide.status_code == 201, slide.get_json()
    slide_id = slide.get_json()["id"]
    assert client.post(f"/api/v1/slides/{slide_id}/submit", headers=mine).status_code == 200
    approved = client.post(f"/api/v1/slides/{slide_id}/approve", headers=admin)
    assert approved.status_code == 200, approved.get_json()
    return user_id, client, token


def assert_forgotten(
    app: Flask, database: Database, world: World, user_id: int, client: FlaskClient, token: str
) -> str:
    """Everything that names the person is gone, their trail is under one pseudonym, and
    what they made still works. Returns the pseudonym."""
    with database.sessions() as session:
        assert session.get(User, user_id) is None
        assert session.scalar(select(User).where(User.email == EMAIL)) is None
        for model in (Grant, ApiToken, Notification, OutgoingMail):
            held = session.scalar(
                select(func.count()).select_from(model).where(model.user_id == user_id)
            )
            assert held == 0, model.__name__
    # Their API token and their console session no longer open anything.
    assert (
        client.get("/api/v1/slides", headers={"Authorization": f"Bearer {token}"}).status_code
        == 401
    )
    assert client.get("/console").status_code == 302
    assert sign_in(browser(app), email=EMAIL, password=PASSWORD).status_code == 401

    rows = audit_rows(database)
    dumped = json.dumps(rows, ensure_ascii=False, default=str).lower()
    assert EMAIL not in dumped
    assert NAME.lower() not in dumped
    deletion = [row for row in rows if row["action"] == "user.delete"]
    assert len(deletion) == 1
    assert deletion[0]["entity_id"] == user_id
    pseudonym = deletion[0]["details"]["pseudonym"]
    assert pseudonym.startswith("deleted-user-")
    theirs = [row for row in rows if row["actor_label"] == pseudonym]
    # The sign-in, the slide's creation and its submission: all under the one pseudonym.
    assert {"login", "slide.create", "slide.submit"} <= {row["action"] for row in theirs}
    assert all(row["actor_id"] is None for row in theirs)

    # An auditor reading the log over the API sees the pseudonym.
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    listed = client.get("/api/v1/audit", query_string={"limit": 500}, headers=admin).get_json()
    shown = json.dumps(listed, ensure_ascii=False).lower()
    assert pseudonym in shown
    assert EMAIL not in shown

    # What they made stays: the slide is still there, approved, and editable by others.
    with database.sessions() as session:
        slide = session.scalar(select(Slide).where(Slide.title == "Lørdagsåbent"))
        assert slide is not None
        slide_id = slide.id
    fetched = client.get(f"/api/v1/slides/{slide_id}", headers=admin)
    assert fetched.status_code == 200
    assert fetched.get_json()["title"] == "Lørdagsåbent"
    edited = client.patch(f"/api/v1/slides/{slide_id}", json={"title": "Lørdag"}, headers=admin)
    assert edited.status_code == 200, edited.get_json()
    return str(pseudonym)


def test_deleting_a_user_over_the_api_forgets_them_and_keeps_their_trail_under_a_pseudonym(
    app: Flask, database: Database, world: World
) -> None:
    user_id, client, token = make_person(app, world, database)
    communicator = {"Authorization": f"Bearer {world.tokens['communicator']}"}
    alert = client.post(
        "/api/v1/alerts",
        json={"title": "Vandskade", "body": "Biblioteket er lukket", "severity": "warning",
              "targets": {"location_ids": [world.locations["bibliotek"]]}},
        headers=communicator,
    )  # fmt: skip
    assert alert.status_code == 201, alert.get_json()
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    assert client.delete(f"/api/v1/users/{user_id}", headers=admin).status_code == 204

    assert_forgotten(app, database, world, user_id, client, token)
    # Deleting the communicator leaves their alert on the screens.
    communicator_id = world.users["communicator"]
    assert client.delete(f"/api/v1/users/{communicator_id}", headers=admin).status_code == 204
    with database.sessions() as session:
        sent = session.get(Alert, alert.get_json()["id"])
        assert sent is not None
        assert sent.cleared_at is None
        assert sent.created_by is None
    listed = client.get("/api/v1/alerts", headers=admin).get_json()
    assert alert.get_json()["id"] in {item["id"] for item in listed["items"]}


def test_deleting_a_user_in_the_console_does_the_same(
    app: Flask, database: Database, world: World
) -> None:
    user_id, client, token = make_person(app, world, database)
    console = browser(app)
    assert sign_in(console, email="admin@example.dk").status_code == 302
    form = csrf_token(console.get(f"/console/admin/users/{user_id}"))
    response = console.post(f"/console/admin/users/{user_id}/delete", data={"csrf_token": form})
    assert response.status_code == 302

    assert "er slettet" in console.get("/console/admin/users").get_data(as_text=True)

    pseudonym = assert_forgotten(app, database, world, user_id, client, token)
    page = console.get("/console/admin/audit").get_data(as_text=True)
    assert pseudonym in page
    assert EMAIL not in page


def test_two_deleted_users_get_two_pseudonyms(app: Flask, database: Database, world: World) -> None:
    admin = {"Authorization": f"Bearer {world.tokens['admin']}"}
    client = browser(app)
    for name in ("editor", "other_editor"):
        client.post(
            "/api/v1/themes",
            json={"slug": f"t-{name}", "name": name, "location_id": world.locations["kommune"]},
            headers={"Authorization": f"Bearer {world.tokens['communicator']}"},
        )
        sign_in(browser(app), email=f"{name}@example.dk")
        assert client.delete(f"/api/v1/users/{world.users[name]}", headers=admin).status_code == 204
    with database.sessions() as session:
        labels = set(
            session.scalars(select(AuditEvent.actor_label).where(AuditEvent.action == "login"))
        )
    assert len(labels) == 2
    assert all(label.startswith("deleted-user-") for label in labels)


def test_a_user_deleted_by_the_system_keeps_the_same_guarantees(
    database: Database, world: World
) -> None:
    from signage.accounts.services import UserService

    with database.transaction() as session:
        user = session.get(User, world.users["viewer"])
        assert user is not None
        UserService().delete(session, system_principal(session), user)
    rows = audit_rows(database)
    assert "viewer@example.dk" not in json.dumps(rows)
