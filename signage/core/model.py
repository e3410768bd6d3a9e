"""The resolver's inputs and outputs: frozen value objects, no behaviour beyond checks.

Times are aware datetimes (instants) except where a field says "local": those are naive
wall-clock values in the display's timezone, as schedules and slides are written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import overload


class Tier(StrEnum):
    CAMPAIGN = "campaign"
    NORMAL = "normal"
    FALLBACK = "fallback"
    BRAND = "brand"  # no tier yielded a playable slide: the brand slide shows


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class TargetKind(StrEnum):
    DISPLAY = "display"
    GROUP = "group"
    LOCATION = "location"
    ALL = "all"


DEFAULT_REGION = "main"
DEFAULT_DURATION_S = 10
MIN_DURATION_S = 1
MAX_DURATION_S = 86_400


@dataclass(frozen=True)
class Recurrence:
    """Which local dates, and which part of each, something is on (rule 3)."""

    rrule: str | None = None
    window: tuple[int, int] | None = None  # minutes after local midnight; end may be ≤ start
    starts: date | datetime | None = None  # local; a date filters dates, a datetime clips
    ends: date | datetime | None = None
    exdates: frozenset[date] = frozenset()
    holidays: str | None = None  # a calendar name, e.g. "dk"


ALWAYS = Recurrence()


@dataclass(frozen=True)
class Target:
    kind: TargetKind
    id: int | None = None


@dataclass(frozen=True)
class ScheduleSpec:
    id: int
    playlist_id: int
    target: Target
    recurrence: Recurrence = ALWAYS
    tier: Tier = Tier.NORMAL
    weight: int = 1
    region: str = DEFAULT_REGION


@dataclass(frozen=True)
class PlaylistSpec:
    id: int
    items: tuple[tuple[int, int | None], ...]  # (slide id, item duration or None)


@dataclass(frozen=True)
class SlideSpec:
    """A slide as it may play: its approved revision only."""

    id: int
    revision: int  # the approved revision's id; a slide without one is not given at all
    duration: int | None = None
    orientation: str = "any"
    valid_from: date | datetime | None = None  # local
    valid_until: date | datetime | None = None  # local, exclusive
    languages: frozenset[str] = frozenset()  # languages that have a variant
    # The screen sizes its picture has ready renditions for; None: it needs none (text,
    # or a video once checked). An empty set: it plays nowhere yet.
    ready_for: frozenset[tuple[int, int]] | None = None
    media_duration_s: float | None = None

    def plays_on(self, screen: Screen) -> bool:
        """Rule 6, but for validity: the orientation fits and the picture is ready."""
        orientation, resolution = screen
        return self.orientation in ("any", orientation) and (
            self.ready_for is None or resolution in self.ready_for
        )


@dataclass(frozen=True)
class AlertSpec:
    id: int
    severity: Severity
    starts_at: datetime
    ends_at: datetime | None  # the earlier of expiry and clearing; None: until cleared
    targets: tuple[Target, ...] = (Target(TargetKind.ALL),)


# What decides which pictures a display can show: its orientation and its resolution.
Screen = tuple[str, tuple[int, int]]


@dataclass(frozen=True)
class DisplaySpec:
    id: int
    timezone: str
    orientation: str = "landscape"
    languages: tuple[str, ...] = ()
    locations: tuple[int, ...] = ()  # own location first, then each ancestor up to the root
    groups: frozenset[int] = frozenset()
    power: tuple[Recurrence, ...] = ()  # none means always on
    resolution: tuple[int, int] = (1920, 1080)
    layout: str = "full"  # a key of signage.core.layouts.LAYOUTS

    @property
    def screen(self) -> Screen:
        return self.orientation, self.resolution


@dataclass(frozen=True)
class Content:
    """Everything that may reach displays, shared by every display resolved at once."""

    schedules: tuple[ScheduleSpec, ...] = ()
    playlists: dict[int, PlaylistSpec] = field(default_factory=dict)
    slides: dict[int, SlideSpec] = field(default_factory=dict)
    alerts: tuple[AlertSpec, ...] = ()
    base_language: str = "da"
    holidays: dict[str, frozenset[date]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Entry:
    slide: int
    revision: int
    duration: int
    language: str


class Loop(Sequence[Entry]):
    """The entries a segment cycles through, kept as ids of shared chunks (one chunk a
    pick: a slide's entries in the display's languages). The flat list is made only when
    asked for, and whoever encodes loops can encode each chunk once."""

    __slots__ = ("_entries", "chunk_ids", "chunks", "slides")

    def __init__(
        self,
        chunk_ids: tuple[int, ...] = (),
        chunks: Sequence[tuple[Entry, ...]] = (),
        slides: frozenset[int] = frozenset(),
    ) -> None:
        self.chunk_ids = chunk_ids
        self.chunks = chunks  # the registry the ids index, shared by many loops
        self.slides = slides
        self._entries: tuple[Entry, ...] | None = None

    @property
    def entries(self) -> tuple[Entry, ...]:
        if self._entries is None:
            chunks = self.chunks
            self._entries = tuple(entry for i in self.chunk_ids for entry in chunks[i])
        return self._entries

    def __len__(self) -> int:
        return len(self.entries)

    def __bool__(self) -> bool:
        return bool(self.chunk_ids)

    @overload
    def __getitem__(self, index: int) -> Entry: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Entry]: ...
    def __getitem__(self, index: int | slice) -> Entry | Sequence[Entry]:
        return self.entries[index]

    def __iter__(self) -> Iterator[Entry]:
        return iter(self.entries)

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if isinstance(other, Loop):
            if self.chunks is other.chunks:
                return self.chunk_ids == other.chunk_ids
            return self.entries == other.entries
        if isinstance(other, tuple | list):
            return self.entries == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self.entries)

    def __repr__(self) -> str:
        return f"Loop({list(self.entries)!r})"


EMPTY_LOOP = Loop()


@dataclass(frozen=True, slots=True)
class AlertShown:
    id: int
    severity: Severity
    shown: str  # fullscreen | banner | ticker | waiting


@dataclass(frozen=True, slots=True)
class Segment:
    region: str
    start: datetime
    end: datetime
    anchor: datetime
    tier: Tier | None
    blank: bool
    alerts: tuple[AlertShown, ...]
    loop: Loop

    @property
    def loop_seconds(self) -> int:
        return sum(entry.duration for entry in self.loop)

    def same_answer(self, other: Segment) -> bool:
        """Equal but for where the segment starts and ends."""
        return (self.region, self.anchor, self.tier, self.blank, self.alerts, self.loop) == (
            other.region,
            other.anchor,
            other.tier,
            other.blank,
            other.alerts,
            other.loop,
        )


@dataclass(frozen=True)
class Now:
    segment: Segment
    index: int | None  # the loop entry playing, None when the loop is empty
