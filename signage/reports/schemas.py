"""Payloads kiosks send about what they played."""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, StringConstraints, model_validator

from signage.core.model import DEFAULT_REGION
from signage.scheduling.schemas import Region
from signage.schemas import Id, Instant, LanguageCode, Payload

MAX_PLAYS_PER_BATCH = 1000
MAX_PLAY_MS = 86_400_000  # a play lasts at most a day (DESIGN.md: durations up to 86,400 s)


class PlayIn(Payload):
    """One play, named by the kiosk so that sending it twice counts once: a slide's
    revision, or a critical alert that held the whole screen."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    slide: Id | None = None
    revision: Id | None = None
    alert: Id | None = None
    language: LanguageCode | None = None
    started_at: Instant
    duration_ms: Annotated[int, Field(ge=1, le=MAX_PLAY_MS)]
    region: Region = DEFAULT_REGION  # the layout region it played in

    @model_validator(mode="after")
    def _names_what_played(self) -> Self:
        if self.alert is not None:
            if self.slide is not None or self.revision is not None:
                raise ValueError("a play is of a slide or of an alert, not both")
        elif self.slide is None or self.revision is None:
            raise ValueError("a play names its slide and revision (or an alert)")
        return self
