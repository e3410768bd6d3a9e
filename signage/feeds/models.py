"""A feed and its cached items: the last good items stay while a refresh fails."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from signage.db import Base, utcnow

RSS, ICAL, PUSH, CAP = "rss", "ical", "push", "cap"
KINDS = (RSS, ICAL, PUSH, CAP)  # rss covers RSS 0.9x–2.0 and Atom
FETCHED = frozenset({RSS, ICAL, CAP})  # fetched from `url` by the refresh sweep


class Feed(Base):
    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    url: Mapped[str | None] = mapped_column(String(2000))  # none for a push feed
    refresh_s: Mapped[int] = mapped_column(Integer, default=900)
    # Plain-text items (no markup), newest or soonest first: see signage.feeds.items.
    items: Mapped[list[Any]] = mapped_column(default=list)
    items_changed_at: Mapped[datetime | None]
    checked_at: Mapped[datetime | None]  # the last refresh attempt or push
    ok_at: Mapped[datetime | None]  # the last that succeeded
    # The last failure (a reason code the console translates, and its detail); cleared
    # by the next success. The items are left as they were.
    error_code: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    error_at: Mapped[datetime | None]
    # Conditional GET: what the server said last time.
    etag: Mapped[str | None] = mapped_column(String(200))
    modified: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_fetched(self) -> bool:
        return self.kind in FETCHED

    @property
    def is_failing(self) -> bool:
        return self.error_code is not None
