"""Proof of play: raw plays as kiosks report them, the hourly and daily roll-ups the
sweep makes of them, and the (display, hour) buckets that new plays have touched."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, PrimaryKeyConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base, EpochMicroseconds

# What a roll-up row counts: plays of a slide, or screen time of an alert (kept apart, so
# a crisis does not inflate what content reached people).
SLIDE, ALERT = "slide", "alert"


class PlayEvent(Base):
    """One play as its kiosk reported it. The kiosk names each play, and the key is the
    display, the start and that name: a play sent twice (after a lost answer) counts
    once, and the key is also the order every read goes in (by display and time). On
    SQLite the table is stored in that key's order, with no rowid: one B-tree per play
    written instead of four, which is most of a batch's cost (bench/plays.py). The start
    is a number (microseconds since 1970 UTC): cheaper to write than text, smaller keys.

    The slide, revision and alert are plain ids, as in the roll-ups: a play is a fact
    about the past, and outlives what it showed (reports name a slide deleted since as
    such). Links kept by the database would cost a lookup per play written, and deleting
    a slide would scan every play of the retention period to unlink its own."""

    __tablename__ = "play_events"
    __table_args__ = (
        PrimaryKeyConstraint("display_id", "started_at", "client_id"),
        {"sqlite_with_rowid": False},
    )

    display_id: Mapped[int] = mapped_column(ForeignKey("displays.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(EpochMicroseconds)
    client_id: Mapped[str] = mapped_column(String(64))
    slide_id: Mapped[int | None]
    revision_id: Mapped[int | None]
    # Set instead of slide and revision when the kiosk showed a critical alert full screen.
    alert_id: Mapped[int | None]
    language: Mapped[str | None] = mapped_column(String(8))
    duration_ms: Mapped[int]
    # The layout region it played in (signage.core.layouts).
    region: Mapped[str] = mapped_column(String(40), default="main", server_default="main")


class PlayHour(Base):
    """Plays and screen time per display, hour (UTC, by the play's start) and slide or
    alert. `subject_id` is the slide's or alert's id, 0 for a slide deleted since."""

    __tablename__ = "play_hours"
    __table_args__ = (UniqueConstraint("display_id", "hour", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_id: Mapped[int] = mapped_column(ForeignKey("displays.id", ondelete="CASCADE"))
    hour: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int]
    plays: Mapped[int]
    duration_ms: Mapped[int] = mapped_column(BigInteger)


class PlayDay(Base):
    """The same per local day (SIGNAGE_TIMEZONE), summed from the hours."""

    __tablename__ = "play_days"
    __table_args__ = (UniqueConstraint("display_id", "day", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    display_id: Mapped[int] = mapped_column(ForeignKey("displays.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date, index=True)
    kind: Mapped[str] = mapped_column(String(8))
    subject_id: Mapped[int]
    plays: Mapped[int]
    duration_ms: Mapped[int] = mapped_column(BigInteger)


class PlayMark(Base):
    """A (display, hour) that has new plays to roll up. Each write of plays bumps
    `version`; the sweep removes a mark only at the version it rolled up, so plays that
    land while it works are rolled up by the next sweep, never lost."""

    __tablename__ = "play_marks"

    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), primary_key=True
    )
    hour: Mapped[datetime] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
