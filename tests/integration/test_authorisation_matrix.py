"""The authorisation matrix: every registered route, called for real by every kind of
caller, against one explicit table of who is let in.

The town: kommune (root) → nord, syd (siblings). Everything a route names by id lives in
nord. Callers: anonymous; the nord display's device token; a user of each role granted
at nord; the same roles granted at syd (who must not reach nord's things); an admin of
the whole municipality; and API tokens narrowed to each scope (made for that admin, the
worst case: the scope must narrow even the mightiest user).

API calls (/api, /metrics, /player/api) go with the user's bearer token; other routes
with a signed-in console session and a valid CSRF token, so that what is tested is the
authorisation gate, not the form's freshness. Routes that change or delete things get a
fresh object of their own per caller, so no call depends on another.

Answers: `+` let in (anything but 401, 403, 404, a redirect to sign in, or a 5xx; a
400/409/422 means the gate let the call through to the body's checks); `-` refused
(401/403, or for a console page a redirect to the sign-in page); `~` hidden (404: a
thing outside the caller's reach looks absent, so its existence is not leaked).

Beyond the answer: a refused or hidden call writes nothing (the audit log stays as it
was), nor does any write of syd's staff; and every name of nord's things carries a
marker that no answer to syd's staff contains. The Socket.IO namespaces have a second,
smaller table, connected to a served instance with the real python-socketio client.
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import socketio
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.routing import Rule
from werkzeug.test import encode_multipart

from signage.accounts.models import AuditEvent, Grant, User
from signage.accounts.permissions import Scope
from signage.accounts.services import GrantService, UserService, create_token, system_principal
from signage.alerts import cap
from signage.alerts.models import Alert
from signage.app import create_app
from signage.config import MediaLimits
from signage.console.views import LIBRARIES as CONSOLE_LIBRARIES
from signage.content import media as media_service
from signage.content.media_store import rendition_dir
from signage.content.models import Media, Slide
from signage.content.services import PlaylistService, SlideService, ThemeService
from signage.db import Database, utcnow
from signage.feeds.services import FeedService
from signage.player.page import LIBRARIES as KIOSK_LIBRARIES
from signage.player.page import PICTOGRAM_ICONS
from signage.scheduling.services import ScheduleService
from signage.screens import devices
from signage.screens.models import Display
from signage.screens.services import DisplayService, GroupService, LocationService
from tests.conftest import make_settings
from tests.databases import DATABASES
from tests.factories import PASSWORD, add_location, add_slide
from tests.integration.test_authorisation_table import registered_routes
from tests.integration.test_cap import document as cap_document
from tests.media_files import jpeg
from tests.processes import running

# -- callers --------------------------------------------------------------------------

ROLES = {
    "viewer": "viewer",
    "editor": "editor",
    "manager": "facility_manager",
    "communicator": "communicator",
    "admin": "admin",
}
# The columns of the table, in order (spaces in a row only group them for the eye).
CALLERS = (
    "anon", "device",
    "viewer", "editor", "manager", "communicator", "admin",
    "x_viewer", "x_editor", "x_manager", "x_communicator", "x_admin",
    "root",
    "cap", "feed", "metrics",
)  # fmt: skip
SCOPES = {"cap": Scope.CAP_INGEST, "feed": Scope.FEED_PUSH, "metrics": Scope.METRICS_READ}
USERS = [*ROLES, *(f"x_{name}" for name in ROLES), "root"]

# -- the table ------------------------------------------------------------------------
# Columns: an(onymous) d(e)v(ice) | own: V(iewer) E(ditor) M(anager) C(ommunicator) A(dmin)
# granted at nord | other: the same granted at syd | r(oot): the whole municipality's admin |
# scope tokens: c(ap:ingest) f(eed:push) m(etrics:read). `+` let in, `-` refused, `~` hidden.
# fmt: off
EXPECTED: dict[tuple[str, str], str] = {
    # -- api --
    #                                               an own   other r scope
    #                                               dv VEMCA VEMCA t cfm
    # A foreign alert is hidden from the managers who pass the gate, as reading it is.
    ("api.alerts_clear", "POST"):                  "-- --+++ --~~~ + ---",
    ("api.alerts_create", "POST"):                 "-- --+++ ----- + ---",
    ("api.alerts_get", "GET"):                     "-- +++++ ~~~~~ + ---",
    ("api.alerts_list", "GET"):                    "-- +++++ +++++ + ---",
    # Any admin; the entries are those of their own subtree (signage.audit).
    ("api.audit", "GET"):                          "-- ----+ ----+ + ---",
    ("api.brand_get", "GET"):                      "-- +++++ +++++ + ---",
    ("api.brand_update", "PATCH"):                 "-- ----- ----- + ---",
    # A real CAP alert for the area "Nord": a person reaches what they could by hand
    # (signage.alerts.ingest); the cap:ingest token of an alerting system reaches the map.
    ("api.cap_ingest", "POST"):                    "-- ---++ ----- + +--",
    ("api.displays_commands", "POST"):             "-- --+++ --~~~ + ---",
    ("api.displays_create", "POST"):               "-- --+++ ----- + ---",
    ("api.displays_delete", "DELETE"):             "-- --+++ --~~~ + ---",
    ("api.displays_get", "GET"):                   "-- +++++ ~~~~~ + ---",
    ("api.displays_list", "GET"):                  "-- +++++ +++++ + ---",
    ("api.displays_now", "GET"):                   "-- +++++ ~~~~~ + ---",
    ("api.displays_pair", "POST"):                 "-- --+++ ----- + ---",
    ("api.displays_revoke", "POST"):               "-- --+++ --~~~ + ---",
    ("api.displays_timeline", "GET"):              "-- +++++ ~~~~~ + ---",
    ("api.displays_token", "POST"):                "-- --+++ --~~~ + ---",
    ("api.displays_update", "PATCH"):              "-- --+++ --~~~ + ---",
    ("api.feeds_create", "POST"):                  "-- -++++ ----- + ---",
    ("api.feeds_delete", "DELETE"):                "-- -++++ -~~~~ + ---",
    ("api.feeds_get", "GET"):                      "-- +++++ ~~~~~ + ---",
    ("api.feeds_list", "GET"):                     "-- +++++ +++++ + ---",
    ("api.feeds_push", "POST"):                    "-- -++++ -~~~~ + -+-",
    ("api.feeds_update", "PATCH"):                 "-- -++++ -~~~~ + ---",
    # An admin of one location grants roles inside their subtree (GrantService); the
    # console's users pages are for whole-municipality admins only. Judgement: kept.
    ("api.grants_create", "POST"):                 "-- ----+ ----- + ---",
    ("api.grants_delete", "DELETE"):               "-- ----+ ----~ + ---",
    ("api.grants_get", "GET"):                     "-- ----+ ----~ + ---",
    # Listed, but only the grants inside the caller's reach.
    ("api.grants_list", "GET"):                    "-- ----+ ----+ + ---",
    ("api.grants_update", "PATCH"):                "-- ----+ ----~ + ---",
    ("api.groups_create", "POST"):                 "-- --+++ ----- + ---",
    ("api.groups_delete", "DELETE"):               "-- --+++ --~~~ + ---",
    ("api.groups_get", "GET"):                     "-- +++++ ~~~~~ + ---",
    ("api.groups_list", "GET"):                    "-- +++++ +++++ + ---",
    ("api.groups_update", "PATCH"):                "-- --+++ --~~~ + ---",
    ("api.layouts", "GET"):                        "-- +++++ +++++ + ---",
    ("api.locations_create", "POST"):              "-- ----+ ----- + ---",
    ("api.locations_delete", "DELETE"):            "-- ----+ ----~ + ---",
    ("api.locations_get", "GET"):                  "-- +++++ ~~~~~ + ---",
    ("api.locations_list", "GET"):                 "-- +++++ +++++ + ---",
    ("api.locations_update", "PATCH"):             "-- ----+ ----~ + ---",
    # Any token may ask who it is; the answer names a narrow token's scope.
    ("api.me", "GET"):                             "-- +++++ +++++ + +++",
    ("api.media_delete", "DELETE"):                "-- -++++ -~~~~ + ---",
    ("api.media_get", "GET"):                      "-- +++++ ~~~~~ + ---",
    ("api.media_list", "GET"):                     "-- +++++ +++++ + ---",
    ("api.media_upload", "POST"):                  "-- -++++ ----- + ---",
    ("api.playlists_create", "POST"):              "-- --+++ ----- + ---",
    ("api.playlists_delete", "DELETE"):            "-- --+++ --~~~ + ---",
    ("api.playlists_get", "GET"):                  "-- +++++ ~~~~~ + ---",
    ("api.playlists_list", "GET"):                 "-- +++++ +++++ + ---",
    ("api.playlists_update", "PATCH"):             "-- --+++ --~~~ + ---",
    # Reports read only the displays inside the caller's grants (signage.reports).
    ("api.reports_plays", "GET"):                  "-- +++++ +++++ + ---",
    ("api.reports_uptime", "GET"):                 "-- +++++ +++++ + ---",
    # The schedule names nord's playlist, which syd's staff cannot see: hidden (404).
    ("api.schedules_create", "POST"):              "-- --+++ --~~~ + ---",
    ("api.schedules_delete", "DELETE"):            "-- --+++ --~~~ + ---",
    ("api.schedules_get", "GET"):                  "-- +++++ ~~~~~ + ---",
    ("api.schedules_list", "GET"):                 "-- +++++ +++++ + ---",
    ("api.schedules_update", "PATCH"):             "-- --+++ --~~~ + ---",
    ("api.slides_approve", "POST"):                "-- --+++ --~~~ + ---",
    ("api.slides_create", "POST"):                 "-- -++++ ----- + ---",
    ("api.slides_delete", "DELETE"):               "-- -++++ -~~~~ + ---",
    ("api.slides_get", "GET"):                     "-- +++++ ~~~~~ + ---",
    ("api.slides_list", "GET"):                    "-- +++++ +++++ + ---",
    ("api.slides_reject", "POST"):                 "-- --+++ --~~~ + ---",
    ("api.slides_submit", "POST"):                 "-- -++++ -~~~~ + ---",
    ("api.slides_update", "PATCH"):                "-- -++++ -~~~~ + ---",
    ("api.themes_create", "POST"):                 "-- ---++ ----- + ---",
    ("api.themes_delete", "DELETE"):               "-- ---++ ---~~ + ---",
    ("api.themes_get", "GET"):                     "-- +++++ ~~~~~ + ---",
    ("api.themes_list", "GET"):                    "-- +++++ +++++ + ---",
    ("api.themes_update", "PATCH"):                "-- ---++ ---~~ + ---",
    ("api.users_create", "POST"):                  "-- ----- ----- + ---",
    ("api.users_delete", "DELETE"):                "-- ----- ----- + ---",
    ("api.users_get", "GET"):                      "-- ----- ----- + ---",
    # Accounts are instance-wide: only an admin of the whole municipality (console too).
    ("api.users_list", "GET"):                     "-- ----- ----- + ---",
    ("api.users_update", "PATCH"):                 "-- ----- ----- + ---",
    ("api_docs.openapi", "GET"):                   "++ +++++ +++++ + +++",
    # -- console --
    # Forms are posted with their CSRF token, and the create forms of CONSOLE_FORMS filled
    # in for nord: administration refuses syd's staff (403), the planning and feed forms
    # answer 422 (nord is not among the locations offered) and the audit log shows they
    # wrote nothing. Other forms go empty: the gate lets the role in, the form says 422.
    #                                               an own   other r scope
    #                                               dv VEMCA VEMCA t cfm
    # The hub shows each section its caller may open; managers manage groups.
    ("console.admin", "GET"):                      "-- --+++ --+++ + ---",
    ("console.admin_audit", "GET"):                "-- ----+ ----+ + ---",
    ("console.admin_brand", "GET"):                "-- ----- ----- + ---",
    ("console.admin_brand", "POST"):               "-- ----- ----- + ---",
    ("console.admin_grant_add", "POST"):           "-- ----- ----- + ---",
    ("console.admin_grant_remove", "POST"):        "-- ----- ----- + ---",
    ("console.admin_group", "GET"):                "-- --+++ --~~~ + ---",
    ("console.admin_group", "POST"):               "-- --+++ --~~~ + ---",
    ("console.admin_group_delete", "POST"):        "-- --+++ --~~~ + ---",
    ("console.admin_group_new", "GET"):            "-- --+++ --+++ + ---",
    ("console.admin_group_new", "POST"):           "-- --+++ ----- + ---",
    ("console.admin_groups", "GET"):               "-- --+++ --+++ + ---",
    ("console.admin_location", "GET"):             "-- ----+ ----~ + ---",
    ("console.admin_location", "POST"):            "-- ----+ ----~ + ---",
    ("console.admin_location_delete", "POST"):     "-- ----+ ----~ + ---",
    ("console.admin_location_new", "GET"):         "-- ----+ ----+ + ---",
    ("console.admin_location_new", "POST"):        "-- ----+ ----- + ---",
    ("console.admin_locations", "GET"):            "-- ----+ ----+ + ---",
    ("console.admin_theme", "GET"):                "-- ---++ ---~~ + ---",
    ("console.admin_theme", "POST"):               "-- ---++ ---~~ + ---",
    ("console.admin_theme_delete", "POST"):        "-- ---++ ---~~ + ---",
    ("console.admin_theme_new", "GET"):            "-- ---++ ---++ + ---",
    ("console.admin_theme_new", "POST"):           "-- ---++ ----- + ---",
    ("console.admin_themes", "GET"):               "-- ---++ ---++ + ---",
    ("console.admin_user", "GET"):                 "-- ----- ----- + ---",
    ("console.admin_user_active", "POST"):         "-- ----- ----- + ---",
    ("console.admin_user_delete", "POST"):         "-- ----- ----- + ---",
    ("console.admin_user_new", "GET"):             "-- ----- ----- + ---",
    ("console.admin_user_new", "POST"):            "-- ----- ----- + ---",
    ("console.admin_user_update", "POST"):         "-- ----- ----- + ---",
    ("console.admin_users", "GET"):                "-- ----- ----- + ---",
    ("console.alert", "GET"):                      "-- +++++ ~~~~~ + ---",
    # As the API: a foreign alert is hidden.
    ("console.alert_clear", "POST"):               "-- --+++ --~~~ + ---",
    ("console.alert_receipts", "GET"):             "-- +++++ ~~~~~ + ---",
    ("console.alerts_index", "GET"):               "-- +++++ +++++ + ---",
    ("console.alerts_new", "GET"):                 "-- --+++ --+++ + ---",
    ("console.alerts_new", "POST"):                "-- --+++ --+++ + ---",
    ("console.approval", "GET"):                   "-- --+++ --~~~ + ---",
    ("console.approvals", "GET"):                  "-- --+++ --+++ + ---",
    # 409 for nord's managers: the form names no revision; the gate let them in.
    ("console.approve", "POST"):                   "-- --+++ --~~~ + ---",
    ("console.display", "GET"):                    "-- +++++ ~~~~~ + ---",
    ("console.display_command", "POST"):           "-- --+++ --~~~ + ---",
    ("console.display_now", "GET"):                "-- +++++ ~~~~~ + ---",
    ("console.display_row", "GET"):                "-- +++++ ~~~~~ + ---",
    ("console.display_update", "POST"):            "-- --+++ --~~~ + ---",
    ("console.displays", "GET"):                   "-- +++++ +++++ + ---",
    ("console.feed_delete", "POST"):               "-- -++++ -~~~~ + ---",
    ("console.feed_edit", "GET"):                  "-- -++++ -~~~~ + ---",
    ("console.feed_edit", "POST"):                 "-- -++++ -~~~~ + ---",
    ("console.feed_new", "GET"):                   "-- -++++ -++++ + ---",
    ("console.feed_new", "POST"):                  "-- -++++ -++++ + ---",
    ("console.feeds", "GET"):                      "-- +++++ +++++ + ---",
    ("console.index", "GET"):                      "-- +++++ +++++ + ---",
    ("console.library", "GET"):                    "++ +++++ +++++ + +++",
    ("console.login", "GET"):                      "++ +++++ +++++ + +++",
    ("console.login", "POST"):                     "++ +++++ +++++ + +++",
    # Signing out ends at /login too, but plainly: refusal adds ?next=.
    ("console.logout", "POST"):                    "-- +++++ +++++ + ---",
    ("console.media", "GET"):                      "-- +++++ +++++ + ---",
    ("console.media_card", "GET"):                 "-- +++++ ~~~~~ + ---",
    ("console.media_delete", "POST"):              "-- -++++ -~~~~ + ---",
    ("console.media_upload", "POST"):              "-- -++++ ----- + ---",
    ("console.notifications", "GET"):              "-- --+++ --+++ + ---",
    ("console.notifications_read", "POST"):        "-- --+++ --+++ + ---",
    ("console.pair_display", "GET"):               "-- --+++ --+++ + ---",
    ("console.pair_display", "POST"):              "-- --+++ --+++ + ---",
    ("console.playlist", "GET"):                   "-- --+++ --~~~ + ---",
    ("console.playlist_update", "POST"):           "-- --+++ --~~~ + ---",
    ("console.playlists", "GET"):                  "-- --+++ --+++ + ---",
    ("console.playlists", "POST"):                 "-- --+++ --+++ + ---",
    ("console.reject", "POST"):                    "-- --+++ --~~~ + ---",
    ("console.reports", "GET"):                    "-- +++++ +++++ + ---",
    ("console.reports_outages_csv", "GET"):        "-- +++++ +++++ + ---",
    ("console.reports_plays_csv", "GET"):          "-- +++++ +++++ + ---",
    ("console.reports_uptime", "GET"):             "-- +++++ +++++ + ---",
    ("console.reports_uptime_csv", "GET"):         "-- +++++ +++++ + ---",
    ("console.revision_preview", "GET"):           "-- +++++ ~~~~~ + ---",
    ("console.root", "GET"):                       "++ +++++ +++++ + +++",
    ("console.schedule_calendar", "GET"):          "-- --+++ --+++ + ---",
    ("console.schedule_delete", "POST"):           "-- --+++ --~~~ + ---",
    ("console.schedule_edit", "GET"):              "-- --+++ --~~~ + ---",
    ("console.schedule_edit", "POST"):             "-- --+++ --~~~ + ---",
    ("console.schedule_new", "GET"):               "-- --+++ --+++ + ---",
    ("console.schedule_new", "POST"):              "-- --+++ --+++ + ---",
    ("console.schedules", "GET"):                  "-- --+++ --+++ + ---",
    ("console.set_language", "POST"):              "++ +++++ +++++ + +++",
    ("console.slide", "GET"):                      "-- +++++ ~~~~~ + ---",
    ("console.slide_create", "POST"):              "-- -++++ -++++ + ---",
    ("console.slide_new", "GET"):                  "-- -++++ -++++ + ---",
    ("console.slide_preview", "GET"):              "-- +++++ +++++ + ---",
    ("console.slide_save", "POST"):                "-- -++++ -~~~~ + ---",
    ("console.slides", "GET"):                     "-- +++++ +++++ + ---",
    # Single sign-on is not configured in this instance: 404 for everybody.
    ("console.sso_callback", "GET"):               "~~ ~~~~~ ~~~~~ ~ ~~~",
    ("console.sso_start", "GET"):                  "~~ ~~~~~ ~~~~~ ~ ~~~",
    # -- player --
    #                                               an own   other r scope
    #                                               dv VEMCA VEMCA t cfm
    # Renditions are named by content hash and immutable; kiosks fetch them.
    ("assets.media", "GET"):                       "++ +++++ +++++ + +++",
    ("kiosk.icon", "GET"):                         "++ +++++ +++++ + +++",
    ("kiosk.library", "GET"):                      "++ +++++ +++++ + +++",
    ("kiosk.page", "GET"):                         "++ +++++ +++++ + +++",
    ("kiosk.service_worker", "GET"):               "++ +++++ +++++ + +++",
    ("player.active_alerts", "GET"):               "-+ ----- ----- - ---",
    # Anyone holding a kiosk's claim secret (only that kiosk has it).
    ("player.claim", "POST"):                      "++ +++++ +++++ + +++",
    ("player.heartbeat", "POST"):                  "-+ ----- ----- - ---",
    ("player.manifest", "GET"):                    "-+ ----- ----- - ---",
    ("player.plays", "POST"):                      "-+ ----- ----- - ---",
    ("player.register", "POST"):                   "++ +++++ +++++ + +++",
    # -- public --
    #                                               an own   other r scope
    #                                               dv VEMCA VEMCA t cfm
    ("feeds.cap_feed", "GET"):                     "++ +++++ +++++ + +++",
    ("public.brand_css", "GET"):                   "++ +++++ +++++ + +++",
    ("public.feed_xml", "GET"):                    "++ +++++ +++++ + +++",
    ("public.index", "GET"):                       "++ +++++ +++++ + +++",
    ("public.live", "GET"):                        "++ +++++ +++++ + +++",
    # nord is public; an internal location answers 404 to all (test_public.py).
    ("public.location", "GET"):                    "++ +++++ +++++ + +++",
    # -- other --
    #                                               an own   other r scope
    #                                               dv VEMCA VEMCA t cfm
    ("health.healthz", "GET"):                     "++ +++++ +++++ + +++",
    # Instance-wide numbers: any admin, or the metrics:read token (a scraper).
    ("health.metrics", "GET"):                     "-- ----+ ----+ + --+",
    ("health.readyz", "GET"):                      "++ +++++ +++++ + +++",
    ("static", "GET"):                             "++ +++++ +++++ + +++",
}
# fmt: on


def row(route: tuple[str, str]) -> dict[str, str]:
    marks = EXPECTED[route].replace(" ", "")
    assert len(marks) == len(CALLERS), (route, marks)
    assert set(marks) <= set("+-~"), (route, marks)
    return dict(zip(CALLERS, marks, strict=True))


# -- the town -------------------------------------------------------------------------


MARK = "nordhemmelig"  # in the name of every thing at nord: syd's staff never see it


@dataclass
class Town:
    instance: Path
    app: Flask
    database: Database
    media_dir: Path
    places: dict[str, int]
    ids: dict[str, int]  # shared things at nord, by URL argument name
    tokens: dict[str, str]  # caller → bearer token
    cookies: dict[str, str]  # caller → their console session cookie
    csrf: dict[str, str]  # caller → a CSRF token of their session
    media_sha: str = ""
    serial: Iterator[int] = field(default_factory=itertools.count)

    def unique(self) -> str:
        """A fresh name part; every name of nord's things carries the marker."""
        return f"{MARK}{next(self.serial)}"


