"""Feed documents to items: plain text only, the same shape for every kind of feed.

An item is `{"title", "summary"?, "place"?, "published"?, "starts"?, "ends"?,
"all_day"?}`: strings without markup (HTML is stripped here, on the server, so nothing
but text reaches a kiosk), ISO 8601 instants with their offset, and dates for all-day
events. Pure: bytes and `now` in, items out; no network, no database.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import feedparser
import icalendar
import nh3
import recurring_ical_events

MAX_ITEMS = 50
TITLE_CHARS = 200
SUMMARY_CHARS = 600
PLACE_CHARS = 200
EVENT_DAYS = 60  # how far ahead a calendar's events are read
# Block elements end a word: "<p>a</p><p>b</p>" reads "a b", not "ab".
_BLOCK_TAG = re.compile(
    r"<(?=/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|blockquote|section|article|hr|dd|dt)\b)",
    re.IGNORECASE,
)
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_STRIP_PASSES = 3


class FeedError(ValueError):
    """The document is not a feed of this kind; `code` names why for the console."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


def plain_text(value: object, limit: int) -> str:
    """Text without markup: tags dropped (script and style with their content), entities
    decoded, whitespace collapsed, at most `limit` characters. Decoding is repeated until
    nothing changes, so escaped markup (`&lt;script&gt;`) cannot come back as markup."""
    text = str(value or "")
    for _ in range(_STRIP_PASSES):
        spaced = _BLOCK_TAG.sub(" <", text)
        cleaned = html.unescape(nh3.clean(spaced, tags=set(), strip_comments=True))
        cleaned = _WHITESPACE.sub(" ", _CONTROL.sub("", cleaned)).strip()
        if cleaned == text:
            break
        text = cleaned
    return shorten(text, limit)


def shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut[limit // 2 :]:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,.;:-") + "…"


# -- RSS and Atom ---------------------------------------------------------------------
def news_items(document: bytes) -> list[dict[str, Any]]:
    """The entries of an RSS (0.9x–2.0) or Atom feed, in the feed's order."""
    # A file object, never bytes or text: feedparser opens a string that looks like an
    # address or a path itself, which would read local files or go round the guard.
    parsed = feedparser.parse(io.BytesIO(document), resolve_relative_uris=False)
    if not parsed.get("version") and not parsed.entries:
        reason = str(parsed.get("bozo_exception") or "no entries")
        raise FeedError("not_a_feed", f"this is not an RSS or Atom feed ({reason[:200]})")
    items = []
    for entry in parsed.entries:
        item = _news_item(entry)
        if item is not None:
            items.append(item)
        if len(items) == MAX_ITEMS:
            break
    return items


def _news_item(entry: Mapping[str, Any]) -> dict[str, Any] | None:
    title = plain_text(entry.get("title"), TITLE_CHARS)
    content = entry.get("content") or [{}]
    summary = plain_text(entry.get("summary") or content[0].get("value"), SUMMARY_CHARS)
    if not title and not summary:
        return None
    item: dict[str, Any] = {"title": title or shorten(summary, TITLE_CHARS)}
    if summary and summary != title:
        item["summary"] = summary
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if stamp:
        year, month, day, hour, minute, second = stamp[:6]
        item["published"] = datetime(year, month, day, hour, minute, second, tzinfo=UTC).isoformat()
    return item


# -- iCalendar ------------------------------------------------------------------------
def event_items(document: bytes, now: datetime, zone: ZoneInfo) -> list[dict[str, Any]]:
    """The events of an iCalendar document that have not ended by `now` and start within
    EVENT_DAYS, recurrences expanded (RRULE, RDATE, EXDATE, moved occurrences), soonest
    first. Times keep their own zone's offset, so 17:00 in Copenhagen stays 17:00 across
    the change to summer time; floating times are read in `zone`. Cancelled and private
    events are left out: a screen in a foyer is public."""
    try:
        calendar = icalendar.Calendar.from_ical(document)
    except ValueError as exc:
        raise FeedError("not_a_calendar", f"this is not an iCalendar file ({exc})") from exc
    local_now = now.astimezone(zone)
    horizon = local_now + timedelta(days=EVENT_DAYS)
    try:
        occurrences = recurring_ical_events.of(calendar, skip_bad_series=True).after(local_now)
        items = _events(occurrences, local_now, horizon, zone)
    except (ValueError, TypeError, KeyError) as exc:
        raise FeedError("not_a_calendar", f"the calendar cannot be read ({exc})") from exc
    return items


def _events(
    occurrences: Iterable[Any], now: datetime, horizon: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    # A bound on the occurrences looked at, however many are skipped or tiny.
    for event in itertools.islice(occurrences, MAX_ITEMS * 20):
        starts = _instant(event.get("DTSTART"), zone)
        if starts is None or _as_datetime(starts, zone) > horizon:
            break
        item = _event_item(event, starts, zone, now)
        if item is not None:
            items.append(item)
            if len(items) == MAX_ITEMS:
                break
    return items


def _event_item(
    event: Any, starts: date | datetime, zone: ZoneInfo, now: datetime
) -> dict[str, Any] | None:
    status = str(event.get("STATUS", "")).upper()
    privacy = str(event.get("CLASS", "PUBLIC")).upper()
    if status == "CANCELLED" or privacy in {"PRIVATE", "CONFIDENTIAL"}:
        return None
    ends = _instant(event.get("DTEND"), zone) or _end_by_duration(event, starts)
    if ends is not None and _as_datetime(ends, zone) <= now:
        return None
    title = plain_text(event.get("SUMMARY"), TITLE_CHARS)
    if not title:
        return None
    item: dict[str, Any] = {"title": title, "starts": starts.isoformat()}
    if ends is not None:
        item["ends"] = ends.isoformat()
    item["all_day"] = not isinstance(starts, datetime)
    summary = plain_text(event.get("DESCRIPTION"), SUMMARY_CHARS)
    place = plain_text(event.get("LOCATION"), PLACE_CHARS)
    if summary:
        item["summary"] = summary
    if place:
        item["place"] = place
    return item


def _instant(prop: Any, zone: ZoneInfo) -> date | datetime | None:
    if prop is None:
        return None
    value = prop.dt
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=zone)  # floating time: the feed's own zone
    if isinstance(value, date):
        return value
    return None


def _end_by_duration(event: Any, starts: date | datetime) -> date | datetime | None:
    duration = event.get("DURATION")
    if duration is not None and isinstance(duration.dt, timedelta):
        return starts + duration.dt
    return None


def _as_datetime(value: date | datetime, zone: ZoneInfo) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime(value.year, value.month, value.day, tzinfo=zone)


# -- pushed items ---------------------------------------------------------------------
def pushed_items(raw: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Items another system pushed (already validated): the same plain text as fetched
    feeds, whatever markup they carried."""
    items = []
    for entry in raw:
        title = plain_text(entry.get("title"), TITLE_CHARS)
        if not title:
            continue
        item: dict[str, Any] = {"title": title}
        for name, limit in (("summary", SUMMARY_CHARS), ("place", PLACE_CHARS)):
            text = plain_text(entry.get(name), limit)
            if text:
                item[name] = text
        for name in ("published", "starts", "ends"):
            if entry.get(name) is not None:
                item[name] = entry[name].isoformat()
        if entry.get("starts") is not None:
            item["all_day"] = bool(entry.get("all_day"))
        items.append(item)
    return items[:MAX_ITEMS]


# -- what a slide shows ---------------------------------------------------------------
def shown_items(
    template: str, items: list[dict[str, Any]], count: int, now: datetime, zone: ZoneInfo
) -> list[dict[str, Any]]:
    """The items a feed slide puts in the manifest: the first `count` news, or the next
    `count` events that have not ended by `now`, soonest first."""
    if template != "feed_events":
        return items[:count]
    upcoming = []
    for item in items:
        starts = _parsed(item.get("starts"), zone)
        if starts is None:
            continue
        ends = _parsed(item.get("ends"), zone) or starts
        if ends > now or (ends == starts and starts >= now):
            upcoming.append((starts, item))
    upcoming.sort(key=lambda pair: pair[0])
    return [item for _starts, item in upcoming[:count]]


def _parsed(value: object, zone: ZoneInfo) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=zone)
