"""Request plumbing shared by the API, the console and the player: the request's
database session and the caller's principal. Only interfaces import this module."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any, cast

from flask import Flask, current_app, g, request
from flask import session as cookie_session
from flask_login import current_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.accounts.permissions import Principal
from signage.accounts.security import hash_token
from signage.accounts.services import principal_for_token, principal_for_user
from signage.alerts.receipts import ReceiptBuffer
from signage.db import Database, utcnow
from signage.limits import Limiter, address_limiter
from signage.realtime import Notifier
from signage.reports.ingest import Catalogue, Intake, PlayBuffer, take_plays
from signage.screens import devices
from signage.screens.models import Display


def database(app: Flask | None = None) -> Database:
    return (app or current_app).extensions["signage.db"]


def db_session() -> Session:
    """The request's session; rolled back and closed when the request ends."""
    if "db_session" not in g:
        g.db_session = database().sessions()
    return g.db_session


def close_session(_exc: BaseException | None = None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        try:
            session.rollback()
        except OperationalError:  # the database went away mid-request: nothing to undo
            session.invalidate()
        session.close()


def cookie_secure() -> bool:
    """Whether a cookie set on this request must be Secure: when the request came over
    HTTPS (directly, or through a trusted proxy: SIGNAGE_PROXIES), and always with
    SIGNAGE_SECURE_COOKIES."""
    return bool(current_app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def current_principal() -> Principal | None:
    """The caller: a bearer token wins over the console session cookie."""
    if "principal" in g:
        return g.principal
    principal: Principal | None = None
    token = bearer_token()
    session = db_session()
    if token is not None:
        principal = principal_for_token(session, token)
        g.auth_method = "token" if principal else "bad-token"
    elif current_user.is_authenticated:
        user = session.get(User, int(current_user.get_id()))
        if user is not None and user.active:
            principal = principal_for_user(session, user)
            g.auth_method = "session"
    g.principal = principal
    return principal


SIGNED_IN_AT_KEY = "signed_in_at"
SEEN_AT_KEY = "seen_at"
SEEN_AT_STEP_S = 15  # the idle clock moves in steps, so not every request rewrites the cookie


def expire_session() -> None:
    """Flask before_request hook: a console session ends a set time after sign-in
    (SIGNAGE_SESSION_LIFETIME_MINUTES) and after a set time without a request
    (SIGNAGE_IDLE_TIMEOUT_MINUTES)."""
    if "_user_id" not in cookie_session:
        return
    settings = current_app.config["SIGNAGE"]
    now = int(time.time())
    signed_in_at = int(cookie_session.setdefault(SIGNED_IN_AT_KEY, now))
    seen_at = int(cookie_session.get(SEEN_AT_KEY, now))
    if (
        now - signed_in_at > settings.session_lifetime_minutes * 60
        or now - seen_at > settings.idle_timeout_minutes * 60
    ):
        logout_user()
        cookie_session.clear()
        return
    if now - seen_at >= SEEN_AT_STEP_S or SEEN_AT_KEY not in cookie_session:
        cookie_session[SEEN_AT_KEY] = now


def load_user(user_id: str) -> Any:
    """Flask-Login's user loader: a fresh row from the request session."""
    if not user_id.isdigit():
        return None
    user = db_session().get(User, int(user_id))
    return user if user is not None and user.active else None


def limiter(name: str, limit: int, window_s: float) -> Limiter:
    """This app's limiter called `name` (shared through Redis when the deployment has
    one, else in this process), made at its first use."""
    key = f"signage.limit.{name}"
    found = current_app.extensions.get(key)
    if found is None:
        settings = current_app.config["SIGNAGE"]
        found = current_app.extensions[key] = address_limiter(settings, name, limit, window_s)
    return cast(Limiter, found)


def registrations() -> Limiter:
    """Pairing codes kiosks ask for, per address."""
    return limiter("registrations", devices.REGISTRATIONS_PER_WINDOW, devices.REGISTRATION_WINDOW_S)


# Failed sign-ins with a password: per account name (an attacker guessing one person's
# password from many addresses) and per address (one guessing many accounts). Only
# failures count, so staff signing in often are never held up.
SIGN_IN_FAILURES_PER_ACCOUNT = 10
SIGN_IN_FAILURES_PER_ADDRESS = 50
SIGN_IN_WINDOW_S = 900.0


def sign_in_limits(account: str) -> list[tuple[Limiter, str]]:
    """The limiters a password sign-in for `account` (the typed email) counts in."""
    return [
        (
            limiter("sign-in-account", SIGN_IN_FAILURES_PER_ACCOUNT, SIGN_IN_WINDOW_S),
            account.strip().casefold()[:254],
        ),
        (
            limiter("sign-in-address", SIGN_IN_FAILURES_PER_ADDRESS, SIGN_IN_WINDOW_S),
            client_address(),
        ),
    ]


def pairing_limits(principal: Principal) -> list[tuple[Limiter, str]]:
    """The limiters a pairing code that no kiosk shows counts in: per user and address."""
    shared = limiter("pairing", devices.PAIRING_FAILURES_PER_WINDOW, devices.PAIRING_WINDOW_S)
    return [(shared, f"user:{principal.user_id or principal.label}"), (shared, client_address())]


def client_address() -> str:
    return f"address:{request.remote_addr or 'unknown'}"


def seconds_to_wait(limits: list[tuple[Limiter, str]]) -> int:
    """0 when every limit allows another attempt, else the longest wait."""
    return max(found.waiting(key) for found, key in limits)


def count_failure(limits: list[tuple[Limiter, str]]) -> None:
    for found, key in limits:
        found.hit(key)


def heartbeats() -> devices.HeartbeatBuffer:
    """This app's heartbeats waiting for their batched write."""
    buffer = devices.HeartbeatBuffer()
    return cast(
        devices.HeartbeatBuffer, current_app.extensions.setdefault("signage.heartbeats", buffer)
    )


def receipts() -> ReceiptBuffer:
    """This app's alert deliveries and acknowledgements waiting for their batched write."""
    return cast(
        ReceiptBuffer, current_app.extensions.setdefault("signage.receipts", ReceiptBuffer())
    )


def flush_receipts() -> None:
    """Write the waiting receipts if the last write is old enough; console pages hear
    the new counts."""
    from signage.alerts.receipts import publish
    from signage.realtime import SocketIONotifier

    publish(database(), SocketIONotifier(), receipts().flush_if_due(database()))


def notifier() -> Notifier:
    """Where this app's realtime events go (tests may put a recording one in place)."""
    from signage.realtime import SocketIONotifier

    found = current_app.extensions.get("signage.notifier")
    return cast(Notifier, found) if found is not None else SocketIONotifier()


def flush_heartbeats() -> None:
    """Write the waiting heartbeats if the last write is old enough, and tell console
    pages which displays they came from."""
    from signage.realtime import SocketIONotifier, displays_updated

    displays_updated(SocketIONotifier(), heartbeats().flush_if_due(database()))


def play_buffer() -> PlayBuffer:
    """This app's accepted plays waiting for their batched write."""
    return cast(PlayBuffer, current_app.extensions.setdefault("signage.plays", PlayBuffer()))


def flush_plays(*, force: bool = False) -> None:
    """Write the waiting plays if the last write is old enough (or now, when forced)."""
    play_buffer().flush_if_due(database(), force=force)


def accept_plays(payload: Any, display_id: int) -> Intake:
    """A kiosk's batch of plays, over HTTP or its socket: checked play by play, the good
    ones kept for the next batched write. Raises for a batch unusable as a whole."""
    settings = current_app.config["SIGNAGE"]
    catalogue = cast(Catalogue, current_app.extensions.setdefault("signage.known", Catalogue()))
    intake, rows = take_plays(
        payload,
        display_id,
        utcnow(),
        timedelta(days=settings.play_retention_days - 1),
        database(),
        catalogue,
    )
    full = play_buffer().add(rows)
    flush_plays(force=full)
    return intake


def current_display() -> Display | None:
    """The kiosk calling, by its device token (stored only as SHA-256)."""
    if "display" not in g:
        token = bearer_token()
        g.display = (
            db_session().scalar(select(Display).where(Display.token_hash == hash_token(token)))
            if token
            else None
        )
    return g.display