def _csrf_of(page: Any) -> str:
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the page carries no csrf_token"
    return found.group(1)


def _add_user(
    session: Session, email: str, role: str, location_id: int, password: str | None = PASSWORD
) -> User:
    """A user with one grant; without a password (no slow hashing) when none is needed."""
    principal = system_principal(session)
    data = {"email": email} if password is None else {"email": email, "password": password}
    user = UserService().create(session, principal, data)
    GrantService().create(
        session, principal, {"user_id": user.id, "role": role, "location_id": location_id}
    )
    return user


def email_of(caller: str) -> str:
    place = "kommune" if caller == "root" else "syd" if caller.startswith("x_") else "nord"
    return f"{caller.removeprefix('x_')}@{place}.dk"


def sign_in(app: Flask, caller: str) -> tuple[str, str]:
    """A console session of `caller` (anonymous for "anon"): its cookie and CSRF token."""
    client = app.test_client()
    csrf = _csrf_of(client.get("/login"))
    if caller != "anon":
        form = {"email": email_of(caller), "password": PASSWORD, "csrf_token": csrf}
        assert client.post("/login", data=form).status_code == 302, caller
        csrf = _csrf_of(client.get("/console"))
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    assert cookie is not None
    return cookie.value, csrf


@pytest.fixture(scope="module")
def town(tmp_path_factory: pytest.TempPathFactory, migrated_template: Path) -> Iterator[Town]:
    instance = tmp_path_factory.mktemp("matrix") / "instance"
    DATABASES.create(instance, migrated_template)
    # CAP areas named "Nord" reach nord (an alerting system's reach is this map's).
    areas = cap.AreaMap.from_mapping({"areas": {"nord": ["nord"]}})
    settings = make_settings(instance).with_overrides(cap_areas=areas)
    app = create_app(settings)
    database: Database = app.extensions["signage.db"]
    tokens: dict[str, str] = {}
    with database.transaction() as session:
        kommune = add_location(session, "kommune")
        nord = add_location(session, "nord", kommune, public=True)
        syd = add_location(session, "syd", kommune)
        places = {"kommune": kommune, "nord": nord, "syd": syd}
        users: dict[str, User] = {}
        for name, role in ROLES.items():
            users[name] = _add_user(session, email_of(name), role, nord)
            users[f"x_{name}"] = _add_user(session, email_of(f"x_{name}"), role, syd)
        users["root"] = _add_user(session, email_of("root"), "admin", kommune)
        for name, user in users.items():
            tokens[name] = create_token(session, user)
        for name, scope in SCOPES.items():
            tokens[name] = create_token(session, users["root"], scope=scope)
    town = Town(instance, app, database, settings.media_dir, places, {}, tokens, {}, {})
    with database.transaction() as session:
        town.ids = {
            "display_id": fresh_display(town, session),
            "group_id": fresh_group(town, session),
            "slide_id": fresh_slide(town, session),
            "playlist_id": fresh_playlist(town, session),
            "schedule_id": fresh_schedule(town, session),
            "theme_id": fresh_theme(town, session),
            "alert_id": fresh_alert(town, session),
            "feed_id": fresh_feed(town, session),
            "media_id": fresh_media(town, session),
            "location_id": nord,
            "user_id": users["viewer"].id,
        }
        town.ids["grant_id"] = grant_of(session, users["viewer"].id)
        display = session.get(Display, town.ids["display_id"])
        media = session.get(Media, town.ids["media_id"])
        assert display is not None
        assert media is not None
        # What pairing gives a kiosk (test_kiosks.py pairs one by its code).
        tokens["device"] = DisplayService().issue_token(session, system_principal(session), display)
        town.media_sha = media.sha256
    # A rendition as the worker would leave it (assets.media serves only renditions).
    rendition = rendition_dir(settings.media_dir, town.media_sha)
    rendition.mkdir(parents=True, exist_ok=True)
    (rendition / "thumb.webp").write_bytes(b"RIFF\x00\x00\x00\x00WEBP")
    for name in ("anon", *USERS):
        town.cookies[name], town.csrf[name] = sign_in(app, name)
    yield town
    database.dispose()
    DATABASES.drop(instance)


