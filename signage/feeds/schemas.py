"""Payloads for feeds and for the items another system pushes into one."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from signage.feeds.items import MAX_ITEMS
from signage.schemas import Id, Instant, LongText, Name, Payload, ShortText

FeedKind = Literal["rss", "ical", "push", "cap"]
FeedUrl = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
RefreshSeconds = Annotated[int, Field(ge=60, le=86400)]
MAX_PUSH_BYTES = 256 * 1024


class FeedIn(Payload):
    name: Name
    location_id: Id
    kind: FeedKind
    url: FeedUrl | None = None  # required unless kind is push
    refresh_s: RefreshSeconds = 900


class FeedPatch(Payload):
    name: Name | None = None
    location_id: Id | None = None
    kind: FeedKind | None = None
    url: FeedUrl | None = None
    refresh_s: RefreshSeconds | None = None


class PushedItem(Payload):
    title: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
    summary: LongText | None = None
    place: ShortText | None = None
    published: Instant | None = None
    starts: Instant | None = None  # an event: shown by an upcoming-events slide
    ends: Instant | None = None
    all_day: bool = False

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PushedItem:
        if self.ends is not None and self.starts is None:
            raise ValueError("ends needs starts")
        if self.starts is not None and self.ends is not None and self.ends < self.starts:
            raise ValueError("ends must not come before starts")
        return self


class PushIn(Payload):
    """The feed's items, all of them: they replace what the feed held."""

    items: Annotated[list[PushedItem], Field(max_length=MAX_ITEMS)]
