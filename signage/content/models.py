"""Media, slides with their revisions, themes and playlists."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db import Base, utcnow


class Media(Base):
    """An uploaded original, content-addressed by SHA-256."""

    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("location_id", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(16))  # image | video | pdf
    bytes: Mapped[int] = mapped_column(BigInteger)
    width: Mapped[int | None]
    height: Mapped[int | None]
    duration_s: Mapped[float | None]
    pages: Mapped[int | None]  # a PDF's page count
    frames: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    alpha: Mapped[bool] = mapped_column(default=False, server_default=false())
    # processing (renditions being made) | ready | failed (see error)
    status: Mapped[str] = mapped_column(String(16), default="processing")
    error: Mapped[str | None] = mapped_column(Text)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by the collection sweep when it first finds no slide using the media.
    unused_since: Mapped[datetime | None]

    renditions: Mapped[list[Rendition]] = relationship(
        cascade="all, delete-orphan", order_by="Rendition.id"
    )


class Rendition(Base):
    """One file made from a media original: a box and mode (`1920x1080-fit`, `thumb`,
    `p2-1080x1920-fill` for a PDF page) in one format."""

    __tablename__ = "renditions"
    __table_args__ = (UniqueConstraint("media_id", "name", "ext"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    media_id: Mapped[int] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    ext: Mapped[str] = mapped_column(String(10))
    mime: Mapped[str] = mapped_column(String(100))
    width: Mapped[int | None]
    height: Mapped[int | None]
    bytes: Mapped[int | None] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)


class Theme(Base):
    """An annual priority theme chosen by top management."""

    __tablename__ = "themes"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int | None]
    color: Mapped[str | None] = mapped_column(String(9))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Slide(Base):
    """What is shown for a duration. Content lives in revisions; only an approved
    revision ever plays, so editing never takes a slide off screens."""

    __tablename__ = "slides"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str | None] = mapped_column(String(120), unique=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    orientation: Mapped[str] = mapped_column(String(16), default="any")
    valid_from: Mapped[str | None] = mapped_column(String(32))
    valid_until: Mapped[str | None] = mapped_column(String(32))
    theme_id: Mapped[int | None] = mapped_column(
        ForeignKey("themes.id", ondelete="SET NULL"), index=True
    )
    public: Mapped[bool] = mapped_column(default=False)
    live_revision_id: Mapped[int | None] = mapped_column(
        ForeignKey("slide_revisions.id", ondelete="SET NULL", use_alter=True)
    )
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    revisions: Mapped[list[SlideRevision]] = relationship(
        cascade="all, delete-orphan",
        order_by="SlideRevision.number",
        foreign_keys="SlideRevision.slide_id",
        back_populates="slide",
    )
    live_revision: Mapped[SlideRevision | None] = relationship(
        foreign_keys=[live_revision_id], post_update=True
    )

    @property
    def latest(self) -> SlideRevision:
        return self.revisions[-1]


class SlideRevision(Base):
    __tablename__ = "slide_revisions"
    __table_args__ = (UniqueConstraint("slide_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slide_id: Mapped[int] = mapped_column(ForeignKey("slides.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="draft")
    kind: Mapped[str] = mapped_column(String(24))
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    variants: Mapped[dict[str, Any]] = mapped_column(default=dict)
    pictogram: Mapped[str | None] = mapped_column(String(60))
    alt: Mapped[str | None] = mapped_column(Text)
    media_id: Mapped[int | None] = mapped_column(ForeignKey("media.id", ondelete="RESTRICT"))
    duration: Mapped[int | None]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]

    slide: Mapped[Slide] = relationship(foreign_keys=[slide_id], back_populates="revisions")


class Playlist(Base):
    __tablename__ = "playlists"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    items: Mapped[list[PlaylistItem]] = relationship(
        cascade="all, delete-orphan", order_by="PlaylistItem.position"
    )


class PlaylistItem(Base):
    __tablename__ = "playlist_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    # No unique (playlist, position): reordering rewrites positions in one flush.
    playlist_id: Mapped[int] = mapped_column(
        ForeignKey("playlists.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    slide_id: Mapped[int] = mapped_column(ForeignKey("slides.id", ondelete="CASCADE"), index=True)
    duration: Mapped[int | None]