# -- fresh things at nord -------------------------------------------------------------


def fresh_display(town: Town, session: Session) -> int:
    data = {"name": f"Skærm {town.unique()}", "location_id": town.places["nord"]}
    return DisplayService().create(session, system_principal(session), data).id


def fresh_group(town: Town, session: Session) -> int:
    slug = f"gruppe-{town.unique()}"
    data = {"slug": slug, "name": slug, "location_id": town.places["nord"], "tag": slug}
    return GroupService().create(session, system_principal(session), data).id


def fresh_slide(town: Town, session: Session, pending: bool = False) -> int:
    slide_id = add_slide(
        session, town.places["nord"], f"Nyhed {town.unique()}", approved=not pending
    )
    if pending:
        slide = session.get(Slide, slide_id)
        assert slide is not None
        SlideService().submit(session, system_principal(session), slide)
        session.flush()
    return slide_id


def fresh_playlist(town: Town, session: Session) -> int:
    slug = f"liste-{town.unique()}"
    data = {"slug": slug, "name": slug, "location_id": town.places["nord"], "items": []}
    return PlaylistService().create(session, system_principal(session), data).id


def fresh_schedule(town: Town, session: Session) -> int:
    data = {
        "playlist_id": fresh_playlist(town, session),
        "location_id": town.places["nord"],
        "tier": "normal",
        "target": {"location_id": town.places["nord"]},
    }
    return ScheduleService().create(session, system_principal(session), data).id


