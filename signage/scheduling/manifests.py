"""Manifests: a display's resolved timeline over its horizon, with the slides it plays.

The horizon runs from the last local midnight to 48 h past the next one. `version` is
the SHA-256 of the canonical JSON without `server_time`, so equal content gives an
equal version and a kiosk refetches only when something it shows changed.
"""

from __future__ import annotations

import gc
import hashlib
import json
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from signage.core.layouts import layout_of
from signage.core.model import AlertShown, DisplaySpec, Entry, Loop, Recurrence, Segment, Tier
from signage.core.timeline import EPOCH, Resolver
from signage.player.version import player_version

# A slide payload's key for its assets per screen size, (width, height) → assets; each
# manifest carries the assets for its display's size as `assets`.
ASSETS_BY_SCREEN = "assets_by_screen"

HORIZON_AFTER_NEXT_MIDNIGHT = timedelta(hours=48)


def horizon(display: DisplaySpec, now: datetime) -> tuple[datetime, datetime]:
    zone = ZoneInfo(display.timezone)
    today = now.astimezone(zone).date()
    start = datetime.combine(today, time(), tzinfo=zone)
    next_midnight = datetime.combine(today + timedelta(days=1), time(), tzinfo=zone)
    # 48 real hours: add in UTC, since same-zone arithmetic is wall-clock across DST.
    end = (next_midnight.astimezone(UTC) + HORIZON_AFTER_NEXT_MIDNIGHT).astimezone(zone)
    return start, end


def rebuild_time(display: DisplaySpec, now: datetime) -> datetime:
    """The next local day's rebuild, jittered per display between 01:00 and 05:00 so that
    a fleet does not rebuild (and refetch) in one burst."""
    zone = ZoneInfo(display.timezone)
    jitter = int(hashlib.sha256(f"rebuild:{display.id}".encode()).hexdigest(), 16) % (4 * 60)
    tomorrow = now.astimezone(zone).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(1), tzinfo=zone) + timedelta(minutes=jitter)


