"""Feeds: create and change them inside the caller's scope, take pushed items, record
what a refresh brought (items) or why it failed (the items stay), and find the slides
that show a feed.

A fetched feed's address passes the outbound-fetch guard when it is saved, and again at
every fetch. A CAP feed sends alerts, so it needs a communicator.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.models import User
from signage.accounts.permissions import Principal, Role, Scope
from signage.accounts.services import principal_for_user
from signage.content.models import Slide, SlideRevision
from signage.content.templates import FEED_TEMPLATES, feed_id_of
from signage.crud import CrudService, require_write
from signage.errors import Conflict, NotFound, ValidationFailed
from signage.feeds.items import pushed_items
from signage.feeds.models import CAP, ICAL, PUSH, RSS, Feed
from signage.net.fetch import FetchRefused, check_url

# Which feeds each feed slide can show.
SHOWN_BY = {"feed_news": frozenset({RSS, PUSH}), "feed_events": frozenset({ICAL, PUSH})}
DEFAULT_REFRESH_S = {CAP: 60}  # else the schema's default


class FeedService(CrudService[Feed]):
    model = Feed
    kind = "feed"
    write_role = Role.EDITOR

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Feed,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        if creating and data.get("kind") in DEFAULT_REFRESH_S and "refresh_s" not in data:
            data["refresh_s"] = DEFAULT_REFRESH_S[data["kind"]]
        address_changed = creating or "url" in data or "kind" in data
        super().apply(session, principal, obj, data, creating=creating)
        if obj.kind == PUSH:
            obj.url = None  # pushed, never fetched
        elif address_changed:
            _check_address(obj)
            # A new address is fetched at the next sweep; the items stay until then.
            obj.checked_at, obj.etag, obj.modified = None, None, None
            obj.error_code, obj.error, obj.error_at = None, None, None

    def authorize(
        self, session: Session, principal: Principal, obj: Feed, *, creating: bool
    ) -> None:
        role = Role.COMMUNICATOR if obj.kind == CAP else Role.EDITOR
        what = "a CAP feed (it sends alerts)" if obj.kind == CAP else "this feed"
        require_write(principal, obj.location_id, role, what)

    def check_delete(self, session: Session, obj: Feed) -> None:
        slides = slides_showing(session, {obj.id}, include_drafts=True)
        if slides:
            listed = ", ".join(map(str, sorted(slides)))
            raise Conflict(f"slides {listed} show this feed; change or delete them first")


def _check_address(feed: Feed) -> None:
    if not feed.url:
        raise ValidationFailed(f"url: a {feed.kind} feed needs the address it is fetched from")
    try:
        check_url(feed.url)
    except FetchRefused as refused:
        raise ValidationFailed(f"url: the server may not fetch this: {refused.detail}") from None


# -- pushed items -----------------------------------------------------------------------
def push_items(
    session: Session,
    principal: Principal,
    feed_id: int,
    raw_items: Iterable[Mapping[str, Any]],
    now: datetime,
) -> Feed:
    """Replace a push feed's items with what another system sent."""
    feed = session.get(Feed, feed_id)
    if feed is None or not _may_push(session, principal, feed):
        raise NotFound(f"feed {feed_id} does not exist")
    if feed.kind != PUSH:
        raise Conflict(f"feed {feed_id} is fetched from its address; only a push feed takes items")
    items = pushed_items(raw_items)
    changed = items != feed.items
    record_success(feed, items, now)
    if changed:
        audit.record(
            session,
            principal,
            "feed.push",
            "feed",
            feed.id,
            feed.location_id,
            {"items": len(items)},
        )
    return feed


def _may_push(session: Session, principal: Principal, feed: Feed) -> bool:
    """An editor of the feed's location, or a `feed:push` token whose user is one (the
    token acts for nothing else)."""
    if principal.scope == Scope.FEED_PUSH:
        user = session.get(User, principal.user_id) if principal.user_id else None
        if user is None or not user.active:
            return False
        principal = principal_for_user(session, user)
    elif principal.scope is not None:
        return False
    return principal.can_write(feed.location_id, Role.EDITOR)


# -- refresh results ----------------------------------------------------------------------
def record_success(
    feed: Feed,
    items: list[dict[str, Any]],
    now: datetime,
    etag: str | None = None,
    modified: str | None = None,
) -> None:
    if items != feed.items:
        feed.items = items  # a new list: the change log sees the write
        feed.items_changed_at = now
    feed.checked_at = feed.ok_at = now
    feed.error_code, feed.error, feed.error_at = None, None, None
    feed.etag, feed.modified = etag, modified


def record_failure(feed: Feed, code: str, detail: str, now: datetime) -> None:
    """The failure is kept for the console; the last good items stay on screens."""
    feed.checked_at = now
    feed.error_code, feed.error, feed.error_at = code, detail[:2000], now


# -- feed slides ----------------------------------------------------------------------
def feed_slide_problems(
    session: Session, principal: Principal, kind: str, fields: Mapping[str, Any]
) -> list[str]:
    """A feed slide names a feed its author can see, of a kind the template shows."""
    if kind not in FEED_TEMPLATES:
        return []
    feed_id = feed_id_of(dict(fields))
    if feed_id is None:
        return []  # check_fields has said what is wrong
    feed = session.get(Feed, feed_id)
    if feed is None or not principal.can_read(feed.location_id):
        return [f"unknown feed id {feed_id}"]
    if feed.kind not in SHOWN_BY[kind]:
        shown = " or ".join(sorted(SHOWN_BY[kind]))
        return [f"template {kind!r} shows {shown} feeds, not a {feed.kind} feed"]
    return []


def slides_showing(
    session: Session, feed_ids: set[int], *, include_drafts: bool = False
) -> set[int]:
    """The slides whose playing revision (and, with `include_drafts`, whose draft or
    pending one) shows any of `feed_ids`."""
    if not feed_ids:
        return set()
    query = (
        select(SlideRevision.slide_id, SlideRevision.fields)
        .join(Slide, Slide.id == SlideRevision.slide_id)
        .where(SlideRevision.kind.in_(FEED_TEMPLATES))
    )
    playing = SlideRevision.id == Slide.live_revision_id
    if include_drafts:
        query = query.where(or_(playing, SlideRevision.status.in_(("draft", "pending"))))
    else:
        query = query.where(playing)
    return {
        slide_id for slide_id, fields in session.execute(query) if feed_id_of(fields) in feed_ids
    }
