"""Payloads for alerts."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from signage.schemas import Id, Instant, LanguageCode, LongText, Name, Payload, ShortText

IdList = Annotated[list[Id], Field(max_length=500)]


class AlertTargets(Payload):
    """`{"all": true}`, or lists of locations, groups and displays (at least one id)."""

    all: bool = False
    location_ids: IdList = []
    group_ids: IdList = []
    display_ids: IdList = []

    @model_validator(mode="after")
    def _one_kind_of_reach(self) -> AlertTargets:
        named = self.location_ids or self.group_ids or self.display_ids
        if self.all and named:
            raise ValueError("targets: give either all, or ids, not both")
        if not self.all and not named:
            raise ValueError('targets: give {"all": true} or at least one id')
        return self


class AlertVariant(Payload):
    title: ShortText | None = None
    body: LongText | None = None


class AlertIn(Payload):
    title: Name
    body: LongText = ""
    severity: Literal["info", "warning", "critical"]
    targets: AlertTargets
    expires_at: Instant | None = None
    variants: Annotated[dict[LanguageCode, AlertVariant], Field(max_length=20)] = {}
