"""The collections of the JSON API: for each, its service, payloads and serializer.

The views, the authorisation table and the OpenAPI document are all built from this
one list, so a collection cannot be half-registered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from signage.accounts.schemas import GrantIn, GrantPatch, UserIn, UserPatch
from signage.accounts.services import GrantService, UserService
from signage.api import serializers
from signage.content.schemas import (
    PlaylistIn,
    PlaylistPatch,
    SlideIn,
    SlidePatch,
    ThemeIn,
    ThemePatch,
)
from signage.content.services import PlaylistService, SlideService, ThemeService
from signage.crud import CrudService
from signage.feeds.schemas import FeedIn, FeedPatch
from signage.feeds.services import FeedService
from signage.scheduling.schemas import ScheduleIn, SchedulePatch
from signage.scheduling.services import ScheduleService
from signage.schemas import Payload
from signage.screens.schemas import (
    DisplayIn,
    DisplayPatch,
    GroupIn,
    GroupPatch,
    LocationIn,
    LocationPatch,
)
from signage.screens.services import DisplayService, GroupService, LocationService


@dataclass(frozen=True)
class Collection:
    name: str
    service: CrudService[Any]
    create: type[Payload]
    patch: type[Payload]
    serialize: Callable[[Any], dict[str, Any]]
    # Query parameters that filter the list, each naming a model column.
    filters: tuple[str, ...] = ("location_id",)

    @property
    def singular(self) -> str:
        return self.service.kind


COLLECTIONS: dict[str, Collection] = {
    c.name: c
    for c in (
        Collection(
            "locations",
            LocationService(),
            LocationIn,
            LocationPatch,
            serializers.location,
            ("parent_id",),
        ),
        Collection("displays", DisplayService(), DisplayIn, DisplayPatch, serializers.display),
        Collection("groups", GroupService(), GroupIn, GroupPatch, serializers.group),
        Collection("themes", ThemeService(), ThemeIn, ThemePatch, serializers.theme),
        Collection("users", UserService(), UserIn, UserPatch, serializers.user, ()),
        Collection(
            "grants",
            GrantService(),
            GrantIn,
            GrantPatch,
            serializers.grant,
            ("user_id", "location_id"),
        ),
        Collection("playlists", PlaylistService(), PlaylistIn, PlaylistPatch, serializers.playlist),
        Collection("slides", SlideService(), SlideIn, SlidePatch, serializers.slide),
        Collection("feeds", FeedService(), FeedIn, FeedPatch, serializers.feed),
        Collection(
            "schedules",
            ScheduleService(),
            ScheduleIn,
            SchedulePatch,
            serializers.schedule,
            ("location_id", "playlist_id"),
        ),
    )
}
