"""Shared payload types: bounded strings, slugs, timezones, language codes.

Every string a client can send has an upper bound, so oversize input is a clear 422.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
    field_validator,
)
from pydantic_core import PydanticCustomError

from signage.core.layouts import LAYOUTS, REGIONS

Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$", max_length=80)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ShortText = Annotated[str, StringConstraints(max_length=200)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
Tag = Annotated[str, StringConstraints(pattern=r"^[\w-]{1,60}$")]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(-[A-Z]{2})?$")]
# The largest id anything may name: the id columns are INTEGER, which PostgreSQL holds
# to 32 bits (a larger number in a query is an error there, not "no such row").
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
TimeOfDay = Annotated[str, StringConstraints(pattern=r"^\d{2}:\d{2}$")]


def _iso_text(value: Any) -> Any:
    # JSON has no instants: ISO 8601 text (or, from our own code, a datetime). The lax
    # parser would also take a bare number as epoch seconds, never what a client meant.
    if isinstance(value, datetime):
        return value
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError("must be ISO 8601 text with an offset, such as 2026-11-26T09:00:00Z")
    return value


# Instants far enough either way for any schedule or report; arithmetic on an instant
# near year 1 or 9999 (a day added, an offset taken off) overflows datetime.
EARLIEST_YEAR, LATEST_YEAR = 1900, 9000


def is_in_range(value: datetime) -> bool:
    return EARLIEST_YEAR <= value.year <= LATEST_YEAR


def _in_range(value: datetime) -> datetime:
    if not is_in_range(value):
        raise ValueError(f"must lie between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
    return value


# An instant in a JSON body: ISO 8601 text with an offset (not strict: the strict base
# would take only datetime objects, which JSON cannot carry).
Instant = Annotated[
    AwareDatetime, BeforeValidator(_iso_text), AfterValidator(_in_range), Field(strict=False)
]


def parse_id(text: str) -> int | None:
    """`text` as an id (ASCII digits naming 1 to MAX_ID), else None."""
    if not _ID_DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        return None
    return int(text)


_ID_DIGITS = re.compile(r"[0-9]{1,10}")


def _check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown timezone {value!r} (use an IANA name such as Europe/Copenhagen)"
        ) from exc
    return value


Timezone = Annotated[str, StringConstraints(max_length=64), AfterValidator(_check_timezone)]


def _one_of(allowed: tuple[str, ...], what: str) -> AfterValidator:
    def check(value: str) -> str:
        if value not in allowed:
            raise ValueError(f"unknown {what} {value!r} (use one of {', '.join(allowed)})")
        return value

    return AfterValidator(check)


# A region of a layout and a layout's key (signage.core.layouts); the JSON schema (and so
# the OpenAPI document) lists the allowed values.
RegionName = Annotated[
    str,
    StringConstraints(max_length=40),
    _one_of(REGIONS, "region"),
    WithJsonSchema({"type": "string", "enum": list(REGIONS)}),
]
LayoutKey = Annotated[
    str,
    StringConstraints(max_length=40),
    _one_of(tuple(LAYOUTS), "layout"),
    WithJsonSchema({"type": "string", "enum": list(LAYOUTS)}),
]


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_holds_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    return False


class Payload(BaseModel):
    """Base of every request body: unknown fields are an error, not silently dropped."""

    # strict: "2030" is not a number and "yes" is not true; wrong types are the client's
    # mistake to hear about, not ours to guess at.
    model_config = ConfigDict(extra="forbid", strict=True, str_max_length=20000)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL cannot store NUL in text. JSON bodies are refused before parsing
        # (signage.api.http); console forms reach the services through here.
        if _holds_nul(value):
            raise PydanticCustomError("nul_character", "must not contain NUL characters (\\u0000)")
        return value

    def given(self) -> dict[str, Any]:
        """Only the fields the client actually sent (for PATCH)."""
        return self.model_dump(exclude_unset=True)
