"""Payloads for schedules."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from signage.content.schemas import DateOrDateTime
from signage.schemas import Id, Payload, RegionName, TimeOfDay

Tier = Literal["campaign", "normal", "fallback"]
Region = RegionName  # one of signage.core.layouts.REGIONS
IsoDate = Annotated[str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}$")]
Window = Annotated[list[TimeOfDay], Field(min_length=2, max_length=2)]


class Target(Payload):
    """Exactly one of: all, location_id, group_id, display_id."""

    all: Literal[True] | None = None
    location_id: Id | None = None
    group_id: Id | None = None
    display_id: Id | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> Target:
        given = [name for name, value in self.model_dump().items() if value is not None]
        if len(given) != 1:
            raise ValueError(
                "target must name exactly one of all, location_id, group_id, display_id"
            )
        return self


class ScheduleIn(Payload):
    playlist_id: Id
    target: Target
    location_id: Id | None = None
    key: Annotated[str, StringConstraints(max_length=160)] | None = None
    region: Region = "main"
    rrule: Annotated[str, StringConstraints(max_length=500)] | None = None
    window: Window | None = None
    starts: DateOrDateTime | None = None
    ends: DateOrDateTime | None = None
    exdates: Annotated[list[IsoDate], Field(max_length=1000)] = []
    holidays: Literal["dk"] | None = None
    tier: Tier = "normal"
    weight: Annotated[int, Field(ge=1, le=10)] = 1


class SchedulePatch(Payload):
    playlist_id: Id | None = None
    target: Target | None = None
    location_id: Id | None = None
    key: Annotated[str, StringConstraints(max_length=160)] | None = None
    region: Region | None = None
    rrule: Annotated[str, StringConstraints(max_length=500)] | None = None
    window: Window | None = None
    starts: DateOrDateTime | None = None
    ends: DateOrDateTime | None = None
    exdates: Annotated[list[IsoDate], Field(max_length=1000)] | None = None
    holidays: Literal["dk"] | None = None
    tier: Tier | None = None
    weight: Annotated[int, Field(ge=1, le=10)] | None = None
