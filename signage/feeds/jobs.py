"""The feed refresh sweep: fetch every feed that is due (through the outbound-fetch
guard), turn it into items, and store them; a failure is recorded beside the last good
items, which stay on screens. CAP feeds become alerts through the CAP ingest.

Fetching happens outside any transaction (a slow server must not hold the database);
each feed's result is then written in one short transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from xml.etree.ElementTree import Element, tostring
from zoneinfo import ZoneInfo

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.services import system_principal
from signage.alerts import cap, ingest
from signage.alerts.models import Alert
from signage.alerts.services import publish_cleared, publish_sent
from signage.db import Database
from signage.errors import ValidationFailed
from signage.feeds.items import FeedError, event_items, news_items, shorten
from signage.feeds.models import CAP, FETCHED, ICAL, RSS, Feed
from signage.feeds.services import record_failure, record_success
from signage.net.fetch import Fetched, FetchPolicy, FetchRefused, fetch
from signage.realtime import Notifier
from signage.screens.models import Location

log = logging.getLogger(__name__)

MAX_FEEDS_PER_SWEEP = 20  # the rest are due at the next sweep
FETCHERS = 4  # feeds fetched at once
MAX_LINKED_CAP = 20  # CAP documents a feed of alerts may link to, per refresh
ATOM = "{http://www.w3.org/2005/Atom}"
CAP_TYPES = ("application/cap+xml", "application/xml", "text/xml")


@dataclass(frozen=True)
class Due:
    """What a refresh needs of a feed, read before fetching."""

    id: int
    kind: str
    url: str
    etag: str | None
    modified: str | None
    zone: str


@dataclass
class Result:
    """What one refresh brought: items (or CAP documents), or a failure."""

    due: Due
    fetched: Fetched | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    documents: list[bytes] = field(default_factory=list)
    failure: tuple[str, str] | None = None
    problems: list[str] = field(default_factory=list)  # linked CAP documents that failed


@dataclass
class FeedRefresher:
    database: Database
    clock: Callable[[], datetime]
    default_timezone: str
    language: str
    cap_areas: cap.AreaMap | None = None
    policy: FetchPolicy | None = None
    notifier: Notifier | None = None  # CAP alerts reach kiosks through it

    def run_once(self) -> str:
        now = self.clock()
        due = self.due(now)
        if not due:
            return "0 due"
        with ThreadPoolExecutor(max_workers=FETCHERS) as pool:
            results = list(pool.map(lambda d: self.refresh(d, now), due))
        failed = 0
        for result in results:
            failed += not self.store(result, now)
        return f"{len(results) - failed} refreshed, {failed} failed"

    def due(self, now: datetime) -> list[Due]:
        with self.database.sessions() as session:
            zones = _location_zones(session, self.default_timezone)
            feeds = session.scalars(
                select(Feed).where(Feed.kind.in_(FETCHED), Feed.url.is_not(None)).order_by(Feed.id)
            )
            found = [
                Due(f.id, f.kind, f.url or "", f.etag, f.modified, zones.get(f.location_id, ""))
                for f in feeds
                if f.checked_at is None or f.checked_at + timedelta(seconds=f.refresh_s) <= now
            ]
        # The longest-waiting first, so that a backlog is worked off in turn.
        return found[:MAX_FEEDS_PER_SWEEP]

    # -- fetching (no database) -------------------------------------------------------
    def refresh(self, due: Due, now: datetime) -> Result:
        result = Result(due)
        try:
            conditional = {"If-None-Match": due.etag} if due.etag else {}
            if due.modified:
                conditional["If-Modified-Since"] = due.modified
            result.fetched = fetch(due.url, self.policy, conditional)
            if result.fetched.status == 304:
                return result
            body = result.fetched.body
            if due.kind == RSS:
                result.items = news_items(body)
            elif due.kind == ICAL:
                zone = ZoneInfo(due.zone or self.default_timezone)
                result.items = event_items(body, now, zone)
            elif due.kind == CAP:
                result.documents = self._cap_documents(body, result)
        except FetchRefused as refused:
            result.failure = (refused.code, refused.detail)
        except FeedError as error:
            result.failure = (error.code, error.detail)
        except Exception as exc:  # one broken feed must not stop the others; it is logged
            log.exception("refreshing feed %s failed", due.id)
            result.failure = ("error", f"{type(exc).__name__}: {exc}"[:500])
        return result

    def _cap_documents(self, body: bytes, result: Result) -> list[bytes]:
        documents, links = cap_documents(body)
        for url in links[:MAX_LINKED_CAP]:
            try:
                documents.append(fetch(url, self.policy).body)
            except FetchRefused as refused:
                result.problems.append(f"{url}: {refused.detail}")
        return documents

    # -- storing ----------------------------------------------------------------------
    def store(self, result: Result, now: datetime) -> bool:
        """Write what the refresh brought; True when it succeeded."""
        sent: list[Alert] = []
        cleared: list[Alert] = []
        with self.database.transaction() as session:
            feed = session.get(Feed, result.due.id)
            if feed is None or feed.url != result.due.url:
                return True  # deleted or pointed elsewhere meanwhile: the next sweep tells
            if result.failure is not None:
                record_failure(feed, *result.failure, now)
                return False
            fetched = result.fetched
            items = feed.items if fetched is not None and fetched.status == 304 else result.items
            if result.due.kind == CAP and result.documents:
                items, problems = self._ingest(session, result.documents, now, sent, cleared)
                result.problems += problems
            etag = fetched.headers.get("ETag") if fetched else None
            modified = fetched.headers.get("Last-Modified") if fetched else None
            record_success(feed, list(items), now, _header(etag), _header(modified))
            if result.problems:
                detail = "; ".join(result.problems)
                record_failure(feed, "cap_refused", shorten(detail, 2000), now)
        self._publish(sent, cleared)
        return not result.problems

    def _ingest(
        self,
        session: Session,
        documents: list[bytes],
        now: datetime,
        sent: list[Alert],
        cleared: list[Alert],
    ) -> tuple[list[dict[str, Any]], list[str]]:
        """Each CAP document through the CAP ingest (each alone: one refused document
        leaves the others). Returns the feed's items (its current alerts) and problems."""
        principal = system_principal(session)
        items: list[dict[str, Any]] = []
        problems: list[str] = []
        for document in documents:
            try:
                if _has_expired(document, now):
                    continue  # still listed by its source, but over: nothing to show
                with session.begin_nested():
                    outcome = ingest.ingest(
                        session, principal, document, self.cap_areas, self.language, now
                    )
            except ValidationFailed as refused:
                problems.append(refused.message)
                continue
            if outcome.sent is not None:
                items.append(
                    {"title": outcome.sent.title, "published": outcome.sent.starts_at.isoformat()}
                )
                if outcome.action in ("created", "updated"):
                    sent.append(outcome.sent)
            cleared += outcome.cleared
        return items, problems

    def _publish(self, sent: list[Alert], cleared: list[Alert]) -> None:
        if self.notifier is None:
            return
        for alert in cleared:
            publish_cleared(self.notifier, alert)
        for alert in sent:
            publish_sent(self.notifier, alert)