def fresh_theme(town: Town, session: Session) -> int:
    slug = f"tema-{town.unique()}"
    data = {"slug": slug, "name": slug, "location_id": town.places["nord"], "year": 2030}
    return ThemeService().create(session, system_principal(session), data).id


def fresh_alert(town: Town, session: Session) -> int:
    nord = town.places["nord"]
    alert = Alert(
        location_id=nord, title=f"Varsel {town.unique()}", severity="info",
        targets={"location_ids": [nord]},
    )  # fmt: skip
    session.add(alert)
    session.flush()
    return alert.id


def fresh_feed(town: Town, session: Session) -> int:
    data = {"name": f"Intranet {town.unique()}", "location_id": town.places["nord"], "kind": "push"}
    return FeedService().create(session, system_principal(session), data).id


def fresh_media(town: Town, session: Session) -> int:
    path = town.media_dir.parent / f"{town.unique()}.jpg"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(jpeg(width=40 + next(town.serial) % 500, height=30))
    media, _ = media_service.register_file(
        session, town.media_dir, MediaLimits(), path, f"{town.unique()}.jpg", town.places["nord"]
    )
    return media.id


def fresh_user(town: Town, session: Session) -> int:
    email = f"{town.unique()}@nord.dk"
    return _add_user(session, email, "viewer", town.places["nord"], password=None).id


