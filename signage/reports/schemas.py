"""Payloads kiosks send about what they played."""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field, StringConstraints, TypeAdapter

from signage.schemas import Id, LanguageCode, Payload

MAX_PLAYS_PER_BATCH = 1000


class PlayIn(Payload):
    """One play, named by the kiosk so that sending it twice counts once."""

    id: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{8,64}$")]
    slide: Id
    revision: Id
    language: LanguageCode | None = None
    # ISO 8601 text in JSON; the strict base would only take datetime objects.
    started_at: Annotated[AwareDatetime, Field(strict=False)]
    duration_ms: Annotated[int, Field(ge=0, le=86_400_000)]


Plays = TypeAdapter(list[PlayIn])
