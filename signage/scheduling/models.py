"""Schedules, stored manifests, the change log and job sweep records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base, utcnow


class Schedule(Base):
    """Puts a playlist on a target with dates, recurrence, window, tier and weight.

    `starts`/`ends` keep their ISO text: a date filters occurrence dates, a local
    date-time clips; the resolver needs to know which was given.
    """

    __tablename__ = "schedules"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(160), unique=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    target_kind: Mapped[str] = mapped_column(String(16))  # display | group | location | all
    target_id: Mapped[int | None] = mapped_column(index=True)
    region: Mapped[str] = mapped_column(String(40), default="main")
    rrule: Mapped[str | None] = mapped_column(String(500))
    window_start: Mapped[str | None] = mapped_column(String(5))
    window_end: Mapped[str | None] = mapped_column(String(5))
    starts: Mapped[str | None] = mapped_column(String(32))
    ends: Mapped[str | None] = mapped_column(String(32))
    exdates: Mapped[list[Any]] = mapped_column(default=list)
    holidays: Mapped[str | None] = mapped_column(String(8))
    tier: Mapped[str] = mapped_column(String(16), default="normal")
    weight: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Manifest(Base):
    __tablename__ = "manifests"

    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), primary_key=True
    )
    version: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    built_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[datetime | None]
    # The daily rebuild: the next local day between 01:00 and 05:00, jittered per display.
    rebuild_after: Mapped[datetime | None] = mapped_column(index=True)


class Change(Base):
    """Appended in the same transaction as every write that can affect a display;
    the propagator tails this table by `id` (the change revision)."""

    __tablename__ = "changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    entity_id: Mapped[int | None]
    # For schedules: the target reached ("location:5", "group:2", "display:9", "all:").
    target: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PropagatorState(Base):
    """How far the propagator has read the change log."""

    __tablename__ = "propagator_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_change_id: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class JobRun(Base):
    """The last run of each periodic sweep, for /readyz."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_run_at: Mapped[datetime]
    ok: Mapped[bool] = mapped_column(default=True)
    detail: Mapped[str | None] = mapped_column(Text)