def grant_of(session: Session, user_id: int) -> int:
    found = session.scalar(select(Grant.id).where(Grant.user_id == user_id))
    assert found is not None
    return found


def fresh_grant(town: Town, session: Session) -> int:
    return grant_of(session, fresh_user(town, session))


def fresh_location(town: Town, session: Session) -> int:
    slug = f"sted-{town.unique()}"
    data = {"slug": slug, "name": slug, "parent_id": town.places["nord"]}
    return LocationService().create(session, system_principal(session), data).id


FRESH = {
    "display": fresh_display,
    "group": fresh_group,
    "slide": fresh_slide,
    "playlist": fresh_playlist,
    "schedule": fresh_schedule,
    "theme": fresh_theme,
    "alert": fresh_alert,
    "feed": fresh_feed,
    "media": fresh_media,
    "user": fresh_user,
    "grant": fresh_grant,
    "location": fresh_location,
}
PENDING_SLIDE = {"api.slides_approve", "api.slides_reject", "console.approve", "console.reject"}


def kind_of(endpoint: str, argument: str) -> str:
    if argument == "item_id":  # api.<collection>_<verb>
        return endpoint.removeprefix("api.").split("_")[0].removesuffix("s")
    return argument.removesuffix("_id")


# -- the requests ---------------------------------------------------------------------


