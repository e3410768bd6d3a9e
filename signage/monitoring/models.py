"""Outages, staff notifications, the outgoing mail queue and instance-wide counters."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base, utcnow


class Counter(Base):
    """An event count for /metrics, bumped in the transaction of the event it counts: the
    web processes and the jobs add to the same figure, and a restart loses nothing."""

    __tablename__ = "counters"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    label: Mapped[str] = mapped_column(String(60), primary_key=True, default="")
    value: Mapped[int] = mapped_column(BigInteger, default=0)


class DisplayOutage(Base):
    """A display silent past the threshold inside its power windows. Kept, so each outage
    is announced once and its end once, across restarts. An outage is named by its display
    and the last heartbeat before it."""

    __tablename__ = "display_outages"
    __table_args__ = (UniqueConstraint("display_id", "last_seen_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), index=True
    )
    last_seen_at: Mapped[datetime]
    detected_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The first heartbeat after it; None while the display is still silent.
    ended_at: Mapped[datetime | None]


class Notification(Base):
    """A message in one staff member's console list."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_id_read_at", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))  # display_offline | display_online
    outage_id: Mapped[int] = mapped_column(
        ForeignKey("display_outages.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]


class OutgoingMail(Base):
    """An email waiting for the mail sweep (sent off the request path, retried with
    back-off). The address is read from the user when it is sent."""

    __tablename__ = "outgoing_mails"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
