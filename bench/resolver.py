"""Resolver benchmark (issue 3): manifests for a municipality of 10,000 displays, and
republishing after one schedule change, against a naive baseline in the same run.

    python -m bench.resolver [--seed N]

The naive baseline checks every schedule against every display (no target index, no
shared caches); it is measured on a sample of displays and scaled to the same count.
Exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from itertools import islice
from typing import Any

from bench.world import Municipality, build
from signage.core.model import DisplaySpec, ScheduleSpec, Segment, Target, TargetKind
from signage.core.timeline import Resolver, reaches
from signage.scheduling.manifests import ManifestWriter
from signage.scheduling.propagator import STORE_BATCH

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
FULL_TARGET_S = 10.0
WORKPLACE_TARGET_MS = 20.0
DEPARTMENT_TARGET_MS = 500.0
NAIVE_SAMPLE = 150
REPEATS = 5
BRAND = {"name": "Bench Kommune"}


class NaiveResolver(Resolver):
    """Every schedule checked for every display, and no loops or answers shared between
    displays."""

    def schedule_groups(self, display: DisplaySpec) -> list[list[ScheduleSpec]]:
        # A list of the display's own: nothing worked out from it is shared.
        return [[s for s in self.content.schedules if reaches(display, s.target)]]

    def loop(self, display: Any, picks: Any, items: Any) -> Any:
        return self._build_loop(display, picks, items)

    def timeline(self, display: DisplaySpec, *args: Any, **kwargs: Any) -> list[Segment]:
        self._answers = {}  # each display works its answers out for itself
        return super().timeline(display, *args, **kwargs)


def payloads(world: Municipality) -> dict[int, dict[str, Any]]:
    return {
        slide.id: {
            "revision": slide.revision,
            "title": f"Slide {slide.id}",
            "kind": "text",
            "fields": {"heading": f"Overskrift {slide.id}"},
            "variants": {lang: {"heading": f"Heading {slide.id}"} for lang in slide.languages},
            "pictogram": None,
            "alt": None,
            "assets": [],
        }
        for slide in world.content.slides.values()
    }


def manifests(
    resolver: Resolver, displays: list[DisplaySpec], slides: dict[int, Any]
) -> dict[int, str]:
    return versions(ManifestWriter(slides, BRAND), resolver, displays)


def versions(
    writer: ManifestWriter, resolver: Resolver, displays: list[DisplaySpec]
) -> dict[int, str]:
    """Manifest versions through the propagator's path (ours and naive alike): built
    lazily, with a store batch of texts held at a time as the propagator holds them
    until it has written them."""
    found: dict[int, str] = {}
    built = writer.build_many(resolver, displays, NOW)
    while batch := list(islice(built, STORE_BATCH)):
        found.update((display.id, version) for display, version, _, _ in batch)
    return found


def active_on(world: Municipality, target: Target) -> list[ScheduleSpec]:
    """The schedules on `target` whose dates include the horizon."""
    today = NOW.date()
    return [
        s
        for s in world.content.schedules
        if s.target == target
        and (s.recurrence.ends is None or s.recurrence.ends > today)
        and (s.recurrence.starts is None or s.recurrence.starts <= today)
    ]


def changed_schedule(
    world: Municipality, target: Target, index: int
) -> tuple[ScheduleSpec, ScheduleSpec]:
    """(old, new): a schedule on `target` that is on in the horizon, with its window
    moved: a change that really alters what its displays show."""
    active = active_on(world, target)
    old = active[index % len(active)]
    return old, replace(old, recurrence=replace(old.recurrence, window=(8 * 60 + index, 16 * 60)))


def republish(
    world: Municipality, warm: Resolver, writer: ManifestWriter, target: Target, index: int
) -> tuple[float, float, int]:
    """(ms with the index and warm caches, ms naive, displays republished)."""
    old, new = changed_schedule(world, target, index)
    gc.collect()  # what earlier runs left to the collector is not this run's work
    started = time.perf_counter()
    resolver = warm.with_schedule(old, new)
    affected = world.displays_at(target.id)  # type: ignore[arg-type]
    ours = versions(writer, resolver, affected)
    indexed_ms = (time.perf_counter() - started) * 1000

    gc.collect()
    started = time.perf_counter()
    naive = NaiveResolver(resolver.content)
    naive_affected = [d for d in world.displays if reaches(d, new.target) or reaches(d, old.target)]
    naive_versions = manifests(naive, naive_affected, writer.slide_payloads)
    naive_ms = (time.perf_counter() - started) * 1000
    if naive_versions != ours:
        raise RuntimeError("the indexed and the naive republish disagree")
    return indexed_ms, naive_ms, len(affected)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, default=20261126)
    args = parser.parse_args()
    world = build(args.seed)
    slides = payloads(world)
    print(
        f"seed {args.seed}, input {world.fingerprint()}: {len(world.displays)} displays, "
        f"{len(world.content.schedules)} schedules, {len(world.content.playlists)} playlists"
    )

    resolver = Resolver(world.content)
    # One writer kept across runs, as a long-running propagator keeps its resolver.
    writer = ManifestWriter(slides, BRAND)
    gc.collect()
    started = time.perf_counter()
    full = versions(writer, resolver, world.displays)
    full_s = time.perf_counter() - started
    gc.collect()
    started = time.perf_counter()
    sample = world.displays[:NAIVE_SAMPLE]
    manifests(NaiveResolver(world.content), sample, slides)
    naive_full_s = (time.perf_counter() - started) / len(sample) * len(world.displays)
    if len(full) != len(world.displays):
        raise RuntimeError("not every display got a manifest")

    rows = [
        (
            "48 h manifests, all displays",
            full_s * 1000,
            naive_full_s * 1000,
            FULL_TARGET_S * 1000,
            len(world.displays),
        )
    ]
    for label, targets, goal in (
        ("schedule change on a workplace", world.workplaces, WORKPLACE_TARGET_MS),
        ("schedule change on a department", world.departments, DEPARTMENT_TARGET_MS),
    ):
        chosen = [t for t in targets if active_on(world, Target(TargetKind.LOCATION, t))]
        runs = [
            republish(world, resolver, writer, Target(TargetKind.LOCATION, chosen[i]), i)
            for i in range(REPEATS)
        ]
        rows.append(
            (
                label,
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
                goal,
                int(statistics.median(r[2] for r in runs)),
            )
        )

    print(
        f"{'measure':34} {'displays':>8} {'ours ms':>10} {'naive ms':>10} {'ratio':>7} "
        f"{'target ms':>10}  result"
    )
    missed = False
    for label, ours, naive, goal, count in rows:
        ok = ours <= goal
        missed |= not ok
        print(
            f"{label:34} {count:8d} {ours:10.1f} {naive:10.1f} {naive / ours:6.1f}x "
            f"{goal:10.0f}  {'ok' if ok else 'MISSED'}"
        )
    print(
        f"(naive full build measured on {NAIVE_SAMPLE} displays and scaled; republish "
        f"figures are medians of {REPEATS} changes)"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