def uses_token(path: str) -> bool:
    return path.startswith(("/api/", "/metrics", "/player/api/"))


def api_body(town: Town, endpoint: str, session: Session) -> dict[str, Any] | None:
    """A body that would succeed for a caller allowed to write at nord, so a refusal
    comes from the caller's reach, not from the body."""
    nord, tag = town.places["nord"], town.unique()
    bodies: dict[str, Any] = {
        "api.locations_create": {"slug": f"ny-{tag}", "name": "Ny", "parent_id": nord},
        "api.displays_create": {"name": f"Ny {tag}", "location_id": nord},
        "api.groups_create": {"slug": f"ny-{tag}", "name": "Ny", "location_id": nord, "tag": tag},
        "api.themes_create": {"slug": f"ny-{tag}", "name": "Ny", "location_id": nord},
        "api.users_create": {"email": f"ny-{tag}@nord.dk", "name": "Ny"},
        "api.grants_create": {
            "user_id": fresh_user(town, session), "role": "editor", "location_id": nord,
        },
        "api.playlists_create": {
            "slug": f"ny-{tag}", "name": "Ny", "location_id": nord, "items": [],
        },
        "api.slides_create": {"title": "Ny", "location_id": nord, "fields": {"heading": "Hej"}},
        "api.schedules_create": {
            "playlist_id": fresh_playlist(town, session), "location_id": nord,
            "target": {"location_id": nord},
        },
        "api.feeds_create": {"name": f"Ny {tag}", "location_id": nord, "kind": "push"},
        "api.alerts_create": {
            "title": "Øvelse", "severity": "info", "targets": {"location_ids": [nord]},
        },
        "api.displays_pair": {
            "code": devices.register(session, utcnow()).code,
            "name": f"Ny {tag}", "location_id": nord,
        },
        "api.displays_commands": {"action": "identify"},
        "api.feeds_push": {"items": []},
        "player.heartbeat": {},
        "player.plays": {"plays": []},
        "player.claim": {"claim_secret": devices.register(session, utcnow()).claim_secret},
        "player.register": {},
    }  # fmt: skip
    return bodies.get(endpoint, {})


@dataclass
class Call:
    method: str
    path: str
    kwargs: dict[str, Any]


