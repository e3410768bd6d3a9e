"""Payloads for locations, displays and groups."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from signage.schemas import (
    Id,
    LanguageCode,
    LayoutKey,
    Name,
    Payload,
    Slug,
    Tag,
    TimeOfDay,
    Timezone,
)

Orientation = Literal["landscape", "portrait"]


class LocationIn(Payload):
    slug: Slug
    name: Name
    parent_id: Id | None = None
    timezone: Timezone | None = None
    public: bool = False
    layout: LayoutKey | None = None  # none: inherit


class LocationPatch(Payload):
    slug: Slug | None = None
    name: Name | None = None
    parent_id: Id | None = None
    timezone: Timezone | None = None
    public: bool | None = None
    layout: LayoutKey | None = None


class PowerWindow(Payload):
    """When a screen is on: the occurrence rules of schedules, without tiers."""

    window: Annotated[list[TimeOfDay], Field(min_length=2, max_length=2)] | None = None
    rrule: Annotated[str, Field(max_length=500)] | None = None
    holidays: Literal["dk"] | None = None
    exdates: Annotated[list[str], Field(max_length=366)] = []


Resolution = Annotated[
    list[Annotated[int, Field(ge=16, le=16384)]], Field(min_length=2, max_length=2)
]


class DisplayIn(Payload):
    name: Name
    location_id: Id
    orientation: Orientation = "landscape"
    resolution: Resolution = [1920, 1080]
    rotation: Literal[0, 90, 180, 270] = 0
    timezone: Timezone | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=10)] = []
    tags: Annotated[list[Tag], Field(max_length=30)] = []
    power: Annotated[list[PowerWindow], Field(max_length=20)] = []
    layout: LayoutKey | None = None  # none: its group's or location's
    provision: bool = False


class DisplayPatch(Payload):
    name: Name | None = None
    location_id: Id | None = None
    orientation: Orientation | None = None
    resolution: Resolution | None = None
    rotation: Literal[0, 90, 180, 270] | None = None
    timezone: Timezone | None = None
    languages: Annotated[list[LanguageCode], Field(max_length=10)] | None = None
    tags: Annotated[list[Tag], Field(max_length=30)] | None = None
    power: Annotated[list[PowerWindow], Field(max_length=20)] | None = None
    layout: LayoutKey | None = None


class GroupIn(Payload):
    slug: Slug
    name: Name
    location_id: Id
    tag: Tag | None = None
    display_ids: Annotated[list[Id], Field(max_length=10000)] = []
    layout: LayoutKey | None = None

    @model_validator(mode="after")
    def _tag_or_members(self) -> GroupIn:
        if self.tag and self.display_ids:
            raise ValueError("a group has either a tag or explicit display_ids, not both")
        return self


class GroupPatch(Payload):
    slug: Slug | None = None
    name: Name | None = None
    location_id: Id | None = None
    tag: Tag | None = None
    display_ids: Annotated[list[Id], Field(max_length=10000)] | None = None
    layout: LayoutKey | None = None


class PairIn(Payload):
    """Claim the kiosk showing `code`: as a new display (name, location and optionally
    its screen), or for an existing display (`display_id`)."""

    code: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{8}$")]
    display_id: Id | None = None
    name: Name | None = None
    location_id: Id | None = None
    orientation: Orientation | None = None
    resolution: Resolution | None = None

    @model_validator(mode="after")
    def _new_or_existing(self) -> PairIn:
        new = self.name is not None and self.location_id is not None
        if (self.display_id is not None) != new:
            return self
        raise ValueError("give either display_id, or name and location_id for a new display")


class CommandIn(Payload):
    action: Literal["reload", "identify"]
