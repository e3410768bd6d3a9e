"""The authorisation table: every route the app registers, with who may call it.

One table, checked before every request. A route missing from it is refused, and a test
fails when any registered route is missing. Finer checks (location scope, own
revisions) happen in the services; this table is the first gate.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import g, request
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from signage.accounts.permissions import Role, Scope
from signage.errors import Forbidden, SignageError, Unauthorized
from signage.screens.devices import is_revoked
from signage.web import bearer_token, current_display, current_principal, db_session


@dataclass(frozen=True)
class Access:
    """`public`: anyone; `login`: any signed-in user; `device`: a kiosk's device token;
    `role`: a user whose highest grant is at least `role`; a `scope` token is also let in
    where one is named. A token narrowed to a scope reaches only the routes naming that
    scope, and those marked `any_scope` (the caller asking who it is)."""

    kind: str
    role: Role | None = None
    scope: str | None = None
    any_scope: bool = False


PUBLIC = Access("public")
LOGIN = Access("login")
DEVICE = Access("device")  # a kiosk with its display's device token


def role(min_role: Role, scope: str | None = None) -> Access:
    return Access("role", min_role, scope)


VIEWER, EDITOR = role(Role.VIEWER), role(Role.EDITOR)
MANAGER, COMMUNICATOR, ADMIN = (
    role(Role.FACILITY_MANAGER),
    role(Role.COMMUNICATOR),
    role(Role.ADMIN),
)

# Who may write each collection (reads need at least a viewer grant).
COLLECTION_WRITERS: dict[str, Access] = {
    "locations": ADMIN,
    "displays": MANAGER,
    "groups": MANAGER,
    "themes": COMMUNICATOR,
    "users": ADMIN,
    "grants": ADMIN,
    "playlists": MANAGER,
    "slides": EDITOR,
    "schedules": MANAGER,
    "feeds": EDITOR,  # a CAP feed needs a communicator (FeedService decides)
}
ADMIN_ONLY_READS = {"users", "grants"}

# Console pages enter themselves with `signage.console.base.page`.
ROUTES: dict[tuple[str, str], Access] = {
    ("static", "GET"): PUBLIC,
    ("health.healthz", "GET"): PUBLIC,
    ("health.readyz", "GET"): PUBLIC,
    # Prometheus scrapes with a token of scope metrics:read; admins may look too.
    ("health.metrics", "GET"): role(Role.ADMIN, scope=Scope.METRICS_READ),
    ("api_docs.openapi", "GET"): PUBLIC,
    ("api.me", "GET"): Access("login", any_scope=True),  # a token may ask what it is
    ("api.brand_get", "GET"): VIEWER,
    ("api.brand_update", "PATCH"): ADMIN,
    ("api.layouts", "GET"): VIEWER,
    ("api.audit", "GET"): ADMIN,
    # Reports read only the displays inside the caller's grants (signage.reports).
    ("api.reports_plays", "GET"): VIEWER,
    ("api.reports_uptime", "GET"): VIEWER,
    ("api.slides_submit", "POST"): EDITOR,
    ("api.slides_approve", "POST"): MANAGER,
    ("api.slides_reject", "POST"): MANAGER,
    ("api.displays_token", "POST"): MANAGER,
    ("api.displays_timeline", "GET"): VIEWER,
    ("api.displays_now", "GET"): VIEWER,
    ("player.manifest", "GET"): DEVICE,
    ("api.media_list", "GET"): VIEWER,
    ("api.media_get", "GET"): VIEWER,
    ("api.media_upload", "POST"): EDITOR,
    ("api.media_delete", "DELETE"): EDITOR,
    # Renditions are immutable and named by content hash; kiosks and previews fetch them.
    ("assets.media", "GET"): PUBLIC,
    ("player.register", "POST"): PUBLIC,  # rate-limited per address
    ("player.claim", "POST"): PUBLIC,  # needs the claim secret only the kiosk has
    ("player.active_alerts", "GET"): DEVICE,
    ("player.heartbeat", "POST"): DEVICE,
    ("player.plays", "POST"): DEVICE,
    ("api.displays_pair", "POST"): MANAGER,
    ("api.displays_revoke", "POST"): MANAGER,
    ("api.displays_commands", "POST"): MANAGER,
    ("api.alerts_list", "GET"): VIEWER,
    ("api.alerts_get", "GET"): VIEWER,
    ("api.alerts_create", "POST"): MANAGER,
    ("api.alerts_clear", "POST"): MANAGER,
    # Alerting systems send CAP with a narrow token; communicators may too.
    ("api.cap_ingest", "POST"): role(Role.COMMUNICATOR, scope=Scope.CAP_INGEST),
    ("feeds.cap_feed", "GET"): PUBLIC,  # only alerts that reach public screens
    # The intranet pushes items with a narrow token; editors of the feed may too.
    ("api.feeds_push", "POST"): role(Role.EDITOR, scope=Scope.FEED_PUSH),
    ("kiosk.page", "GET"): PUBLIC,  # the pairing screen, or a kiosk with its stored token
    ("kiosk.service_worker", "GET"): PUBLIC,
    ("kiosk.library", "GET"): PUBLIC,  # whitelisted browser libraries from node_modules
    ("kiosk.icon", "GET"): PUBLIC,  # the bundled pictograms
    # The public mirror (signage.public): only public slides on displays of public
    # locations, and the alerts reaching them; an internal location answers 404.
    ("public.index", "GET"): PUBLIC,
    ("public.location", "GET"): PUBLIC,
    ("public.live", "GET"): PUBLIC,
    ("public.feed_xml", "GET"): PUBLIC,
    ("public.brand_css", "GET"): PUBLIC,  # the brand's colours, as the pages use them
}
for _name, _writer in COLLECTION_WRITERS.items():
    _reader = ADMIN if _name in ADMIN_ONLY_READS else VIEWER
    ROUTES[(f"api.{_name}_list", "GET")] = _reader
    ROUTES[(f"api.{_name}_get", "GET")] = _reader
    ROUTES[(f"api.{_name}_create", "POST")] = _writer
    ROUTES[(f"api.{_name}_update", "PATCH")] = _writer
    ROUTES[(f"api.{_name}_delete", "DELETE")] = _writer

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class RouteNotInTable(SignageError):
    status = 403
    code = "forbidden"


def access_for(endpoint: str | None, method: str) -> Access | None:
    if endpoint is None:
        return PUBLIC  # no route matched: the 404/405 handler answers
    lookup = "GET" if method == "HEAD" else method
    return ROUTES.get((endpoint, lookup))


def enforce() -> None:
    """Flask before_request hook: refuse the call unless the table lets it through."""
    if request.method == "OPTIONS":
        return
    access = access_for(request.endpoint, request.method)
    if access is None:
        raise RouteNotInTable("this route is not in the authorisation table")
    if access.kind == "public":
        return
    if access.kind == "device":
        _require_device()
        return
    principal = current_principal()
    if principal is None:
        if g.get("auth_method") == "bad-token":
            raise Unauthorized("the bearer token is unknown or revoked")
        raise Unauthorized("sign in or send an API token (Authorization: Bearer …)")
    if principal.scope is not None and not access.any_scope and access.scope != principal.scope:
        # A narrow token (a scraper's, an alerting system's) is not staff: not even the
        # routes open to any signed-in user let it in.
        raise Forbidden(f"this token is narrowed to the scope {principal.scope}")
    if g.get("auth_method") == "session" and request.method in UNSAFE_METHODS:
        _check_csrf()
    if access.kind == "login":
        return
    if access.scope is not None and principal.has_scope(access.scope):
        return
    assert access.role is not None  # noqa: S101 - every 'role' entry names one
    if not principal.has_role(access.role):
        raise Forbidden(f"this needs at least the role {access.role.slug}")


def _require_device() -> None:
    if current_display() is not None:
        return
    token = bearer_token()
    if token is not None and is_revoked(db_session(), token):
        # The one refusal that sends a kiosk back to its pairing screen.
        raise Unauthorized(
            "this display's token was revoked; pair the kiosk again", code="token_revoked"
        )
    raise Unauthorized("send this display's device token (Authorization: Bearer …)")


def _check_csrf() -> None:
    """Console sessions calling the JSON API must prove the call comes from our page."""
    token = request.headers.get("X-CSRFToken") or request.form.get("csrf_token")
    try:
        validate_csrf(token)
    except ValidationError as exc:
        raise Forbidden("missing or invalid CSRF token (send X-CSRFToken)") from exc
