"""Builders and readers shared by the resolver's case and property tests (pure values only)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from signage.core.model import (
    DEFAULT_REGION,
    AlertSpec,
    Content,
    DisplaySpec,
    Entry,
    PlaylistSpec,
    Recurrence,
    ScheduleSpec,
    Segment,
    Severity,
    SlideSpec,
    Target,
    TargetKind,
    Tier,
)

CPH = ZoneInfo("Europe/Copenhagen")
EVERYWHERE = Target(TargetKind.ALL)
Span = tuple[datetime, datetime]


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def local(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, zone: str = "Europe/Copenhagen"
) -> datetime:
    """A wall-clock time as an instant in UTC (fold=0: the first of an ambiguous pair)."""
    return datetime(year, month, day, hour, minute, tzinfo=ZoneInfo(zone)).astimezone(UTC)


def slide(slide_id: int, **fields: object) -> SlideSpec:
    """A playable slide; its approved revision is 1000 + id unless given."""
    fields.setdefault("revision", 1000 + slide_id)
    return SlideSpec(id=slide_id, **fields)  # type: ignore[arg-type]


def playlist(playlist_id: int, *slide_ids: int | tuple[int, int | None]) -> PlaylistSpec:
    items = tuple(item if isinstance(item, tuple) else (item, None) for item in slide_ids)
    return PlaylistSpec(playlist_id, items)


def schedule(
    schedule_id: int,
    playlist_id: int,
    target: Target = EVERYWHERE,
    recurrence: Recurrence | None = None,
    tier: Tier = Tier.NORMAL,
    weight: int = 1,
    region: str = DEFAULT_REGION,
) -> ScheduleSpec:
    return ScheduleSpec(
        schedule_id,
        playlist_id,
        target,
        recurrence or Recurrence(),
        tier=tier,
        weight=weight,
        region=region,
    )


def content(
    schedules: Iterable[ScheduleSpec],
    playlists: Iterable[PlaylistSpec],
    slides: Iterable[SlideSpec],
    **rest: object,
) -> Content:
    return Content(
        schedules=tuple(schedules),
        playlists={p.id: p for p in playlists},
        slides={s.id: s for s in slides},
        **rest,  # type: ignore[arg-type]
    )


def display(timezone: str = "Europe/Copenhagen", **fields: object) -> DisplaySpec:
    fields.setdefault("id", 1)
    return DisplaySpec(timezone=timezone, **fields)  # type: ignore[arg-type]


def alert(
    alert_id: int, severity: Severity, starts_at: datetime, ends_at: datetime | None = None
) -> AlertSpec:
    return AlertSpec(alert_id, severity, starts_at, ends_at)


# -- reading timelines ------------------------------------------------------------------------
def in_utc(segment: Segment) -> Segment:
    """The same segment with its instants in UTC, so that comparisons are between instants
    (Python compares two datetimes of one zone by wall clock)."""
    return replace(
        segment,
        start=segment.start.astimezone(UTC),
        end=segment.end.astimezone(UTC),
        anchor=segment.anchor.astimezone(UTC),
    )


def all_in_utc(segments: Iterable[Segment]) -> list[Segment]:
    return [in_utc(segment) for segment in segments]


def spans(segments: Iterable[Segment]) -> list[Span]:
    return [(s.start.astimezone(UTC), s.end.astimezone(UTC)) for s in segments]


def spans_where(segments: Iterable[Segment], wanted: Callable[[Segment], bool]) -> list[Span]:
    """The instants where `wanted` holds, adjacent segments joined."""
    joined: list[Span] = []
    for segment in segments:
        if not wanted(segment):
            continue
        start, end = segment.start.astimezone(UTC), segment.end.astimezone(UTC)
        if joined and joined[-1][1] == start:
            joined[-1] = (joined[-1][0], end)
        else:
            joined.append((start, end))
    return joined


def playing(segment: Segment) -> bool:
    return bool(segment.loop)


def slides_of(loop: Iterable[Entry]) -> list[int]:
    return [entry.slide for entry in loop]


def segment_at(segments: Iterable[Segment], instant: datetime) -> Segment:
    for segment in segments:
        if segment.start.astimezone(UTC) <= instant < segment.end.astimezone(UTC):
            return segment
    raise AssertionError(f"no segment covers {instant}")


def expected_index(segment: Segment, instant: datetime) -> int | None:
    """DESIGN.md: the entry at (t − anchor) mod loop length, in elapsed seconds."""
    if not segment.loop:
        return None
    elapsed = instant.astimezone(UTC) - segment.anchor.astimezone(UTC)
    offset = int(elapsed.total_seconds()) % segment.loop_seconds
    for index, entry in enumerate(segment.loop):
        if offset < entry.duration:
            return index
        offset -= entry.duration
    raise AssertionError("offset beyond the loop")


def join(left: list[Segment], right: list[Segment]) -> list[Segment]:
    """Two adjacent timelines as one: the segments meeting at the seam merge when they give
    the same answer."""
    if left and right and left[-1].same_answer(right[0]):
        return [*left[:-1], replace(left[-1], end=right[0].end), *right[1:]]
    return [*left, *right]
