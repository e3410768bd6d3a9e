"""A seeded, reproducible municipality at scale for the resolver benchmarks.

10,000 displays in a 4-level tree (1 municipality, 8 departments, 40 areas, 400
workplaces), 500 groups, 2,000 playlists of 5–20 slides and 20,000 schedules spread over
the levels with a mix of windows, rrules and tiers.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import date, timedelta

from signage.core.model import (
    Content,
    DisplaySpec,
    PlaylistSpec,
    Recurrence,
    ScheduleSpec,
    SlideSpec,
    Target,
    TargetKind,
    Tier,
)

DEPARTMENTS, AREAS_PER_DEPARTMENT, WORKPLACES_PER_AREA = 8, 5, 10
DISPLAYS, GROUPS, PLAYLISTS, SCHEDULES = 10_000, 500, 2_000, 20_000
RRULES = [
    None,
    None,
    "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "FREQ=WEEKLY;BYDAY=SA,SU",
    "FREQ=MONTHLY;BYMONTHDAY=1,15",
    "FREQ=DAILY",
]
WINDOWS = [
    None,
    None,
    (7 * 60, 18 * 60),
    (22 * 60, 6 * 60),
    (6 * 60, 14 * 60),
    (14 * 60, 22 * 60),
    (11 * 60, 13 * 60),
]
TIMEZONES = ["Europe/Copenhagen"] * 9 + ["Atlantic/Faroe"]
# Where the 20,000 schedules sit: (level, count), spread over the targets of each level
# (≈ 2.5 per department, 2.5 per area, 5 per workplace, 4 per group, 1.6 per display),
# so a display is reached by about 28 schedules, of which about a third are open-ended.
LEVELS = [
    ("all", 10),
    ("department", 20),
    ("area", 100),
    ("workplace", 2_000),
    ("group", 2_000),
    ("display", 15_870),
]


@dataclass
class Municipality:
    content: Content
    displays: list[DisplaySpec]
    parents: dict[int, int | None]
    workplaces: list[int]
    departments: list[int]
    seed: int

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        digest.update(repr(sorted(self.content.schedules, key=lambda s: s.id)).encode())
        digest.update(repr(sorted(self.content.playlists.items())).encode())
        digest.update(repr(self.displays).encode())
        return digest.hexdigest()[:16]

    def __post_init__(self) -> None:
        # As the propagator's warm snapshot indexes displays by target once, not per change.
        self._at: dict[int, list[DisplaySpec]] = {}
        for display in self.displays:
            for ancestor in display.locations:
                self._at.setdefault(ancestor, []).append(display)

    def displays_at(self, location: int) -> list[DisplaySpec]:
        """Displays in a location's subtree (the propagator asks the database, by index)."""
        return self._at.get(location, [])


def _span(rng: random.Random) -> tuple[date | None, date | None]:
    """A schedule's dates: a third run open-ended; the rest are runs of one to eight
    weeks spread over the year, as content accumulates in a real municipality."""
    if rng.random() < 1 / 3:
        return None, None
    starts = date(2026, 1, 1) + timedelta(days=rng.randrange(365))
    return starts, starts + timedelta(weeks=rng.randint(1, 8))


def build(seed: int = 20261126) -> Municipality:
    rng = random.Random(seed)
    parents: dict[int, int | None] = {1: None}
    departments, areas, workplaces = [], [], []
    next_id = 2
    for _ in range(DEPARTMENTS):
        department, next_id = next_id, next_id + 1
        parents[department] = 1
        departments.append(department)
        for _ in range(AREAS_PER_DEPARTMENT):
            area, next_id = next_id, next_id + 1
            parents[area] = department
            areas.append(area)
            for _ in range(WORKPLACES_PER_AREA):
                workplace, next_id = next_id, next_id + 1
                parents[workplace] = area
                workplaces.append(workplace)

    slides: dict[int, SlideSpec] = {}
    playlists: dict[int, PlaylistSpec] = {}
    slide_id = 1
    for playlist_id in range(1, PLAYLISTS + 1):
        items = []
        for _ in range(rng.randint(5, 20)):
            slides[slide_id] = SlideSpec(
                slide_id,
                slide_id * 10,
                duration=rng.choice([None, 8, 10, 12, 15]),
                orientation=rng.choice(["any"] * 8 + ["landscape", "portrait"]),
                languages=frozenset(rng.sample(["en", "uk", "pl"], rng.randint(0, 2))),
                valid_until=rng.choice([None] * 9 + [date(2026, 12, 2)]),
            )
            items.append((slide_id, rng.choice([None, None, 6])))
            slide_id += 1
        playlists[playlist_id] = PlaylistSpec(playlist_id, tuple(items))

    group_members: dict[int, list[int]] = {g: [] for g in range(1, GROUPS + 1)}
    displays: list[DisplaySpec] = []
    for display_id in range(1, DISPLAYS + 1):
        workplace = workplaces[(display_id - 1) % len(workplaces)]
        chain = [workplace]
        while parents[chain[-1]] is not None:
            chain.append(parents[chain[-1]])  # type: ignore[arg-type]
        groups = frozenset(rng.sample(range(1, GROUPS + 1), rng.randint(0, 3)))
        for group in groups:
            group_members[group].append(display_id)
        displays.append(
            DisplaySpec(
                display_id,
                rng.choice(TIMEZONES),
                rng.choice(["landscape"] * 4 + ["portrait"]),
                tuple(rng.sample(["da", "en", "uk"], rng.randint(1, 2))),
                tuple(chain),
                groups,
                power=rng.choice([(), (), (Recurrence(window=(6 * 60, 23 * 60)),)]),
            )
        )

    targets = {
        "all": [Target(TargetKind.ALL)],
        "department": [Target(TargetKind.LOCATION, d) for d in departments],
        "area": [Target(TargetKind.LOCATION, a) for a in areas],
        "workplace": [Target(TargetKind.LOCATION, w) for w in workplaces],
        "group": [Target(TargetKind.GROUP, g) for g in range(1, GROUPS + 1)],
        "display": [Target(TargetKind.DISPLAY, d) for d in range(1, DISPLAYS + 1)],
    }
    schedules = []
    schedule_id = 1
    for level, count in LEVELS:
        for _ in range(count):
            tier = rng.choices([Tier.NORMAL, Tier.FALLBACK, Tier.CAMPAIGN], [85, 12, 3])[0]
            starts, ends = _span(rng)
            recurrence = Recurrence(
                rrule=rng.choice(RRULES),
                window=rng.choice(WINDOWS),
                holidays=rng.choice([None, "dk"]),
                starts=starts,
                ends=ends,
            )
            schedules.append(
                ScheduleSpec(
                    schedule_id,
                    rng.randint(1, PLAYLISTS),
                    rng.choice(targets[level]),
                    recurrence,
                    tier,
                    rng.randint(1, 4) if tier == Tier.NORMAL else 1,
                )
            )
            schedule_id += 1
    holidays = {"dk": frozenset({date(2026, 12, 24), date(2026, 12, 25), date(2026, 12, 26)})}
    content = Content(tuple(schedules), playlists, slides, (), "da", holidays)
    return Municipality(content, displays, parents, workplaces, departments, seed)
