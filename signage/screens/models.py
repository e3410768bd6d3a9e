"""Locations, displays and groups: where screens are and how they are grouped."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from signage.db import Base, utcnow


class Location(Base):
    __tablename__ = "locations"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    # None means "inherit from the parent"; the root falls back to SIGNAGE_TIMEZONE.
    timezone: Mapped[str | None] = mapped_column(String(64))
    # A key of signage.core.layouts.LAYOUTS: the default for the displays below; None
    # inherits from the parent.
    layout: Mapped[str | None] = mapped_column(String(40))
    public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def location_id(self) -> int:
        """A location is owned by itself, for the permission check."""
        return self.id


class Display(Base):
    __tablename__ = "displays"
    __table_args__ = (UniqueConstraint("location_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    orientation: Mapped[str] = mapped_column(String(16), default="landscape")
    width: Mapped[int] = mapped_column(Integer, default=1920)
    height: Mapped[int] = mapped_column(Integer, default=1080)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str | None] = mapped_column(String(64))
    languages: Mapped[list[Any]] = mapped_column(default=list)
    tags: Mapped[list[Any]] = mapped_column(default=list)
    power: Mapped[list[Any]] = mapped_column(default=list)
    layout: Mapped[str | None] = mapped_column(String(40))  # None: from a group or location
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    token_issued_at: Mapped[datetime | None]
    last_seen_at: Mapped[datetime | None]
    player_version: Mapped[str | None] = mapped_column(String(40))
    clock_skew_ms: Mapped[int | None]
    screen: Mapped[dict[str, Any] | None]
    showing: Mapped[dict[str, Any] | None]
    online: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Group(Base):
    """A named set of displays: explicit members, or every display with a tag."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(
        ForeignKey("locations.id", ondelete="RESTRICT"), index=True
    )
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    tag: Mapped[str | None] = mapped_column(String(60))
    layout: Mapped[str | None] = mapped_column(String(40))  # for its displays without one
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    members: Mapped[list[GroupMember]] = relationship(
        cascade="all, delete-orphan", order_by="GroupMember.display_id"
    )


class GroupMember(Base):
    __tablename__ = "group_members"

    group_id: Mapped[int] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True
    )
    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Pairing(Base):
    """A kiosk waiting to be claimed: it shows `code`, keeps the claim secret (stored
    here as SHA-256) and polls until staff pair it with a display."""

    __tablename__ = "pairings"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    display_id: Mapped[int | None] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), index=True
    )
    claimed_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]  # the kiosk has fetched its device token
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class RevokedToken(Base):
    """Device tokens that were rotated or revoked: a kiosk still holding one is told
    `token_revoked` (and goes back to pairing) instead of a plain refusal."""

    __tablename__ = "revoked_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    display_id: Mapped[int] = mapped_column(
        ForeignKey("displays.id", ondelete="CASCADE"), index=True
    )
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)
