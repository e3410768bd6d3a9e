"""Kiosks as devices: pairing by code, device tokens revoked, heartbeats written in
batches. Services only; the HTTP and Socket.IO handlers live in `signage.player`."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, literal, select, update
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal, Role
from signage.accounts.security import hash_token, new_token
from signage.crud import get_or_404, require_write
from signage.db import Database
from signage.errors import Conflict, NotFound, RateLimited, SignageError
from signage.limits import Limiter
from signage.scheduling.models import Manifest
from signage.screens.models import Display, Group, GroupMember, Location, Pairing, RevokedToken
from signage.screens.services import DisplayService, install_token, retire_token

# No 0/O, 1/I/L, 5/S or 8/B: a code is read off a screen across a room and typed on a phone.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY234679"
CODE_LENGTH = 8
PAIRING_VALID = timedelta(minutes=15)
REGISTRATIONS_PER_WINDOW = 10
REGISTRATION_WINDOW_S = 600.0
# Codes typed that no kiosk shows, per user and per address: 26^8 codes live 15 minutes,
# so guessing is hopeless anyway; the limit keeps anyone from trying.
PAIRING_FAILURES_PER_WINDOW = 20
PAIRING_WINDOW_S = 600.0


class Gone(SignageError):
    status = 410
    code = "expired"


@dataclass(frozen=True)
class Registration:
    code: str
    claim_secret: str
    expires_at: datetime


@dataclass(frozen=True)
class Claim:
    """`token` is None while nobody has paired the kiosk yet."""

    token: str | None
    display_id: int | None
    expires_at: datetime


def limit_registrations(limiter: Limiter, address: str) -> None:
    """A kiosk asks for a pairing code: at most REGISTRATIONS_PER_WINDOW per address."""
    wait = limiter.hit(address)
    if wait:
        raise RateLimited(f"too many pairing codes from this address; try again in {wait} s", wait)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def register(session: Session, now: datetime) -> Registration:
    """A new pairing code for a kiosk without a token."""
    code = new_code()
    while session.scalar(select(Pairing.id).where(Pairing.code == code, Pairing.expires_at > now)):
        code = new_code()  # 26^8 codes: a clash among the live ones is rare, but possible
    secret = new_token()
    pairing = Pairing(code=code, secret_hash=hash_token(secret), expires_at=now + PAIRING_VALID)
    session.add(pairing)
    session.flush()
    return Registration(code, secret, pairing.expires_at)


def claim(session: Session, claim_secret: str, now: datetime) -> Claim:
    """What a waiting kiosk learns when it polls: still waiting, or its device token
    (issued now, once, so no token is ever stored in the clear)."""
    pairing = session.scalar(select(Pairing).where(Pairing.secret_hash == hash_token(claim_secret)))
    if pairing is None:
        raise NotFound("this kiosk is not registered; ask for a new pairing code")
    if pairing.display_id is None:
        if pairing.expires_at <= now:
            raise Gone("the pairing code has expired; ask for a new one")
        return Claim(None, None, pairing.expires_at)
    if pairing.delivered_at is not None:
        raise Gone("this pairing was completed already; ask for a new pairing code")
    display = session.get(Display, pairing.display_id)
    assert display is not None  # noqa: S101 - the foreign key cascades
    token = install_token(session, display)
    pairing.delivered_at = now
    return Claim(token, display.id, pairing.expires_at)


def pair(
    session: Session, principal: Principal, code: str, data: dict[str, Any], now: datetime
) -> tuple[Display, bool]:
    """Staff claim the kiosk showing `code` for a new display (name, location) or an
    existing one. Returns the display and whether it was created."""
    pairing = session.scalar(
        select(Pairing)
        .where(Pairing.code == code.strip().upper(), Pairing.expires_at > now)
        .order_by(Pairing.id.desc())
    )
    if pairing is None:
        raise NotFound("no kiosk shows this code; check it, or let the kiosk show a new one")
    if pairing.display_id is not None:
        raise Conflict("this code has been used already; let the kiosk show a new one")
    service = DisplayService()
    if data.get("display_id") is not None:
        display = service.get(session, principal, data["display_id"])
        require_write(principal, display.location_id, Role.FACILITY_MANAGER, "this display")
        created = False
    else:
        display = service.create(
            session, principal, {k: v for k, v in data.items() if v is not None}
        )
        created = True
    pairing.display_id, pairing.claimed_at = display.id, now
    session.flush()
    audit.record(session, principal, "display.pair", "display", display.id, display.location_id)
    return display, created


def revoke(session: Session, principal: Principal, display_id: int) -> str | None:
    display = get_or_404(session, Display, display_id, "display")
    require_write(principal, display.location_id, Role.FACILITY_MANAGER, "this display")
    old = retire_token(session, display)
    audit.record(session, principal, "display.revoke", "display", display.id, display.location_id)
    return old


def command(session: Session, principal: Principal, display: Display, action: str) -> None:
    """Check and record a command to a kiosk (reload, identify); the caller sends it."""
    require_write(principal, display.location_id, Role.FACILITY_MANAGER, "this display")
    audit.record(
        session, principal, f"display.{action}", "display", display.id, display.location_id
    )


def is_revoked(session: Session, token: str) -> bool:
    return session.get(RevokedToken, hash_token(token)) is not None


def reach_of(session: Session, display: Display) -> tuple[list[int], set[int]]:
    """The display's location chain (own first) and the groups it is in (as member or
    by tag): what alerts and rooms reach it through."""
    return location_chain(session, display.location_id), groups_of(
        session, display.id, display.tags or []
    )


@dataclass(frozen=True)
class KioskReach:
    """What a connecting kiosk needs. A server restarted under 10,000 kiosks answers
    10,000 of these at once, so the statements are built once and run on the session's
    connection (a fifth of the cost of building and running them through the ORM)."""

    display_id: int
    chain: list[int]
    groups: set[int]
    manifest_version: str | None


KIOSK = (
    select(Display.id, Display.location_id, Display.tags, Manifest.version)
    .outerjoin(Manifest, Manifest.display_id == Display.id)
    .where(Display.token_hash == bindparam("token_hash"))
)
MAX_DEPTH = 50  # a location tree is a few levels deep; this only stops a cycle


def _chain_statement() -> Any:
    table = Location.__table__
    chain = (
        select(table.c.id, table.c.parent_id, literal(0).label("depth"))
        .where(table.c.id == bindparam("location"))
        .cte("chain", recursive=True)
    )
    chain = chain.union_all(
        select(table.c.id, table.c.parent_id, chain.c.depth + 1).where(
            table.c.id == chain.c.parent_id, chain.c.depth < MAX_DEPTH
        )
    )
    return select(chain.c.id).order_by(chain.c.depth)


CHAIN = _chain_statement()
MEMBER_OF = select(GroupMember.group_id).where(GroupMember.display_id == bindparam("display"))
TAGGED = select(Group.id).where(Group.tag.in_(bindparam("tags", expanding=True)))


def kiosk_reach(session: Session, token_hash: str) -> KioskReach | None:
    row = session.connection().execute(KIOSK, {"token_hash": token_hash}).first()
    if row is None:
        return None
    return KioskReach(
        row.id,
        location_chain(session, row.location_id),
        groups_of(session, row.id, row.tags or []),
        row.version,
    )


def location_chain(session: Session, location_id: int) -> list[int]:
    """The location and its ancestors, own first: one recursive query, not one read per
    level (and never the whole tree)."""
    return list(session.connection().scalars(CHAIN, {"location": location_id}))


def groups_of(session: Session, display_id: int, tags: list[str]) -> set[int]:
    connection = session.connection()
    groups = set(connection.scalars(MEMBER_OF, {"display": display_id}))
    if tags:
        groups |= set(connection.scalars(TAGGED, {"tags": list(tags)}))
    return groups


# -- heartbeats ---------------------------------------------------------------------------
HEARTBEAT_FIELDS = {"version": str, "slide": int, "player_version": str, "clock_skew_ms": int}
# The longest text a field may hold: its column's length (player_version), a SHA-256 in hex.
HEARTBEAT_TEXT_MAX = {"version": 64, "player_version": 40}
MAX_SKEW_MS = 10 * 365 * 24 * 3600 * 1000


@dataclass(frozen=True)
class Heartbeat:
    version: str | None
    slide: int | None
    player_version: str | None
    screen: tuple[int, int] | None
    clock_skew_ms: int | None


def parse_heartbeat(payload: Any) -> Heartbeat:
    """A heartbeat from an untrusted kiosk; ValueError with a reason when malformed."""
    if not isinstance(payload, dict):
        raise ValueError("a heartbeat is an object")
    unknown = set(payload) - {*HEARTBEAT_FIELDS, "screen"}
    if unknown:
        raise ValueError(f"unknown heartbeat fields: {', '.join(sorted(map(str, unknown)))[:200]}")
    values: dict[str, Any] = {}
    for name, kind in HEARTBEAT_FIELDS.items():
        value = payload.get(name)
        too_long = isinstance(value, str) and len(value) > HEARTBEAT_TEXT_MAX.get(name, 0)
        if value is not None and (type(value) is not kind or too_long):
            raise ValueError(f"heartbeat field {name!r} must be {kind.__name__}")
        values[name] = value
    skew = values["clock_skew_ms"]
    if skew is not None and abs(skew) > MAX_SKEW_MS:
        raise ValueError("heartbeat field 'clock_skew_ms' is out of range")
    screen = payload.get("screen")
    if screen is not None:
        if (
            not isinstance(screen, list)
            or len(screen) != 2
            or not all(type(v) is int and 0 < v <= 16384 for v in screen)
        ):
            raise ValueError("heartbeat field 'screen' must be [width, height]")
        screen = (screen[0], screen[1])
    return Heartbeat(screen=screen, **values)


HEARTBEAT_FLUSH_EVERY_S = 2.0


class HeartbeatBuffer:
    """Heartbeats kept in memory and written in one batch at most every few seconds, so
    10,000 kiosks cost one UPDATE statement a flush, not 10,000 transactions."""

    def __init__(self, every_s: float = HEARTBEAT_FLUSH_EVERY_S) -> None:
        self._pending: dict[int, tuple[Heartbeat, datetime]] = {}
        self._lock = threading.Lock()
        self.every_s = every_s
        self._last_flush = 0.0

    def flush_if_due(self, database: Database) -> list[int]:
        """Called as heartbeats arrive: write the batch when the last write is old enough."""
        now = time.monotonic()
        with self._lock:
            if now - self._last_flush < self.every_s:
                return []
            self._last_flush = now
        with database.transaction() as session:
            return self.flush(session)

    def record(self, display_id: int, beat: Heartbeat, at: datetime) -> None:
        with self._lock:
            self._pending[display_id] = (beat, at)

    def take(self) -> dict[int, tuple[Heartbeat, datetime]]:
        with self._lock:
            pending, self._pending = self._pending, {}
        return pending

    def flush(self, session: Session) -> list[int]:
        """Write what has arrived; returns the displays written."""
        pending = self.take()
        if not pending:
            return []
        rows = [
            {
                "b_display": display_id,
                "b_seen": at,
                "b_version": beat.player_version,
                "b_skew": beat.clock_skew_ms,
                "b_screen": {"width": beat.screen[0], "height": beat.screen[1]}
                if beat.screen
                else None,
                "b_showing": {"slide": beat.slide, "manifest": beat.version},
            }
            for display_id, (beat, at) in pending.items()
        ]
        # Bound names differ from the column names, as an executemany UPDATE requires.
        statement = (
            update(Display)
            .where(Display.id == bindparam("b_display"))
            .values(
                last_seen_at=bindparam("b_seen"),
                online=True,
                player_version=bindparam("b_version"),
                clock_skew_ms=bindparam("b_skew"),
                screen=bindparam("b_screen"),
                showing=bindparam("b_showing"),
            )
        )
        # A core UPDATE: a heartbeat changes nothing a screen shows, so no change-log row.
        session.connection().execute(statement, rows)
        return list(pending)
