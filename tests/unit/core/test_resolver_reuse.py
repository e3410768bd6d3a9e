"""A resolver patched for one schedule change answers exactly like a fresh one."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from bench.world import build
from signage.core.model import Recurrence, ScheduleSpec, Target, TargetKind, Tier
from signage.core.timeline import Resolver

START = datetime(2026, 11, 26, tzinfo=UTC)
END = datetime(2026, 11, 29, tzinfo=UTC)


def test_a_changed_added_and_removed_schedule_give_the_same_timelines_as_a_fresh_resolver() -> None:
    world = build(seed=3)
    warm = Resolver(world.content)
    displays = world.displays_at(world.workplaces[0])
    for display in displays:
        warm.timeline(display, START, END)  # fill the caches
    target = Target(TargetKind.LOCATION, world.workplaces[0])
    old = next(s for s in world.content.schedules if s.target == target)
    changed = replace(old, recurrence=Recurrence(window=(9 * 60, 11 * 60)), tier=Tier.CAMPAIGN)
    added = ScheduleSpec(10**6, 1093, target, Recurrence(window=(22 * 60, 6 * 60)), weight=2)
    for before, after, visible in ((old, changed, True), (None, added, True), (old, None, False)):
        patched = warm.with_schedule(before, after)
        fresh = Resolver(patched.content)
        differs = False
        for display in displays:
            answer = patched.timeline(display, START, END)
            assert answer == fresh.timeline(display, START, END)
            differs |= answer != warm.timeline(display, START, END)
        assert differs or not visible, "the change should alter what some display shows"
    assert len(warm.with_schedule(old, None).content.schedules) == len(world.content.schedules) - 1


def test_a_schedule_edited_from_an_unknown_playlist_to_a_known_one_starts_reaching() -> None:
    world = build(seed=3)
    target = Target(TargetKind.LOCATION, world.workplaces[0])
    orphan = ScheduleSpec(10**6, 10**9, target, Recurrence(window=(9 * 60, 11 * 60)), weight=3)
    warm = Resolver(replace(world.content, schedules=(*world.content.schedules, orphan)))
    display = world.displays_at(world.workplaces[0])[0]
    warm.timeline(display, START, END)
    patched = warm.with_schedule(orphan, replace(orphan, playlist_id=1093))
    fresh = Resolver(patched.content)
    assert patched.timeline(display, START, END) == fresh.timeline(display, START, END)
    assert any(s.id == orphan.id for s in patched.reaching(display))
