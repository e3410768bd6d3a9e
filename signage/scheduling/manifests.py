"""Manifests: a display's resolved timeline over its horizon, with the slides it plays.

The horizon runs from the last local midnight to 48 h past the next one. `version` is
the SHA-256 of the canonical JSON without `server_time`, so equal content gives an
equal version and a kiosk refetches only when something it shows changed.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from signage.core.model import DisplaySpec, Segment
from signage.core.timeline import Resolver

PLAYER_VERSION = "1"
HORIZON_AFTER_NEXT_MIDNIGHT = timedelta(hours=48)


def horizon(display: DisplaySpec, now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(display.timezone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(), tzinfo=zone)
    next_midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
    return start, next_midnight + HORIZON_AFTER_NEXT_MIDNIGHT


def rebuild_time(display: DisplaySpec, now: datetime) -> datetime:
    """The next local day's rebuild, jittered per display between 01:00 and 05:00 so that
    a fleet does not rebuild (and refetch) in one burst."""
    zone = ZoneInfo(display.timezone)
    jitter = int(hashlib.sha256(f"rebuild:{display.id}".encode()).hexdigest(), 16) % (4 * 60)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(1), tzinfo=zone) + timedelta(minutes=jitter)


def iso(value: datetime) -> str:
    return value.isoformat()


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "region": segment.region,
        "start": iso(segment.start),
        "end": iso(segment.end),
        "anchor": iso(segment.anchor),
        "tier": segment.tier.value if segment.tier else None,
        "blank": segment.blank,
        "alerts": [
            {"id": a.id, "severity": a.severity.value, "shown": a.shown} for a in segment.alerts
        ],
        "loop": [
            {
                "slide": e.slide,
                "revision": e.revision,
                "duration": e.duration,
                "language": e.language,
            }
            for e in segment.loop
        ],
    }


def canonical(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def build_manifest(
    resolver: Resolver,
    display: DisplaySpec,
    now: datetime,
    slide_payloads: dict[int, dict[str, Any]],
    brand: dict[str, Any],
) -> tuple[str, str, datetime]:
    """(version, canonical body without server_time, valid_until) for one display.

    Alerts are not in the manifest (they come over the socket and /player/api/alerts):
    give a resolver whose content has none.
    """
    start, end = horizon(display, now)
    segments: list[Segment] = []
    for region in resolver.regions(display):
        segments += resolver.timeline(display, start, end, region)
    shown = sorted({entry.slide for segment in segments for entry in segment.loop})
    body = {
        "display": display.id,
        "player_version": PLAYER_VERSION,
        "timezone": display.timezone,
        "valid_from": iso(start),
        "valid_until": iso(end),
        "power": [_power_json(p) for p in display.power],
        "brand": brand,
        "segments": [segment_json(s) for s in segments],
        "slides": {str(i): slide_payloads[i] for i in shown if i in slide_payloads},
    }
    text = canonical(body)
    version = hashlib.sha256(text.encode()).hexdigest()
    return version, text, end


def _power_json(power: Any) -> dict[str, Any]:
    window = power.window
    return {
        "rrule": power.rrule,
        "window": [
            f"{window[0] // 60:02d}:{window[0] % 60:02d}",
            f"{window[1] // 60:02d}:{window[1] % 60:02d}",
        ]
        if window
        else None,
        "holidays": power.holidays,
        "exdates": sorted(d.isoformat() for d in power.exdates),
    }


def with_server_time(text: str, version: str, now: datetime) -> str:
    """The stored body as served, with its version and the server's clock spliced in
    (no re-encoding of what may be a large document)."""
    head = json.dumps({"server_time": iso(now), "version": version}, separators=(",", ":"))
    return head[:-1] + "," + text[1:]
