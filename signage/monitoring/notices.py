"""What staff are told about outages: a console notification and (with SMTP set up) an
email to every facility manager whose grant covers the display, once when it goes out
and once when it is back. Texts are in each manager's language.

Written in the sweep's transaction, beside the outage they announce; the mail sweep
sends the emails later (`signage.monitoring.mail`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from babel.support import NullTranslations, Translations
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from signage.accounts.models import Grant, User
from signage.accounts.permissions import Role
from signage.monitoring.models import DisplayOutage, Notification, OutgoingMail
from signage.monitoring.outages import OFFLINE, OutageEvent
from signage.resources import PACKAGE_DIR
from signage.screens.devices import location_chain
from signage.screens.models import Display, Location

Gettext = Callable[[str], str]


@dataclass(frozen=True)
class Facts:
    """What a notice says: which display, where, and when it was last and next heard."""

    kind: str
    display: str
    location: str
    since: datetime
    back: datetime | None

    def values(self, when: Callable[[datetime], str]) -> dict[str, str]:
        return {
            "display": self.display,
            "location": self.location,
            "since": when(self.since),
            "back": when(self.back) if self.back else "",
        }


def describe(facts: Facts, gettext: Gettext, when: Callable[[datetime], str]) -> tuple[str, str]:
    """(subject, sentence) in the language of `gettext`, times written by `when`."""
    values = facts.values(when)
    if facts.kind == OFFLINE:
        return (
            gettext("Screen %(display)s is offline") % values,
            gettext(
                "%(display)s at %(location)s has not been heard from since %(since)s, "
                "although it should be on."
            )
            % values,
        )
    return (
        gettext("Screen %(display)s is back online") % values,
        gettext("%(display)s at %(location)s is back online since %(back)s.") % values,
    )


def managers_of(session: Session, location_id: int) -> list[User]:
    """Active users with a facility-manager grant on the location or an ancestor."""
    granted = select(Grant.user_id).where(
        Grant.role == Role.FACILITY_MANAGER.slug,
        Grant.location_id.in_(location_chain(session, location_id)),
    )
    return list(
        session.scalars(
            select(User).where(User.active.is_(True), User.id.in_(granted)).order_by(User.id)
        )
    )


def facts_of(session: Session, outage: DisplayOutage, kind: str) -> tuple[Facts, Display]:
    display = session.get(Display, outage.display_id)
    assert display is not None  # noqa: S101 - outages cascade with their display
    location = session.get(Location, display.location_id)
    name = location.name if location else ""
    return Facts(kind, display.name, name, outage.last_seen_at, outage.ended_at), display


@dataclass(frozen=True)
class Announcer:
    """Writes the notices of outage events; `mail` is off without SMTP settings."""

    language: str  # for managers who have not chosen one
    timezone: str
    mail: bool

    def announce(self, session: Session, events: Sequence[OutageEvent], now: datetime) -> int:
        """Notify every manager of every event; returns how many notices were written."""
        written = 0
        for event in events:
            facts, display = facts_of(session, event.outage, event.kind)
            for user in managers_of(session, display.location_id):
                session.add(
                    Notification(
                        user_id=user.id, kind=event.kind, outage_id=event.outage.id, created_at=now
                    )
                )
                if self.mail:
                    session.add(self._mail(user, facts, now))
                written += 1
        return written

    def _mail(self, user: User, facts: Facts, now: datetime) -> OutgoingMail:
        language = user.language or self.language
        gettext = translations(language).gettext
        zone = ZoneInfo(self.timezone)

        def when(at: datetime) -> str:
            return format_datetime(at, "short", tzinfo=zone, locale=language)

        subject, sentence = describe(facts, gettext, when)
        footer = gettext(
            "You get this message from Infotavle because you are a facility manager "
            "for the screen's location. The console lists every notice under Notifications."
        )
        return OutgoingMail(
            user_id=user.id,
            kind=facts.kind,
            subject=subject[:200],
            body=f"{sentence}\n\n{footer}\n",
            created_at=now,
            next_attempt_at=now,
        )


@lru_cache(maxsize=8)
def translations(language: str) -> NullTranslations:
    """The console's catalog for `language`, outside any request (the jobs process)."""
    return Translations.load(str(PACKAGE_DIR / "translations"), [language])


# -- the console's list -----------------------------------------------------------------
@dataclass(frozen=True)
class Listed:
    id: int
    created_at: datetime
    unread: bool
    display_id: int
    facts: Facts


def unread_count(session: Session, user_id: int) -> int:
    query = select(func.count()).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    return int(session.scalar(query) or 0)


def listed(session: Session, user_id: int, limit: int) -> list[Listed]:
    """The user's newest notifications, with what they are about."""
    rows = session.execute(
        select(Notification, DisplayOutage, Display.name, Display.id, Location.name)
        .join(DisplayOutage, DisplayOutage.id == Notification.outage_id)
        .join(Display, Display.id == DisplayOutage.display_id)
        .join(Location, Location.id == Display.location_id)
        .where(Notification.user_id == user_id)
        .order_by(Notification.id.desc())
        .limit(limit)
    ).all()
    found: list[Listed] = []
    for notice, outage, display_name, display_id, location_name in rows:
        back = outage.ended_at if notice.kind != OFFLINE else None
        facts = Facts(notice.kind, display_name, location_name, outage.last_seen_at, back)
        unread = notice.read_at is None
        found.append(Listed(notice.id, notice.created_at, unread, display_id, facts))
    return found


def mark_read(session: Session, user_id: int, now: datetime) -> int:
    result: Any = session.execute(
        update(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=now)
    )
    return int(result.rowcount or 0)
