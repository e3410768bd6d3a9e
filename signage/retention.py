"""How long what is kept: the retention sweep's rules (DESIGN.md, "Personal data").

Deletes audit entries (sign-ins and refused sign-ins among them), staff notifications,
queued and sent emails and expired kiosk pairings once they are past their kept period.
Raw plays are purged by the roll-up sweep (`signage.reports.rollups`), which must roll
them up first. Runs in the jobs process, in the caller's transaction; reads no clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, delete, or_
from sqlalchemy.orm import Session

from signage.accounts.models import AuditEvent
from signage.monitoring.models import Notification, OutgoingMail
from signage.screens.models import Pairing

# A pairing code lives minutes; its row is kept a day past its expiry, then forgotten.
PAIRING_KEPT_AFTER_EXPIRY = timedelta(days=1)
# Claimed by staff but not yet fetched by its kiosk (switched off meanwhile): the kiosk
# fetches its token whenever it comes back, within this time.
CLAIMED_PAIRING_KEPT_AFTER_EXPIRY = timedelta(days=30)


@dataclass(frozen=True)
class Retention:
    """The kept periods (SIGNAGE_AUDIT_RETENTION_DAYS, SIGNAGE_NOTIFICATION_RETENTION_DAYS)."""

    audit: timedelta = timedelta(days=90)
    # Console notifications and the emails about them, sent or not.
    notifications: timedelta = timedelta(days=90)


@dataclass(frozen=True)
class Purged:
    audit: int
    notifications: int
    mails: int
    pairings: int

    def summary(self) -> str:
        return (
            f"{self.audit} audit entries, {self.notifications} notifications, "
            f"{self.mails} emails and {self.pairings} pairings purged"
        )


def purge_expired(session: Session, now: datetime, keep: Retention) -> Purged:
    """Delete what is past its kept period; what is younger stays untouched."""
    audit = session.execute(delete(AuditEvent).where(AuditEvent.at < now - keep.audit))
    notifications = session.execute(
        delete(Notification).where(Notification.created_at < now - keep.notifications)
    )
    mails = session.execute(
        delete(OutgoingMail).where(OutgoingMail.created_at < now - keep.notifications)
    )
    pairings = session.execute(
        delete(Pairing).where(
            or_(
                and_(
                    Pairing.expires_at < now - PAIRING_KEPT_AFTER_EXPIRY,
                    # Never claimed, or claimed and its token fetched (the secret is spent).
                    or_(Pairing.display_id.is_(None), Pairing.delivered_at.is_not(None)),
                ),
                Pairing.expires_at < now - CLAIMED_PAIRING_KEPT_AFTER_EXPIRY,
            )
        )
    )
    return Purged(
        audit=_count(audit),
        notifications=_count(notifications),
        mails=_count(mails),
        pairings=_count(pairings),
    )


def _count(result: object) -> int:
    return int(getattr(result, "rowcount", 0) or 0)