def fixed_value(town: Town, endpoint: str, argument: str) -> Any:
    """A URL argument that names no thing of a location (files, names, the slug)."""
    if argument == "number":
        return 1  # a slide's first revision
    if argument == "sha256":
        return town.media_sha
    if argument == "filename" and endpoint == "assets.media":
        return "thumb.webp"
    if argument == "filename":
        folder = Path(town.app.static_folder or "")
        return sorted(folder.rglob("*.css"))[0].relative_to(folder).as_posix()
    if argument == "name" and endpoint == "kiosk.icon":
        return sorted(PICTOGRAM_ICONS)[0]
    if argument == "name":
        libraries = KIOSK_LIBRARIES if endpoint == "kiosk.library" else CONSOLE_LIBRARIES
        return sorted(libraries)[0]
    if argument == "slug":
        return "nord"  # the public mirror of nord
    return None


def path_values(town: Town, session: Session, rule: Rule, method: str) -> dict[str, Any]:
    """Real ids of nord's things: shared ones for reading, a fresh one for each call
    that may change or delete what it names."""
    values: dict[str, Any] = {}
    for argument in rule.arguments:
        values[argument] = fixed_value(town, rule.endpoint, argument)
        if values[argument] is not None:
            continue
        kind = kind_of(rule.endpoint, argument)
        if method == "GET":
            values[argument] = town.ids[f"{kind}_id"]
        elif kind == "slide" and rule.endpoint in PENDING_SLIDE:
            values[argument] = fresh_slide(town, session, pending=True)
        else:
            values[argument] = FRESH[kind](town, session)
    return values


def upload(town: Town) -> dict[str, Any]:
    """A small JPEG for nord, as a multipart body."""
    file = FileStorage(io.BytesIO(jpeg(width=64)), filename="b.jpg")
    boundary, body = encode_multipart({"file": file, "location_id": str(town.places["nord"])})
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def named_at_nord(town: Town) -> dict[str, str]:
    tag = town.unique()
    nord = str(town.places["nord"])
    return {"name": tag, "slug": tag, "tag": tag, "location_id": nord, "parent_id": nord}


# Console create forms filled in for nord: nord's staff make the thing, syd's are
# offered no location of nord's and write nothing (both checked by the audit log).
CONSOLE_FORMS = {
    "console.playlists": named_at_nord,
    "console.feed_new": lambda town: {**named_at_nord(town), "kind": "push"},
    "console.admin_group_new": lambda town: {**named_at_nord(town), "members": "tag"},
    "console.admin_theme_new": lambda town: {**named_at_nord(town), "year": "2030"},
    "console.admin_location_new": named_at_nord,
}


def build_call(town: Town, rule: Rule, method: str, caller: str) -> Call:
    endpoint = rule.endpoint
    with town.database.transaction() as session:
        path = rule.build(path_values(town, session, rule, method), append_unknown=False)
        assert path is not None
        address = path[1]
        headers: dict[str, str] = {}
        kwargs: dict[str, Any] = {"headers": headers}
        if caller != "anon" and (uses_token(address) or session_of(caller) == "anon"):
            headers["Authorization"] = f"Bearer {town.tokens[caller]}"
        if method == "GET":
            pass
        elif endpoint in ("api.media_upload", "console.media_upload"):
            kwargs |= upload(town)
            headers["HX-Request"] = "true"  # the console answers its status, not a redirect
        elif endpoint == "api.cap_ingest":
            xml = cap_document(f"{MARK}-{town.unique()}", area="Nord")
            kwargs |= {"data": xml, "content_type": "application/cap+xml"}
        elif uses_token(address):
            kwargs["json"] = api_body(town, endpoint, session)
        else:
            kwargs["data"] = {"csrf_token": town.csrf[session_of(caller)]}
            kwargs["data"] |= CONSOLE_FORMS.get(endpoint, lambda _town: {})(town)
        if method != "GET" and not uses_token(address):
            headers["X-CSRFToken"] = town.csrf[session_of(caller)]
        if endpoint == "player.register":  # registrations are limited per address
            kwargs["environ_base"] = {"REMOTE_ADDR": f"10.0.0.{CALLERS.index(caller) + 1}"}
    return Call(method, address, kwargs)


def session_of(caller: str) -> str:
    """Whose console session a caller's browser holds: a kiosk or a narrow token has
    only an anonymous one (with its CSRF token, so that the gate, not CSRF, answers)."""
    return "anon" if caller in ("device", *SCOPES) else caller


def client_for(town: Town, caller: str) -> FlaskClient:
    client = town.app.test_client()
    client.set_cookie(town.app.config["SESSION_COOKIE_NAME"], town.cookies[session_of(caller)])
    return client


def outcome(response: Any) -> str:
    status = response.status_code
    if status in (401, 403):
        return "-"
    if status in (301, 302, 303):
        target = urlsplit(response.headers["Location"])
        if target.path == "/login" and "next=" in target.query:
            return "-"  # sent to sign in first (signing out also ends at /login, plainly)
    if status == 404:
        return "~"
    return "+"


# -- the tests ------------------------------------------------------------------------


# Writes that name nord or one of its things: syd's staff, even when let through the
# gate (to a form that answers 422, say), change nothing there.
SCOPED_WRITES = {
    endpoint
    for endpoint, method in EXPECTED
    if method != "GET" and endpoint.startswith(("api.", "console."))
    and endpoint not in ("console.login", "console.logout", "console.set_language")
}  # fmt: skip


def audit_entries(town: Town) -> int:
    """Every write through a service leaves an audit entry."""
    with town.database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def _all_routes() -> list[tuple[str, str]]:
    return sorted(EXPECTED)


@pytest.fixture(scope="module")
def rules(town: Town) -> dict[str, Rule]:
    return {rule.endpoint: rule for rule in town.app.url_map.iter_rules()}


