"""What a display shows at instant t (DESIGN.md rules 1–6) and timelines of it.

One pure function of its inputs: no clock, no database. `Resolver` holds caches that
are only valid for one `Content`; make a new one when content changes.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from copy import copy
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from functools import cached_property
from itertools import cycle, pairwise
from operator import add, attrgetter
from typing import Any
from zoneinfo import ZoneInfo

from signage.core.layouts import layout_of
from signage.core.model import (
    DEFAULT_DURATION_S,
    DEFAULT_REGION,
    EMPTY_LOOP,
    MAX_DURATION_S,
    MIN_DURATION_S,
    AlertShown,
    AlertSpec,
    Content,
    DisplaySpec,
    Entry,
    Loop,
    Now,
    PlaylistSpec,
    Recurrence,
    ScheduleSpec,
    Screen,
    Segment,
    Severity,
    SlideSpec,
    Target,
    TargetKind,
    Tier,
)
from signage.core.occurrences import ONE_DAY, Interval, local_instant, merge, occurrences
from signage.core.occurrences import to_instant as local_to_instant

Pick = tuple[int, int]  # (playlist id, weight)
Answer = tuple[Tier | None, bool, Loop]  # (tier, blank, loop) of the content at an instant
# A segment as (start, end, anchor, tier, blank, alerts, loop), instants in µs since the epoch.
Run = tuple[int, int, int, Tier | None, bool, tuple[AlertShown, ...], Loop]
# What of a schedule an answer depends on: (tier rank, playlist, weight, fallback level).
Part = tuple[int, int, int, int]
CAMPAIGN, NORMAL, FALLBACK, OTHER = range(4)
UNPOWERED: Answer = (None, True, EMPTY_LOOP)  # outside power windows the screen is blank
EMPTY_REGION: Answer = (None, False, EMPTY_LOOP)  # a region other than main with nothing on
BY_ID = attrgetter("id")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)


def _us(instant: datetime) -> int:
    return (instant - EPOCH) // MICROSECOND


def reaches(display: DisplaySpec, target: Target) -> bool:
    """Rule 4: a target reaches a display directly, through a group, its location or
    any ancestor, or as 'all'."""
    match target.kind:
        case TargetKind.ALL:
            return True
        case TargetKind.DISPLAY:
            return target.id == display.id
        case TargetKind.GROUP:
            return target.id in display.groups
        case TargetKind.LOCATION:
            return target.id in display.locations
    return False


def fallback_level(display: DisplaySpec, target: Target) -> int:
    """Lower is more specific: display, then group, then own location, each ancestor, all."""
    match target.kind:
        case TargetKind.DISPLAY:
            return 0
        case TargetKind.GROUP:
            return 1
        case TargetKind.LOCATION:
            return 2 + display.locations.index(target.id)
    return 2 + len(display.locations)


def smooth_weighted_round_robin(weights: list[Pick], picks: int) -> list[int]:
    """The playlist ids of `picks` picks; ties go to the lower playlist id.

    With integer weights the sequence repeats every W = sum(weights) picks (every
    counter is back to zero), so one period is computed and repeated.
    """
    ordered = sorted(weights)  # by playlist id: the first of equal counters wins a tie
    ids = [pid for pid, _ in ordered]
    steps = [weight for _, weight in ordered]
    total = sum(steps)
    current = [0] * len(ordered)
    period: list[int] = []
    for _ in range(min(total, picks)):
        current = list(map(add, current, steps))
        chosen = current.index(max(current))
        current[chosen] -= total
        period.append(ids[chosen])
    repeats, rest = divmod(picks, total)
    return period * repeats + period[:rest]


# The slides of a playlist that play at an instant, and a signature of which ones they are
# (None when no slide has validity bounds, so the list never changes).
Playable = tuple[list[tuple[SlideSpec, int]], tuple[int, ...] | None]


@dataclass(frozen=True)
class Candidates:
    """A playlist's slides that can ever play on displays of one screen (orientation
    and resolution) and timezone, with their validity as instants: per instant only
    validity is left."""

    always: list[tuple[SlideSpec, int]]
    bounds: list[tuple[datetime | None, datetime | None]]
    edges: frozenset[datetime]
    # The answer only changes at an edge: one per stretch between edges, worked out once.
    _by_stretch: dict[int, Playable] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, playlist: PlaylistSpec, slides: dict[int, SlideSpec], screen: Screen, zone: ZoneInfo
    ) -> Candidates:
        found: list[tuple[SlideSpec, int]] = []
        bounds: list[tuple[datetime | None, datetime | None]] = []
        for slide_id, item_duration in playlist.items:
            slide = slides.get(slide_id)
            if slide is None or not slide.plays_on(screen):
                continue
            found.append((slide, duration_of(slide, item_duration)))
            bounds.append(
                (
                    local_to_instant(slide.valid_from, zone) if slide.valid_from else None,
                    local_to_instant(slide.valid_until, zone) if slide.valid_until else None,
                )
            )
        edges = frozenset(t for pair in bounds for t in pair if t is not None)
        return cls(found, bounds, edges)

    @cached_property
    def _edge_list(self) -> list[datetime]:
        return sorted(self.edges)

    def at(self, t: datetime) -> Playable:
        if not self.edges:  # no slide has validity bounds: the list never changes
            return self.always, None
        stretch = bisect_right(self._edge_list, t)
        found = self._by_stretch.get(stretch)
        if found is None:
            valid = tuple(
                index
                for index, (low, high) in enumerate(self.bounds)
                if (low is None or low <= t) and (high is None or t < high)
            )
            found = self._by_stretch[stretch] = ([self.always[i] for i in valid], valid)
        return found


@dataclass
class Resolver:
    """Resolves any number of displays against one `Content`, sharing work between them."""

    content: Content

    def __post_init__(self) -> None:
        self._by_target: dict[Target, list[ScheduleSpec]] = {}
        for schedule in self.content.schedules:
            if schedule.playlist_id in self.content.playlists:
                self._by_target.setdefault(schedule.target, []).append(schedule)
        self._occurrences: dict[tuple[Recurrence, str, object, object], list[Interval]] = {}
        self._loops: dict[tuple[object, ...], Loop] = {}
        # Every distinct (slide, duration, languages) expansion, by id; loops hold ids.
        self.chunks: list[tuple[Entry, ...]] = []
        self._chunk_ids: dict[tuple[object, ...], int] = {}
        self._shown_languages: dict[tuple[tuple[str, ...], frozenset[str]], tuple[str, ...]] = {}
        self._expanded_playlists: dict[tuple[object, ...], tuple[list[int], frozenset[int]]] = {}
        self._periods: dict[tuple[int, ...], list[int]] = {}
        # Answers by what they depend on (see `_DisplayView._answer`), shared by all displays
        # and kept across `with_schedule`: a schedule's dates and target do not enter them.
        self._answers: dict[tuple[object, ...], Answer] = {}
        self._validity: dict[str, list[datetime]] = {}
        self._playables: dict[tuple[int, Screen, str, int], Playable] = {}
        # The sweep works on instants as integer microseconds since the epoch.
        self._flips: dict[tuple[int, str, date, date], tuple[Recurrence, list[int]]] = {}
        self._power_flips: dict[tuple[object, ...], list[int]] = {}
        self._midnights: dict[tuple[str, date, date], list[int]] = {}
        self._validity_us: dict[str, list[int]] = {}
        self._instants: dict[int, datetime] = {}
        self._candidates: dict[tuple[object, ...], Candidates] = {}
        self._positions: dict[int, int] | None = None
        self._reaching: dict[int, tuple[DisplaySpec, list[list[ScheduleSpec]]]] = {}
        self._display_targets: dict[int, tuple[DisplaySpec, list[Target]]] = {}
        self._display_answers: dict[
            tuple[int, str], tuple[DisplaySpec, list[Part], dict[tuple[int, int], Answer]]
        ] = {}
        self._sweeps: dict[tuple[object, ...], tuple[list[ScheduleSpec], _GroupSweep]] = {}

    def with_schedule(self, old: ScheduleSpec | None, new: ScheduleSpec | None) -> Resolver:
        """The same content with one schedule added, changed or removed, keeping every
        cache that does not depend on schedules (occurrences, playable slides, loops) and
        patching the target index: a schedule change then costs only the displays it
        reaches."""
        schedules = list(self.content.schedules)
        positions = self._schedule_positions()
        kept_positions: dict[int, int] | None = positions
        if old is not None and old.id not in positions:
            old = None  # not in this content: nothing to replace or remove
        if old is not None and new is not None and old.id == new.id:
            schedules[positions[old.id]] = new  # the common case: one schedule edited
        else:
            if old is not None:
                del schedules[positions[old.id]]
            if new is not None:
                schedules.append(new)
            kept_positions = None  # positions moved: worked out again when next needed
        successor = copy(self)
        successor.content = replace(self.content, schedules=tuple(schedules))
        successor._positions = kept_positions
        successor._reaching = {}
        successor._by_target = by_target = dict(self._by_target)
        kept = new is not None and new.playlist_id in self.content.playlists
        listed = by_target.get(old.target, []) if old is not None else []
        if (
            old is not None
            and new is not None
            and kept
            and new.target == old.target
            and any(s.id == old.id for s in listed)
        ):
            # Edited in place: the list keeps its order, so each display's schedules keep
            # their bits and the answers worked out for them (`display_answers`).
            by_target[old.target] = [new if s.id == old.id else s for s in listed]
            return successor
        if old is not None and old.target in by_target:
            by_target[old.target] = [s for s in by_target[old.target] if s.id != old.id]
        if kept and new is not None:
            by_target[new.target] = [*by_target.get(new.target, ()), new]
        return successor

    def _schedule_positions(self) -> dict[int, int]:
        if self._positions is None:
            self._positions = {s.id: i for i, s in enumerate(self.content.schedules)}
        return self._positions

    # -- public ---------------------------------------------------------------------------
    def reaching(self, display: DisplaySpec) -> list[ScheduleSpec]:
        """Rule 4 through the target index: only the schedules that reach the display."""
        schedules = [s for group in self.schedule_groups(display) for s in group]
        return sorted(schedules, key=BY_ID)

    def schedule_groups(self, display: DisplaySpec) -> list[list[ScheduleSpec]]:
        """The schedules that reach the display (rule 4), as the target index's lists:
        one per target that reaches it and has schedules. Displays that share a target
        share its list, and what is worked out from it."""
        found = self._reaching.get(display.id)
        if found is None or found[0] is not display:
            by_target = self._by_target
            lists = [by_target.get(target) for target in self._targets(display)]
            found = self._reaching[display.id] = (display, [group for group in lists if group])
        return found[1]

    def _targets(self, display: DisplaySpec) -> list[Target]:
        found = self._display_targets.get(display.id)
        if found is None or found[0] is not display:
            targets = [Target(TargetKind.DISPLAY, display.id), Target(TargetKind.ALL)]
            targets += [Target(TargetKind.GROUP, g) for g in sorted(display.groups)]
            targets += [Target(TargetKind.LOCATION, loc) for loc in display.locations]
            found = self._display_targets[display.id] = (display, targets)
        return found[1]

    def regions(self, display: DisplaySpec) -> tuple[str, ...]:
        """The regions of the display's layout, `main` first. A schedule into a region
        the layout lacks shows nowhere on that display."""
        return layout_of(display.layout).names

    def timeline(
        self, display: DisplaySpec, start: datetime, end: datetime, region: str = DEFAULT_REGION
    ) -> list[Segment]:
        """The segments over [start, end) where the answer is constant."""
        if end <= start:
            return []
        at = self.instant
        return [
            Segment(region, at(begin), at(stop), at(anchor), tier, blank, alerts, loop)
            for begin, stop, anchor, tier, blank, alerts, loop in self.runs(
                display, start, end, region
            )
        ]

    def runs(
        self, display: DisplaySpec, start: datetime, end: datetime, region: str = DEFAULT_REGION
    ) -> list[Run]:
        """The timeline's segments as (start, end, anchor, tier, blank, alerts, loop), with
        instants in integer microseconds since the epoch: for writers that need no
        `Segment` objects."""
        if end <= start:
            return []
        # UTC throughout: same-tzinfo datetimes compare by wall clock in Python.
        return _DisplayView(self, display, region).runs(start.astimezone(UTC), end.astimezone(UTC))

    def now(self, display: DisplaySpec, at: datetime, region: str = DEFAULT_REGION) -> Now:
        at = at.astimezone(UTC)
        segment = self.timeline(display, at, at + timedelta(seconds=1), region)[0]
        return Now(segment, entry_index(segment, at))

    # -- shared caches ----------------------------------------------------------------------
    def occurrences(
        self, recurrence: Recurrence, zone: ZoneInfo, first: object, last: object
    ) -> list[Interval]:
        key = (recurrence, zone.key, first, last)
        found = self._occurrences.get(key)
        if found is None:
            found = occurrences(recurrence, zone, first, last, self.content.holidays)  # type: ignore[arg-type]
            self._occurrences[key] = found
        return found

    def on_off(self, recurrence: Recurrence, zone: ZoneInfo, first: date, last: date) -> list[int]:
        """The instants (µs) where the recurrence's occurrences start or end. They never
        touch, so each instant turns the recurrence on or off."""
        key = (id(recurrence), zone.key, first, last)
        found = self._flips.get(key)
        if found is None or found[0] is not recurrence:  # the entry holds it: ids stay its
            intervals = self.occurrences(recurrence, zone, first, last)
            found = self._flips[key] = (recurrence, [_us(t) for span in intervals for t in span])
        return found[1]

    def group_sweep(
        self, group: list[ScheduleSpec], region: str, zone: ZoneInfo, first: date, last: date
    ) -> _GroupSweep:
        """What the sweep needs of one list of schedules, in one region and zone over a
        range of dates: shared by every display the list reaches."""
        key = (id(group), region, zone.key, first, last)
        found = self._sweeps.get(key)
        if found is None or found[0] is not group:  # the entry holds the list: ids stay its
            sweep = _GroupSweep.of(self, group, region, zone, first, last)
            found = self._sweeps[key] = (group, sweep)
        return found[1]

    def display_answers(
        self, display: DisplaySpec, region: str, parts: list[Part]
    ) -> dict[tuple[int, int], Answer]:
        """One display's answers by (mask, validity stretch), for schedules with `parts`."""
        key = (display.id, region)
        found = self._display_answers.get(key)
        if found is None or found[0] is not display or found[1] != parts:
            found = self._display_answers[key] = (display, list(parts), {})
        return found[2]

    def power_on_off(
        self, display: DisplaySpec, zone: ZoneInfo, first: date, last: date
    ) -> list[int]:
        """The instants (µs) where the display's power windows, merged, start or end."""
        key = (display.power, zone.key, first, last)
        found = self._power_flips.get(key)
        if found is None:
            intervals: list[Interval] = []
            for recurrence in display.power:
                intervals += self.occurrences(recurrence, zone, first, last)
            found = self._power_flips[key] = [_us(t) for span in merge(intervals) for t in span]
        return found

    def midnights(self, zone: ZoneInfo, first: date, last: date) -> list[int]:
        """Local midnights (µs) from `first` to the day after `last`."""
        key = (zone.key, first, last)
        found = self._midnights.get(key)
        if found is None:
            days = range((last - first).days + 2)
            found = [_us(local_instant(first + ONE_DAY * n, 0, zone)) for n in days]
            self._midnights[key] = found
        return found

    def validity_us(self, zone: ZoneInfo) -> list[int]:
        found = self._validity_us.get(zone.key)
        if found is None:
            found = self._validity_us[zone.key] = [_us(t) for t in self.validity_edges(zone)]
        return found

    def instant(self, us: int) -> datetime:
        """The UTC datetime of `us`; a fleet's segments share a few instants."""
        found = self._instants.get(us)
        if found is None:
            found = self._instants[us] = EPOCH + timedelta(microseconds=us)
        return found

    def candidates(self, playlist: PlaylistSpec, screen: Screen, zone: ZoneInfo) -> Candidates:
        key = (playlist.id, screen, zone.key)
        found = self._candidates.get(key)
        if found is None:
            found = Candidates.of(playlist, self.content.slides, screen, zone)
            self._candidates[key] = found
        return found

    def loop(self, display: DisplaySpec, picks: list[Pick], items: dict[int, Playable]) -> Loop:
        key = (
            display.languages,
            display.screen,
            tuple(picks),
            tuple(items[pid][1] for pid, _ in picks),
        )
        found = self._loops.get(key)
        if found is None:
            found = self._build_loop(display, picks, items)
            self._loops[key] = found
        return found

    def _build_loop(
        self, display: DisplaySpec, picks: list[Pick], items: dict[int, Playable]
    ) -> Loop:
        """Rule 5: K·W picks of smooth weighted round robin, each the playlist's next slide,
        each slide expanded to one entry per display language that has it (rule 6)."""
        weights = tuple(weight for _, weight in picks)
        rounds = max(-(-len(items[pid][0]) // weight) for pid, weight in picks)  # ⌈n ÷ w⌉
        expanded = [self._expanded(display, pid, items[pid]) for pid, _ in picks]
        # Each pick takes its playlist's next chunk: one cycling iterator per playlist,
        # driven in C by map() — loops run to thousands of picks across a fleet.
        cycles = [cycle(chunk_ids) for chunk_ids, _ in expanded]
        order = self._order(weights, rounds * sum(weights))
        chunk_ids = tuple(map(next, map(cycles.__getitem__, order)))
        slides = frozenset().union(*[slide_ids for _, slide_ids in expanded])
        return Loop(chunk_ids, self.chunks, slides)

    def _order(self, weights: tuple[int, ...], count: int) -> list[int]:
        """Positions (into the picks, sorted by playlist id) of `count` picks. The order
        depends only on the weights and repeats every W picks, so one period is worked out
        per weight vector and loops of different playlists share it."""
        period = self._periods.get(weights)
        if period is None:
            positions = [(index, weight) for index, weight in enumerate(weights)]
            period = self._periods[weights] = smooth_weighted_round_robin(positions, sum(weights))
        repeats, rest = divmod(count, len(period))
        return period * repeats + period[:rest] if rest else period * repeats

    def _expanded(
        self, display: DisplaySpec, pid: int, playable: Playable
    ) -> tuple[list[int], frozenset[int]]:
        """A playlist's playable slides as the ids of their expanded chunks, and the
        slides they show."""
        key = (display.languages, display.screen, pid, playable[1])
        found = self._expanded_playlists.get(key)
        if found is None:
            chunk_ids = [self._chunk(display, slide, duration) for slide, duration in playable[0]]
            slides = frozenset(slide.id for slide, _ in playable[0])
            found = self._expanded_playlists[key] = (chunk_ids, slides)
        return found

    def _chunk(self, display: DisplaySpec, slide: SlideSpec, duration: int) -> int:
        """The id of a slide's entries in the display's languages (one chunk a pick);
        displays whose languages show the slide alike share it."""
        shown = self._shown_languages.get((display.languages, slide.languages))
        if shown is None:
            shown = tuple(self.languages_of(display, slide))
            self._shown_languages[display.languages, slide.languages] = shown
        key = (slide.id, duration, shown)
        found = self._chunk_ids.get(key)
        if found is None:
            self.chunks.append(
                tuple(Entry(slide.id, slide.revision, duration, language) for language in shown)
            )
            found = self._chunk_ids[key] = len(self.chunks) - 1
        return found

    def languages_of(self, display: DisplaySpec, slide: SlideSpec) -> list[str]:
        base = self.content.base_language
        shown = [lang for lang in display.languages if lang == base or lang in slide.languages]
        return list(dict.fromkeys(shown)) or [base]

    def validity_edges(self, zone: ZoneInfo) -> list[datetime]:
        """Where any slide becomes valid or stops being valid, as instants in `zone`: every
        playlist's playable slides are constant between two neighbours of this list."""
        found = self._validity.get(zone.key)
        if found is None:
            edges = {
                local_to_instant(bound, zone)
                for slide in self.content.slides.values()
                for bound in (slide.valid_from, slide.valid_until)
                if bound is not None
            }
            found = self._validity[zone.key] = sorted(edges)
        return found


def _by_tier(
    parts: tuple[Part, ...],
) -> tuple[dict[int, int], dict[int, int], dict[int, dict[int, int]]]:
    """The weights of the campaign and normal playlists, and of the fallback playlists by
    level; a playlist reached twice counts once, at its largest weight."""
    campaign: dict[int, int] = {}
    normal: dict[int, int] = {}
    levels: dict[int, dict[int, int]] = {}
    for rank, pid, weight, level in parts:
        if rank == NORMAL:
            if weight > normal.get(pid, 0):
                normal[pid] = weight
        elif rank == CAMPAIGN:
            campaign[pid] = 1
        elif rank == FALLBACK:
            at_level = levels.get(level)
            if at_level is None:
                at_level = levels[level] = {}
            if weight > at_level.get(pid, 0):
                at_level[pid] = weight
    return campaign, normal, levels


def entry_index(segment: Segment, at: datetime) -> int | None:
    """The loop entry playing at `at`: (at − anchor) mod loop length."""
    length = segment.loop_seconds
    if not length:
        return None
    elapsed = at.astimezone(UTC) - segment.anchor.astimezone(UTC)
    offset = int(elapsed.total_seconds()) % length
    for index, entry in enumerate(segment.loop):
        if offset < entry.duration:
            return index
        offset -= entry.duration
    return len(segment.loop) - 1  # unreachable: offset < length


def duration_of(slide: SlideSpec, item_duration: int | None) -> int:
    """Rule 6: the item's, else the slide's, else the video's length, in whole seconds."""
    if item_duration is not None:
        seconds = item_duration
    elif slide.duration is not None:
        seconds = slide.duration
    elif slide.media_duration_s is not None:
        seconds = math.ceil(slide.media_duration_s)
    else:
        seconds = DEFAULT_DURATION_S
    return min(max(seconds, MIN_DURATION_S), MAX_DURATION_S)


@dataclass
class _GroupSweep:
    """One list of schedules in one region and zone over a range of dates: how many
    there are, at each instant the bits (from 0) of those that start or end there, and
    their parts per location chain (fallback levels depend on it)."""

    schedules: list[ScheduleSpec]
    flips: dict[int, int]
    _parts: dict[tuple[int, ...], list[Part]] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        resolver: Resolver,
        group: list[ScheduleSpec],
        region: str,
        zone: ZoneInfo,
        first: date,
        last: date,
    ) -> _GroupSweep:
        schedules = [s for s in group if s.region == region]
        flips: dict[int, int] = {}
        for index, schedule in enumerate(schedules):
            bit = 1 << index
            for instant in resolver.on_off(schedule.recurrence, zone, first, last):
                flips[instant] = flips.get(instant, 0) ^ bit
        return cls(schedules, flips)

    def parts(self, display: DisplaySpec) -> list[Part]:
        found = self._parts.get(display.locations)
        if found is None:
            found = [part_of(schedule, display) for schedule in self.schedules]
            self._parts[display.locations] = found
        return found


def part_of(schedule: ScheduleSpec, display: DisplaySpec) -> Part:
    """What of a schedule the answer depends on: its dates and target only decide when
    it is on (and, for a fallback, its level)."""
    tier, pid, weight = schedule.tier, schedule.playlist_id, schedule.weight
    if tier == Tier.NORMAL:
        return NORMAL, pid, weight, 0
    if tier == Tier.CAMPAIGN:
        return CAMPAIGN, pid, 1, 0  # campaigns play at weight 1
    if tier == Tier.FALLBACK:
        return FALLBACK, pid, weight, fallback_level(display, schedule.target)
    return OTHER, pid, weight, 0


class _DisplayView:
    """One display and region: the schedules, alerts and slides that can reach it."""

    def __init__(self, resolver: Resolver, display: DisplaySpec, region: str) -> None:
        self.resolver, self.display, self.region = resolver, display, region
        self.content = resolver.content
        self.zone = ZoneInfo(display.timezone)
        self.parts: list[Part] = []  # by bit, filled by the sweep
        self.alerts = [
            a for a in self.content.alerts if any(reaches(display, t) for t in a.targets)
        ]

    # -- the timeline ---------------------------------------------------------------------
    def runs(self, start: datetime, end: datetime) -> list[Run]:
        resolver, zone = self.resolver, self.zone
        first = start.astimezone(zone).date()
        last = (end - timedelta(microseconds=1)).astimezone(zone).date()
        before = first - ONE_DAY  # occurrences of the day before reach into it (22:00–06:00)
        # A sweep over instants in µs. Each schedule has a bit in `mask`, and `flips` holds
        # at each instant the bits of the schedules that start or end there (one
        # schedule's occurrences never touch, so an instant either starts or ends one).
        # Power windows have the bit above the schedules'.
        # Each list of schedules from the target index brings its flips, shifted past the
        # bits of the lists before it.
        flips: dict[int, int] = {}
        parts, display, region = self.parts, self.display, self.region
        offset = 0
        for group in resolver.schedule_groups(display):
            sweep = resolver.group_sweep(group, region, zone, before, last)
            if not sweep.schedules:
                continue
            get = flips.get
            for instant, bits in sweep.flips.items():
                flips[instant] = get(instant, 0) ^ (bits << offset)
            parts += sweep.parts(display)
            offset += len(sweep.schedules)
        power_bit = 1 << offset
        if self.display.power:
            for instant in resolver.power_on_off(self.display, zone, before, last):
                flips[instant] = flips.get(instant, 0) ^ power_bit
            mask = 0
        else:
            mask = power_bit  # no power windows: always on
        midnights = resolver.midnights(zone, first, last)
        origin, start_us, end_us = midnights[0], _us(start), _us(end)
        finish = max(end_us, origin)
        # The answer only changes where some schedule, power window, slide validity or
        # alert starts or ends: those are the cuts.
        validity = resolver.validity_us(zone)
        cuts = {*flips, *midnights, finish}
        cuts.update(validity[bisect_right(validity, origin) : bisect_right(validity, finish)])
        alerts_us = [
            (alert, _us(alert.starts_at), _us(alert.ends_at) if alert.ends_at else None)
            for alert in self.alerts
        ]
        for _, begins, ends in alerts_us:
            cuts.add(begins)
            if ends is not None:
                cuts.add(ends)
        # Instants before the origin only set up the mask the first cut starts with.
        ordered = sorted(c for c in cuts if c <= finish)
        midnight_set = set(midnights)
        # Equal active sets between equal validity edges give equal answers (the same
        # windows recur every day), so each is worked out once per display, and kept
        # while the display's schedules have the same parts bit by bit: a schedule whose
        # window moved (`with_schedule`) keeps them.
        answers = resolver.display_answers(display, region, parts)
        runs: list[list[Any]] = []  # [start, end, tier, blank, alerts, loop], merged as we go
        last_run: list[Any] | None = None
        for begin, stop in pairwise(ordered):
            mask ^= flips.get(begin, 0)
            if begin < origin:
                continue
            key = (mask, bisect_right(validity, begin))
            answer = answers.get(key)
            if answer is None:
                answer = answers[key] = self._region_answer(begin, mask, key[1], power_bit)
            tier, blank, loop = answer
            alerts = self._alerts_at(begin, alerts_us, mask & power_bit) if alerts_us else ()
            if (
                last_run is not None
                and last_run[2] is tier
                # Loops of one resolver are equal when their chunk ids are.
                and (last_run[5] is loop or last_run[5].chunk_ids == loop.chunk_ids)
                and last_run[3] == blank
                and last_run[4] == alerts
                and begin not in midnight_set
            ):
                last_run[1] = stop
            else:
                last_run = [begin, stop, tier, blank, alerts, loop]
                runs.append(last_run)
        # Clipping to [start, end) keeps each segment's anchor: where its run began.
        return [
            (max(b, start_us), min(e, end_us), b, tier, blank, alerts, loop)
            for b, e, tier, blank, alerts, loop in runs
            if e > start_us and b < end_us
        ]

    # -- the answer at one instant ----------------------------------------------------------
    def _region_answer(self, t: int, mask: int, stretch: int, power_bit: int) -> Answer:
        if not mask & power_bit:
            return UNPOWERED
        answer = self._answer(t, mask, stretch)
        if answer[0] is Tier.BRAND and self.region != DEFAULT_REGION:
            return EMPTY_REGION  # the brand slide is main's; other regions stay empty
        return answer

    def _answer(self, t: int, mask: int, stretch: int) -> Answer:
        """The powered answer at `t` (µs) for the schedules in `mask`. It depends only on
        the schedules' parts, the display's languages, screen and zone, and which
        slides are valid (constant between validity edges), so displays alike in those
        share it."""
        # A sorted tuple, not a frozenset: keys of ints and strings only are left alone by
        # the garbage collector, and a fleet's answers are many.
        every = self.parts
        active: set[Part] = set()
        bits = mask & ((1 << len(every)) - 1)
        while bits:  # one step per schedule on, lowest bit first
            low = bits & -bits
            active.add(every[low.bit_length() - 1])
            bits ^= low
        parts = tuple(sorted(active))
        display = self.display
        key = (display.languages, display.screen, self.zone.key, stretch, parts)
        shared = self.resolver._answers
        found = shared.get(key)
        if found is None:
            found = shared[key] = self._content_answer(self.resolver.instant(t), stretch, parts)
        return found

    def _content_answer(self, t: datetime, stretch: int, parts: tuple[Part, ...]) -> Answer:
        """Rules 5 and 6 at `t` (in validity stretch `stretch`), given the parts of the
        schedules on at `t`."""
        campaign, normal, levels = _by_tier(parts)
        if campaign:
            loop = self._loop(campaign, t, stretch)
            if loop:
                return Tier.CAMPAIGN, False, loop
        if normal:
            loop = self._loop(normal, t, stretch)
            if loop:
                return Tier.NORMAL, False, loop
        for level in sorted(levels):
            loop = self._loop(levels[level], t, stretch)
            if loop:
                return Tier.FALLBACK, False, loop
        return Tier.BRAND, False, EMPTY_LOOP

    def _loop(self, weights: dict[int, int], t: datetime, stretch: int) -> Loop:
        """The loop of playlists at their weights over their slides playable at `t`."""
        resolver = self.resolver
        playables = resolver._playables
        screen, zone = self.display.screen, self.zone
        items: dict[int, Playable] = {}
        for pid in sorted(weights):  # the picks go by playlist id
            key = (pid, screen, zone.key, stretch)
            playable = playables.get(key)
            if playable is None:
                candidates = resolver.candidates(self.content.playlists[pid], screen, zone)
                playable = playables[key] = candidates.at(t)
            if playable[0]:
                items[pid] = playable
        if not items:
            return EMPTY_LOOP
        return resolver.loop(self.display, [(pid, weights[pid]) for pid in items], items)

    def _alerts_at(
        self, t: int, alerts: list[tuple[AlertSpec, int, int | None]], powered: int
    ) -> tuple[AlertShown, ...]:
        """Rule 1 at `t` (µs): newest critical fullscreen (hiding banner and ticker), else
        newest warning as banner, infos in the ticker; the rest wait. Outside power
        windows only critical and warning alerts show, so infos wait there too."""
        active = sorted(
            (a for a, starts, ends in alerts if starts <= t and (ends is None or t < ends)),
            key=lambda a: (a.starts_at, a.id),
            reverse=True,
        )
        critical = [a for a in active if a.severity == Severity.CRITICAL]
        warnings = [a for a in active if a.severity == Severity.WARNING]
        infos = [a for a in active if a.severity == Severity.INFO]
        shown: list[AlertShown] = []
        for index, alert in enumerate(critical):
            shown.append(
                AlertShown(alert.id, alert.severity, "fullscreen" if index == 0 else "waiting")
            )
        for index, alert in enumerate(warnings):
            role = "banner" if index == 0 and not critical else "waiting"
            shown.append(AlertShown(alert.id, alert.severity, role))
        for alert in infos:
            ticker = powered and not critical
            shown.append(AlertShown(alert.id, alert.severity, "ticker" if ticker else "waiting"))
        return tuple(shown)
