"""Proof of play."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base


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
    language: Mapped[str | None] = mapped_column(String(8))
    started_at: Mapped[datetime] = mapped_column(index=True)
    duration_ms: Mapped[int]
    client_id: Mapped[str | None] = mapped_column(String(64))