def segment_json(segment: Segment) -> dict[str, Any]:
    return {
        "region": segment.region,
        "start": segment.start.isoformat(),
        "end": segment.end.isoformat(),
        "anchor": segment.anchor.isoformat(),
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


def canonical(body: Any) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class ManifestWriter:
    """Writes canonical manifest JSON from fragments it has written before.

    A fleet's manifests repeat the same loops and slides many times over; each distinct
    loop (the resolver hands out one object per distinct loop) and each slide is encoded
    once, and a manifest is joined from its fragments in one go. The text is byte-for-byte
    what `canonical()` gives for the same body, which a test checks.
    """

    def __init__(self, slide_payloads: dict[int, dict[str, Any]], brand: dict[str, Any]) -> None:
        self.slide_payloads = slide_payloads
        self.brand_text = canonical(brand)
        self._slides: dict[tuple[int, int], _SlideTexts] = {}
        # Canonical JSON orders the slides object by key, that is by the ids as text.
        self._slide_order = {
            slide_id: rank for rank, slide_id in enumerate(sorted(slide_payloads, key=str))
        }
        # Loop texts by the loop's id; holding the loops keeps each id theirs.
        self._loop_texts: dict[int, str] = {}
        self._held: list[Loop] = []
        self._heads: dict[tuple[object, ...], str] = {}
        self._horizons: dict[tuple[str, datetime], tuple[datetime, datetime, str]] = {}
        self._player_version = _text(player_version())
        self._isos: dict[int, str] = {}
        self._powers: dict[tuple[Recurrence, ...], str] = {}
        self._layouts: dict[tuple[str, str], str] = {}
        self._languages: dict[str, str] = {}
        self._tails: dict[tuple[object, ...], str] = {}
        self._registry: Sequence[tuple[Entry, ...]] | None = None
        self._texts: list[str] = []

    def build_many(
        self, resolver: Resolver, displays: Iterable[DisplaySpec], now: datetime
    ) -> Iterator[tuple[DisplaySpec, str, str, datetime]]:
        """`build` for each display as it is asked for, with full garbage collections
        held off until the last.

        Lazily, so that a reader which stores or drops each manifest before taking more
        holds a batch of texts, not a fleet's: 10,000 manifests are ~1.5 GB of text, and
        fresh memory for all of them took half of a full build's time.

        A fleet's build leaves hundreds of thousands of cached objects (answers, loops,
        chunks) that form no cycles. While they pile up, the collector would walk all of
        them again at every quarter of growth (a fifth of a full build's time); held
        off, that happens once, after the batch. Young objects are still collected.
        """
        with _full_collections_held_off():
            for display in displays:
                yield (display, *self.build(resolver, display, now))

    def build(
        self, resolver: Resolver, display: DisplaySpec, now: datetime
    ) -> tuple[str, str, datetime]:
        """(version, canonical body without server_time, valid_until) for one display.

        Alerts are not in the manifest (they come over the socket and /player/api/alerts):
        give a resolver whose content has none.
        """
        start, end, closing = self._horizon(display, now)
        parts = [
            f'{{"brand":{self.brand_text},"display":{display.id},'
            f'"layout":{self._layout(display)},"player_version":{self._player_version},'
            f'"power":{self._power(display.power)},"segments":['
        ]
        separator = ""
        loops: dict[int, Loop] = {}  # the distinct loops, for the slides they show
        head, loop_text, tail = self._head, self._loop, self._tail
        for region in resolver.regions(display):
            for begin, stop, anchor, tier, blank, alerts, loop in resolver.runs(
                display, start, end, region
            ):
                parts += (
                    separator,
                    head(alerts, anchor, blank, stop),
                    loop_text(loop),
                    tail(region, begin, tier),
                )
                separator = ","
                loops[id(loop)] = loop
        shown = set().union(*[loop.slides for loop in loops.values()])
        order = self._slide_order
        listed = sorted(filter(order.__contains__, shown), key=order.__getitem__)
        texts = self._slides.get(display.resolution)
        if texts is None:
            texts = self._slides[display.resolution] = _SlideTexts(
                self.slide_payloads, display.resolution
            )
        parts += ('],"slides":{', ",".join(map(texts.__getitem__, listed)), closing)
        text = "".join(parts)
        return hashlib.sha256(text.encode()).hexdigest(), text, end

    def _layout(self, display: DisplaySpec) -> str:
        """The layout's regions and their rectangles for the display's orientation."""
        key = (display.layout, display.orientation)
        found = self._layouts.get(key)
        if found is None:
            layout = layout_of(display.layout).to_json(display.orientation)
            found = self._layouts[key] = canonical(layout)
        return found

    def _power(self, power: tuple[Recurrence, ...]) -> str:
        found = self._powers.get(power)
        if found is None:
            found = self._powers[power] = canonical([_power_json(p) for p in power])
        return found

    def _horizon(self, display: DisplaySpec, now: datetime) -> tuple[datetime, datetime, str]:
        """The horizon, and the manifest's members after its slides, per zone."""
        key = (display.timezone, now)
        found = self._horizons.get(key)
        if found is None:
            start, end = horizon(display, now)
            closing = (
                f'}},"timezone":{_text(display.timezone)},'
                f'"valid_from":"{start.isoformat()}","valid_until":"{end.isoformat()}"}}'
            )
            found = self._horizons[key] = (start, end, closing)
        return found

    def _iso(self, us: int) -> str:
        """An instant in µs as the timeline API writes it (UTC); a fleet's segments start
        and end at a few instants (midnights, windows)."""
        found = self._isos.get(us)
        if found is None:
            found = self._isos[us] = (EPOCH + timedelta(microseconds=us)).isoformat()
        return found

    def _head(self, alerts: tuple[AlertShown, ...], anchor: int, blank: bool, end: int) -> str:
        """A segment's members before its loop (keys in canonical order)."""
        key = (alerts, anchor, blank, end)
        found = self._heads.get(key)
        if found is None:
            shown = ",".join(
                f'{{"id":{a.id},"severity":"{a.severity.value}","shown":"{a.shown}"}}'
                for a in alerts
            )
            found = self._heads[key] = (
                f'{{"alerts":[{shown}],"anchor":"{self._iso(anchor)}",'
                f'"blank":{"true" if blank else "false"},"end":"{self._iso(end)}","loop":'
            )
        return found

    def _tail(self, region: str, start: int, tier: Tier | None) -> str:
        """A segment's members after its loop."""
        key = (region, start, tier)
        found = self._tails.get(key)
        if found is None:
            value = f'"{tier.value}"' if tier else "null"
            found = self._tails[key] = (
                f',"region":{_text(region)},"start":"{self._iso(start)}","tier":{value}}}'
            )
        return found

    def _loop(self, loop: Loop) -> str:
        text = self._loop_texts.get(id(loop))
        if text is None:
            texts = self._chunk_texts(loop.chunks)
            text = "[" + ",".join(map(texts.__getitem__, loop.chunk_ids)) + "]"
            self._loop_texts[id(loop)] = text
            self._held.append(loop)
        return text

    def _language(self, language: str) -> str:
        found = self._languages.get(language)
        if found is None:
            found = self._languages[language] = _text(language)
        return found

    def _chunk_texts(self, chunks: Sequence[tuple[Entry, ...]]) -> list[str]:
        """Encoded chunks by the ids loops use. The registry only grows, so only the chunks
        added since the last call are encoded."""
        if self._registry is not chunks:
            self._registry, self._texts = chunks, []
        texts = self._texts
        for i in range(len(texts), len(chunks)):
            texts.append(
                ",".join(
                    f'{{"duration":{e.duration},"language":{self._language(e.language)},'
                    f'"revision":{e.revision},"slide":{e.slide}}}'
                    for e in chunks[i]
                )
            )
        return texts


class _SlideTexts(dict[int, str]):
    """Each slide's `"id":{payload}` member of the slides object for one screen size,
    encoded when first asked for (a dict so that lookups of encoded slides stay in C)."""

    def __init__(self, payloads: dict[int, dict[str, Any]], resolution: tuple[int, int]) -> None:
        super().__init__()
        self.payloads = payloads
        self.resolution = resolution

    def __missing__(self, slide_id: int) -> str:
        payload = self.payloads[slide_id]
        by_screen = payload.get(ASSETS_BY_SCREEN)
        if by_screen is not None:
            payload = {k: v for k, v in payload.items() if k != ASSETS_BY_SCREEN}
            payload["assets"] = by_screen.get(self.resolution, [])
        text = self[slide_id] = f'"{slide_id}":{canonical(payload)}'
        return text


class _FullCollectionHold:
    """Holds off full (generation 2) garbage collections while entered. Nested and
    concurrent batches share one hold; the last to leave restores the threshold."""

    HELD_THRESHOLD = 1_000_000_000  # generation-1 collections before a full one

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._saved = gc.get_threshold()

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._depth == 0:
                self._saved = gc.get_threshold()
                gc.set_threshold(self._saved[0], self._saved[1], self.HELD_THRESHOLD)
            self._depth += 1
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    gc.set_threshold(*self._saved)


_full_collections_held_off = _FullCollectionHold()


def _text(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


def _power_json(power: Recurrence) -> dict[str, Any]:
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
    head = json.dumps({"server_time": now.isoformat(), "version": version}, separators=(",", ":"))
    return head[:-1] + "," + text[1:]
