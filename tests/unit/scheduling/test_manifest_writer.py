"""The manifest writer's fast text is exactly the canonical JSON of the same body."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, date, datetime

from bench.world import build
from signage.core.model import Content, DisplaySpec, Recurrence
from signage.core.timeline import Resolver
from signage.scheduling.manifests import ManifestWriter, canonical, horizon, segment_json

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


def payloads(content: Content) -> dict[int, dict[str, object]]:
    return {
        slide.id: {
            "revision": slide.revision,
            "title": f"Slide «{slide.id}» – ø",
            "kind": "text",
            "fields": {"heading": f'"Overskrift" {slide.id}\n'},
            "variants": {},
        }
        for slide in content.slides.values()
    }


def test_the_written_text_is_canonical_json_and_hashes_to_its_version() -> None:
    world = build(seed=7)
    resolver = Resolver(world.content)
    writer = ManifestWriter(
        payloads(world.content), {"name": "Kommune", "palette": {"b": 1, "a": 2}}
    )
    for display in world.displays[:40]:
        version, text, until = writer.build(resolver, display, NOW)
        body = json.loads(text)
        assert canonical(body) == text
        assert hashlib.sha256(text.encode()).hexdigest() == version
        assert body["valid_until"] == until.isoformat()
        shown = {entry["slide"] for segment in body["segments"] for entry in segment["loop"]}
        assert {int(key) for key in body["slides"]} == shown


def test_the_horizon_runs_from_last_local_midnight_to_48_hours_past_the_next() -> None:
    display = DisplaySpec(1, "Europe/Copenhagen", power=(Recurrence(window=(360, 1320)),))
    start, end = horizon(display, datetime(2026, 10, 24, 23, 30, tzinfo=UTC))  # 01:30 local
    assert start.isoformat() == "2026-10-25T00:00:00+02:00"
    assert end.date() == date(2026, 10, 28)
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    assert elapsed.total_seconds() == 73 * 3600  # the autumn day has 25 hours


def test_the_horizon_is_48_real_hours_past_midnight_across_spring_forward() -> None:
    display = DisplaySpec(1, "Europe/Copenhagen")
    start, end = horizon(display, datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    elapsed = end.astimezone(UTC) - start.astimezone(UTC)
    assert elapsed.total_seconds() == (24 + 48) * 3600
    assert end.isoformat() == "2026-03-30T01:00:00+02:00"


def test_manifest_segments_have_the_shape_the_timeline_api_gives() -> None:
    world = build(seed=7)
    resolver = Resolver(world.content)
    writer = ManifestWriter(payloads(world.content), {})
    for display in world.displays[:10]:
        start, end = horizon(display, NOW)
        expected = [segment_json(s) for s in resolver.timeline(display, start, end)]
        assert json.loads(writer.build(resolver, display, NOW)[1])["segments"] == expected