def test_every_registered_route_has_a_row(town: Town) -> None:
    missing = registered_routes(town.app) - EXPECTED.keys()
    stale = EXPECTED.keys() - registered_routes(town.app)
    assert not missing, f"add rows to EXPECTED for {sorted(missing)}"
    assert not stale, f"remove rows from EXPECTED for {sorted(stale)}"


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("route", _all_routes(), ids="{0[0]} {0[1]}".format)
def test_the_route_answers_the_caller_as_the_table_says(
    town: Town, rules: dict[str, Rule], route: tuple[str, str], caller: str
) -> None:
    endpoint, method = route
    call = build_call(town, rules[endpoint], method, caller)
    audited = audit_entries(town)
    response = client_for(town, caller).open(call.path, method=method, **call.kwargs)
    body = response.get_data().decode(errors="replace")
    response.close()
    assert response.status_code < 500, (call.path, body[:500])
    assert outcome(response) == row(route)[caller], (
        f"{method} {call.path} as {caller}: {response.status_code} {body[:300]}"
    )
    if row(route)[caller] != "+" or (caller.startswith("x_") and endpoint in SCOPED_WRITES):
        assert audit_entries(town) == audited, f"{method} {call.path} as {caller} wrote"
    elif endpoint in CONSOLE_FORMS and method == "POST":
        assert audit_entries(town) > audited, f"{call.path} as {caller}: {body[:2000]}"
    if caller.startswith("x_") and method == "GET" and endpoint.startswith(("api.", "console.")):
        # Let in to a list, a report or a form: still nothing of nord's in it.
        assert MARK not in body.lower(), f"{call.path} shows {caller} nord's things"


@pytest.mark.parametrize(
    "address",
    ["/api/v1/displays", "/api/v1/slides", "/api/v1/media", "/console/displays", "/console/slides"],
)
def test_nords_own_viewer_sees_the_marker_that_syd_never_does(town: Town, address: str) -> None:
    """The check for nord's things in syd's answers is not vacuous."""
    response = client_for(town, "viewer").get(address, headers=build_auth(town, address))
    assert response.status_code == 200
    assert MARK in response.get_data(as_text=True).lower()


def build_auth(town: Town, address: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {town.tokens['viewer']}"} if uses_token(address) else {}


# -- Socket.IO namespaces ---------------------------------------------------------------
# The same callers connect with the real python-socketio client to a served instance:
# staff with their console session cookie, kiosks and narrow tokens with their token
# (as `auth` on /player, as a bearer header elsewhere). `+` connected, `-` refused.
# fmt: off
SOCKETS: dict[tuple[str, str], str] = {
    #                      an own   other r scope
    #                      dv VEMCA VEMCA t cfm
    ("/player", ""):      "-+ ----- ----- - ---",  # a display's device token only
    # Signed-in staff; each joins the rooms of the locations they may read.
    ("/console", ""):     "-- +++++ +++++ + ---",
    ("/public", "nord"):  "++ +++++ +++++ + +++",  # nord is public: anyone may listen
    ("/public", "syd"):   "-- ----- ----- - ---",  # internal: refused as not found
}
# fmt: on


@dataclass
class Served:
    base: str
    cookies: dict[str, str]  # caller → Cookie header of their console session there


@pytest.fixture(scope="module")
def served(town: Town, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with running(town.instance, tmp_path_factory.mktemp("served"), "serve") as (base, _log):
        cookies = {}
        for caller in USERS:
            browser = requests.Session()
            page = browser.get(f"{base}/login", timeout=10)
            csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text)
            assert csrf is not None
            form = {"email": email_of(caller), "password": PASSWORD, "csrf_token": csrf.group(1)}
            signed = browser.post(f"{base}/login", data=form, allow_redirects=False, timeout=10)
            assert signed.status_code == 302, caller
            cookies[caller] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
        yield Served(base, cookies)


def connects(served: Served, town: Town, namespace: str, location: str, caller: str) -> bool:
    client = socketio.Client(reconnection=False)
    refused: list[Any] = []
    client.on("connect_error", refused.append, namespace=namespace)
    headers: dict[str, str] = {}
    auth: dict[str, str] | None = None
    if namespace == "/public":
        auth = {"location": location}
    elif namespace == "/player" and caller in town.tokens:
        auth = {"token": town.tokens[caller]}
    if caller in served.cookies:
        headers["Cookie"] = served.cookies[caller]
    elif caller != "anon":
        headers["Authorization"] = f"Bearer {town.tokens[caller]}"
    try:
        client.connect(
            served.base, namespaces=[namespace], transports=["websocket"], headers=headers,
            auth=auth, wait_timeout=10,
        )  # fmt: skip
    except socketio.exceptions.ConnectionError:
        assert refused, "refused without saying why"
        return False
    finally:
        client.disconnect()
    return True


@pytest.mark.slow
@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("namespace", sorted(SOCKETS), ids=lambda n: " ".join(n).strip())
def test_the_namespace_lets_in_whom_the_table_says(
    served: Served, town: Town, namespace: tuple[str, str], caller: str
) -> None:
    marks = dict(zip(CALLERS, SOCKETS[namespace].replace(" ", ""), strict=True))
    connected = connects(served, town, *namespace, caller)
    assert ("+" if connected else "-") == marks[caller], f"{namespace} as {caller}"


def test_every_namespace_has_a_row(town: Town) -> None:
    from signage.realtime import socketio as server

    namespaces = set(server.server.handlers) if server.server else set()
    assert namespaces <= {name for name, _ in SOCKETS}, namespaces
