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
from operator import add
from typing import Any
from zoneinfo import ZoneInfo

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
# What of a schedule an answer depends on: (tier rank, playlist, weight, fallback level).
Part = tuple[int, int, int, int]
CAMPAIGN, NORMAL, FALLBACK, OTHER = range(4)
_RANKS = {Tier.CAMPAIGN: CAMPAIGN, Tier.NORMAL: NORMAL, Tier.FALLBACK: FALLBACK}
UNPOWERED: Answer = (None, True, EMPTY_LOOP)  # outside power windows the screen is blank


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
    """A playlist's slides that can ever play on displays of one orientation and
    timezone, with their validity as instants: per instant only validity is left."""

    always: list[tuple[SlideSpec, int]]
    bounds: list[tuple[datetime | None, datetime | None]]
    edges: frozenset[datetime]
    # The answer only changes at an edge: one per stretch between edges, worked out once.
    _by_stretch: dict[int, Playable] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(
        cls, playlist: PlaylistSpec, slides: dict[int, SlideSpec], orientation: str, zone: ZoneInfo
    ) -> Candidates:
        found: list[tuple[SlideSpec, int]] = []
        bounds: list[tuple[datetime | None, datetime | None]] = []
        for slide_id, item_duration in playlist.items:
            slide = slides.get(slide_id)
            if (
                slide is None
                or not slide.media_ready
                or slide.orientation not in ("any", orientation)
            ):
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
        self._candidates: dict[tuple[object, ...], Candidates] = {}
        self._positions: dict[int, int] | None = None
        self._reaching: dict[int, tuple[DisplaySpec, list[ScheduleSpec]]] = {}

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
        successor._by_target = dict(self._by_target)
        if old is not None and old.target in successor._by_target:
            successor._by_target[old.target] = [
                s for s in successor._by_target[old.target] if s.id != old.id
            ]
        if new is not None and new.playlist_id in self.content.playlists:
            successor._by_target[new.target] = [*successor._by_target.get(new.target, ()), new]
        return successor

    def _schedule_positions(self) -> dict[int, int]:
        if self._positions is None:
            self._positions = {s.id: i for i, s in enumerate(self.content.schedules)}
        return self._positions

    # -- public ---------------------------------------------------------------------------
    def reaching(self, display: DisplaySpec) -> list[ScheduleSpec]:
        """Rule 4 through the target index: only the schedules that reach the display."""
        found = self._reaching.get(display.id)
        if found is None or found[0] is not display:
            targets = [Target(TargetKind.DISPLAY, display.id), Target(TargetKind.ALL)]
            targets += [Target(TargetKind.GROUP, g) for g in display.groups]
            targets += [Target(TargetKind.LOCATION, loc) for loc in display.locations]
            schedules = [s for target in targets for s in self._by_target.get(target, ())]
            found = self._reaching[display.id] = (display, sorted(schedules, key=lambda s: s.id))
        return found[1]

    def regions(self, display: DisplaySpec) -> list[str]:
        found = {s.region for s in self.reaching(display)}
        return sorted(found | {DEFAULT_REGION}, key=lambda r: (r != DEFAULT_REGION, r))

    def timeline(
        self, display: DisplaySpec, start: datetime, end: datetime, region: str = DEFAULT_REGION
    ) -> list[Segment]:
        """The segments over [start, end) where the answer is constant."""
        if end <= start:
            return []
        # UTC throughout: same-tzinfo datetimes compare by wall clock in Python.
        return _DisplayView(self, display, region).timeline(
            start.astimezone(UTC), end.astimezone(UTC)
        )

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

    def candidates(self, playlist: PlaylistSpec, orientation: str, zone: ZoneInfo) -> Candidates:
        key = (playlist.id, orientation, zone.key)
        found = self._candidates.get(key)
        if found is None:
            found = Candidates.of(playlist, self.content.slides, orientation, zone)
            self._candidates[key] = found
        return found

    def loop(self, display: DisplaySpec, picks: list[Pick], items: dict[int, Playable]) -> Loop:
        key = (
            display.languages,
            display.orientation,
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
        rounds = max(math.ceil(len(items[pid][0]) / weight) for pid, weight in picks)
        expanded = [self._expanded(display, pid, items[pid]) for pid, _ in picks]
        # Each pick takes its playlist's next chunk: one cycling iterator per playlist,
        # driven in C by map() — loops run to thousands of picks across a fleet.
        cycles = [cycle(chunk_ids) for chunk_ids, _ in expanded]
        order = self._order(weights, rounds * sum(weights))
        chunk_ids = tuple(map(next, map(cycles.__getitem__, order)))
        slides = frozenset().union(*(slide_ids for _, slide_ids in expanded))
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
        key = (display.languages, display.orientation, pid, playable[1])
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


class _DisplayView:
    """One display and region: the schedules, alerts and slides that can reach it."""

    def __init__(self, resolver: Resolver, display: DisplaySpec, region: str) -> None:
        self.resolver, self.display, self.region = resolver, display, region
        self.content = resolver.content
        self.zone = ZoneInfo(display.timezone)

    @cached_property
    def schedules(self) -> list[ScheduleSpec]:
        return [s for s in self.resolver.reaching(self.display) if s.region == self.region]

    @cached_property
    def alerts(self) -> list[AlertSpec]:
        return [a for a in self.content.alerts if any(reaches(self.display, t) for t in a.targets)]

    @cached_property
    def parts(self) -> list[Part]:
        """What of each schedule the answer depends on: a schedule's dates and target
        only decide when it is on (and, for fallbacks, its level)."""
        found: list[Part] = []
        for schedule in self.schedules:
            rank = _RANKS.get(schedule.tier, OTHER)
            if rank == CAMPAIGN:
                found.append((rank, schedule.playlist_id, 1, 0))  # campaigns play at weight 1
            elif rank == FALLBACK:
                level = fallback_level(self.display, schedule.target)
                found.append((rank, schedule.playlist_id, schedule.weight, level))
            else:
                found.append((rank, schedule.playlist_id, schedule.weight, 0))
        return found

    # -- the timeline ---------------------------------------------------------------------
    def timeline(self, start: datetime, end: datetime) -> list[Segment]:
        first = start.astimezone(self.zone).date()
        last = (end - timedelta(microseconds=1)).astimezone(self.zone).date()
        # Occurrences of the day before reach into the first day (22:00–06:00).
        occurrences, zone, before = self.resolver.occurrences, self.zone, first - ONE_DAY
        # A sweep over the schedules' edges keeps the active set (a bit per schedule); the
        # answer only changes where some schedule, power window, slide validity or alert
        # starts or ends. At one instant ends sort before starts.
        events = sorted(
            (instant, starting, index)
            for index, schedule in enumerate(self.schedules)
            for begin, stop in occurrences(schedule.recurrence, zone, before, last)
            for instant, starting in ((begin, 1), (stop, 0))
        )
        power = self._power(before, last)
        midnights = [
            local_instant(first + ONE_DAY * n, 0, zone) for n in range((last - first).days + 2)
        ]
        origin, finish = midnights[0], max(end, midnights[0])
        validity = self.resolver.validity_edges(zone)
        cuts = {*midnights, finish, *(e[0] for e in events)}
        cuts.update(validity[bisect_right(validity, origin) : bisect_right(validity, finish)])
        for begin, stop in power or ():
            cuts.update((begin, stop))
        for alert in self.alerts:
            cuts.update(t for t in (alert.starts_at, alert.ends_at) if t is not None)
        ordered = sorted(c for c in cuts if origin <= c <= finish)
        midnight_set = set(midnights)
        # Equal active sets between equal validity edges give equal answers (the same
        # windows recur every day), so each is worked out once per display.
        answers: dict[tuple[int, int, bool], Answer] = {}
        mask, position, count = 0, 0, len(events)
        powered, power_at, power_count = power is None, 0, len(power or ())
        runs: list[list[Any]] = []  # [start, end, tier, blank, alerts, loop], merged as we go
        for begin, stop in pairwise(ordered):
            while position < count and events[position][0] <= begin:
                _, starting, index = events[position]
                mask = mask | (1 << index) if starting else mask & ~(1 << index)
                position += 1
            if power is not None:  # merged and ordered: the one that may cover `begin`
                while power_at < power_count and power[power_at][1] <= begin:
                    power_at += 1
                powered = power_at < power_count and power[power_at][0] <= begin
            key = (mask, bisect_right(validity, begin), powered)
            answer = answers.get(key)
            if answer is None:
                answer = answers[key] = self._answer(begin, mask, key[1]) if powered else UNPOWERED
            tier, blank, loop = answer
            alerts = self._alerts_at(begin, powered) if self.alerts else ()
            last_run = runs[-1] if runs else None
            if (
                last_run is not None
                and begin not in midnight_set
                and last_run[2] is tier
                and last_run[3] == blank
                and last_run[4] == alerts
                and (last_run[5] is loop or last_run[5] == loop)
            ):
                last_run[1] = stop
            else:
                runs.append([begin, stop, tier, blank, alerts, loop])
        # Clipping to [start, end) keeps each segment's anchor: where its run began.
        return [
            Segment(self.region, max(b, start), min(e, end), b, tier, blank, alerts, loop)
            for b, e, tier, blank, alerts, loop in runs
            if e > start and b < end
        ]

    def _power(self, first: date, last: date) -> list[Interval] | None:
        if not self.display.power:
            return None
        found: list[Interval] = []
        for recurrence in self.display.power:
            found += self.resolver.occurrences(recurrence, self.zone, first, last)
        return merge(found)

    # -- the answer at one instant ----------------------------------------------------------
    def _answer(self, t: datetime, mask: int, stretch: int) -> Answer:
        """The powered answer at `t` for the schedules in `mask`. It depends only on the
        schedules' parts, the display's languages, orientation and zone, and which slides
        are valid (constant between validity edges), so displays alike in those share it."""
        parts = frozenset(part for index, part in enumerate(self.parts) if mask >> index & 1)
        display = self.display
        key = (display.languages, display.orientation, self.zone.key, stretch, parts)
        shared = self.resolver._answers
        found = shared.get(key)
        if found is None:
            found = shared[key] = self._content_answer(t, parts)
        return found

    def _content_answer(self, t: datetime, parts: frozenset[Part]) -> Answer:
        """Rules 5 and 6 at `t`, given the parts of the schedules on at `t`."""
        for rank, tier in ((CAMPAIGN, Tier.CAMPAIGN), (NORMAL, Tier.NORMAL)):
            weights: dict[int, int] = {}
            for part_rank, pid, weight, _ in parts:
                if part_rank == rank:
                    weights[pid] = max(weights.get(pid, 0), weight)
            loop = self._loop(weights, t)
            if loop:
                return tier, False, loop
        levels: dict[int, dict[int, int]] = {}
        for part_rank, pid, weight, level in parts:
            if part_rank == FALLBACK:
                at_level = levels.setdefault(level, {})
                at_level[pid] = max(at_level.get(pid, 0), weight)
        for level in sorted(levels):
            loop = self._loop(levels[level], t)
            if loop:
                return Tier.FALLBACK, False, loop
        return Tier.BRAND, False, EMPTY_LOOP

    def _loop(self, weights: dict[int, int], t: datetime) -> Loop:
        """The loop of playlists at their weights (a playlist reached twice counts once,
        at its largest weight), over their slides playable at `t`."""
        items: dict[int, Playable] = {}
        for pid in weights:
            playable = self._candidates(pid).at(t)
            if playable[0]:
                items[pid] = playable
        if not items:
            return EMPTY_LOOP
        return self.resolver.loop(self.display, sorted((pid, weights[pid]) for pid in items), items)

    def _candidates(self, pid: int) -> Candidates:
        return self.resolver.candidates(
            self.content.playlists[pid], self.display.orientation, self.zone
        )

    def _alerts_at(self, t: datetime, powered: bool) -> tuple[AlertShown, ...]:
        """Rule 1: newest critical fullscreen (hiding banner and ticker), else newest
        warning as banner, infos in the ticker; the rest wait. Outside power windows only
        critical and warning alerts show, so infos wait there too."""
        active = sorted(
            (a for a in self.alerts if a.starts_at <= t and (a.ends_at is None or t < a.ends_at)),
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