def cap_documents(body: bytes) -> tuple[list[bytes], list[str]]:
    """A CAP source's alerts: the document itself when it is one CAP alert; from an Atom
    or RSS feed of alerts, the alerts inside its entries, else the addresses of the CAP
    documents its entries link to."""
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException, ValueError) as exc:
        raise FeedError("not_a_feed", f"this is not XML we accept ({exc})") from exc
    alert_tag = f"{{{cap.NS}}}alert"
    if root.tag == alert_tag:
        return [body], []
    inline = [tostring(element, encoding="utf-8") for element in root.iter(alert_tag)]
    if inline:
        return inline[:MAX_LINKED_CAP], []
    links = _cap_links(root)
    if root.tag not in (f"{ATOM}feed", "rss") or not links:
        raise FeedError("not_a_feed", "neither a CAP alert nor a feed of CAP alerts")
    return [], links


def _cap_links(root: Element) -> list[str]:
    links = [
        link.get("href", "")
        for link in root.iter(f"{ATOM}link")
        if link.get("type", "").split(";")[0] in CAP_TYPES and link.get("href")
    ]
    links += [
        enclosure.get("url", "")
        for enclosure in root.iter("enclosure")
        if enclosure.get("type", "").split(";")[0] in CAP_TYPES and enclosure.get("url")
    ]
    links += [
        (link.text or "").strip()
        for item in root.iter("item")
        for link in item.iter("link")
        if (link.text or "").strip().endswith((".xml", ".cap"))
    ]
    return list(dict.fromkeys(links))


def _has_expired(document: bytes, now: datetime) -> bool:
    try:
        message = cap.parse(document)
    except cap.CapError:
        return False  # the ingest says what is wrong with it
    expiries = [info.expires for info in message.infos]
    return bool(expiries) and all(e is not None and e <= now for e in expiries)


def _header(value: str | None) -> str | None:
    return value[:200] if value else None


def _location_zones(session: Session, default: str) -> dict[int, str]:
    """Each location's time zone, inherited from the nearest ancestor that has one."""
    rows = {
        row.id: (row.parent_id, row.timezone)
        for row in session.execute(select(Location.id, Location.parent_id, Location.timezone))
    }
    zones: dict[int, str] = {}
    for location_id in rows:
        current: int | None = location_id
        seen: set[int] = set()
        while current is not None and current in rows and current not in seen:
            seen.add(current)
            parent, zone = rows[current]
            if zone:
                zones[location_id] = zone
                break
            current = parent
        zones.setdefault(location_id, default)
    return zones
