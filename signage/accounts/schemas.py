"""Payloads for users and grants."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from signage.accounts.permissions import ROLE_NAMES
from signage.schemas import Id, Payload

Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        max_length=254,
        pattern=r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$",
    ),
]
Password = Annotated[str, StringConstraints(min_length=10, max_length=200)]
RoleName = Literal[ROLE_NAMES]  # type: ignore[valid-type]
UiLanguage = Literal["da", "en"]


class UserIn(Payload):
    email: Email
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    password: Password | None = None
    language: UiLanguage | None = None
    active: bool = True


class UserPatch(Payload):
    email: Email | None = None
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] | None = None
    password: Password | None = None
    language: UiLanguage | None = None
    active: bool | None = None


class GrantIn(Payload):
    user_id: Id
    role: RoleName
    location_id: Id


class GrantPatch(Payload):
    role: RoleName | None = None
    location_id: Id | None = None


class BrandPatch(Payload):
    name: Annotated[str, StringConstraints(max_length=200)] | None = None
    logo_media_id: Id | None = None
    palette: (
        dict[
            Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,30}$")],
            Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")],
        ]
        | None
    ) = None
    font: Annotated[str, StringConstraints(max_length=80)] | None = None
