"""Proof of play: raw plays as kiosks report them, the hourly and daily roll-ups the
sweep makes of them, and the (display, hour) buckets that new plays have touched."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base

# What a roll-up row counts: plays of a slide, or screen time of an alert (kept apart, so
# a crisis does not inflate what content reached people).
SLIDE, ALERT = "slide", "alert"


class PlayEvent(Base):
    __tablename__ = "play_events"
    __table_args__ = (
        Index("ix_play_events_display_started", "display_id", "started_at"),
        # The kiosk names each play; a play sent twice (after a lost answer) counts once.
        UniqueConstraint("display_id", "client_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_id: Mapped[int] = mapped_column(ForeignKey("displays.id", ondelete="CASCADE"))
    slide_id: Mapped[int | None] = mapped_column(
        ForeignKey("slides.id", ondelete="SET NULL"), index=True
    )
    revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("slide_revisions.id", ondelete="SET NULL")
    )
    # Set instead of slide and revision when the kiosk showed a critical alert full screen.
    alert_id: Mapped[int | None] = mapped_column(ForeignKey("alerts.id", ondelete="SET NULL"))
    language: Mapped[str | None] = mapped_column(String(8))
    # No index of its own: every read goes by display (the index above), and one index
    # less is a fifth less work for each batch of plays written.
    started_at: Mapped[datetime]
    duration_ms: Mapped[int]
    client_id: Mapped[str | None] = mapped_column(String(64))


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
