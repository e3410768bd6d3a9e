"""Payloads for themes, slides and playlists."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from signage.content.templates import KINDS
from signage.schemas import Id, LanguageCode, LongText, Name, Payload, Slug

Kind = Literal[KINDS]  # type: ignore[valid-type]
SlideOrientation = Literal["any", "landscape", "portrait"]
Duration = Annotated[int, Field(ge=1, le=86400)]
DateOrDateTime = Annotated[
    str, StringConstraints(pattern=r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")
]
Fields = Annotated[
    dict[Annotated[str, StringConstraints(max_length=40)], object], Field(max_length=20)
]
Variants = Annotated[dict[LanguageCode, Fields], Field(max_length=20)]
Color = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
SlideKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,119}$")]


class ThemeIn(Payload):
    slug: Slug
    name: Name
    location_id: Id
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    color: Color | None = None


class ThemePatch(Payload):
    slug: Slug | None = None
    name: Name | None = None
    location_id: Id | None = None
    year: Annotated[int, Field(ge=2000, le=2100)] | None = None
    color: Color | None = None


class SlideIn(Payload):
    title: Name
    location_id: Id
    kind: Kind = "text"
    key: SlideKey | None = None
    fields: Fields = {}
    variants: Variants = {}
    pictogram: Annotated[str, StringConstraints(max_length=60)] | None = None
    alt: LongText | None = None
    media_id: Id | None = None
    duration: Duration | None = None
    orientation: SlideOrientation = "any"
    valid_from: DateOrDateTime | None = None
    valid_until: DateOrDateTime | None = None
    theme_id: Id | None = None
    public: bool = False


class SlidePatch(Payload):
    """Content fields make a new revision; the others change the slide directly."""

    title: Name | None = None
    location_id: Id | None = None
    kind: Kind | None = None
    key: SlideKey | None = None
    fields: Fields | None = None
    variants: Variants | None = None
    pictogram: Annotated[str, StringConstraints(max_length=60)] | None = None
    alt: LongText | None = None
    media_id: Id | None = None
    duration: Duration | None = None
    orientation: SlideOrientation | None = None
    valid_from: DateOrDateTime | None = None
    valid_until: DateOrDateTime | None = None
    theme_id: Id | None = None
    public: bool | None = None


class ReviewIn(Payload):
    note: LongText | None = None


class PlaylistItemIn(Payload):
    slide_id: Id
    duration: Duration | None = None


class PlaylistIn(Payload):
    slug: Slug
    name: Name
    location_id: Id
    items: Annotated[list[PlaylistItemIn], Field(max_length=1000)] = []


class PlaylistPatch(Payload):
    slug: Slug | None = None
    name: Name | None = None
    location_id: Id | None = None
    items: Annotated[list[PlaylistItemIn], Field(max_length=1000)] | None = None
