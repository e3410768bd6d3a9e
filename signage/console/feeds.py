"""Feeds in the console: the list with each feed's state (a failing feed says why, and
that its last good items are still shown), and the form to add, change or delete one.
FeedService decides who may do what; these pages read forms and render."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal, Role
from signage.console.admin.forms import check, number, text, typed
from signage.console.base import error_sentence, location_choices, me, page
from signage.console.slide_labels import FEED_KIND_LABELS
from signage.errors import SignageError, ValidationFailed
from signage.feeds.models import CAP, Feed
from signage.feeds.schemas import FeedIn, FeedPatch
from signage.feeds.services import FeedService
from signage.policy import EDITOR, VIEWER
from signage.web import db_session

_feeds = FeedService()

# Why a refresh failed, by the guard's and the parsers' reason codes.
FAILURES = {
    "scheme": _l("The address must start with https:// or http://."),
    "address": _l("The address cannot be used."),
    "credentials": _l("Addresses with a user name or password are not supported."),
    "resolve": _l("The name in the address does not exist."),
    "blocked": _l(
        "The address leads to an internal or private network the server may not fetch from."
    ),
    "redirects": _l("The address sends the server on too many times."),
    "connect": _l("The server at the address could not be reached."),
    "tls": _l("The server's certificate does not fit its name."),
    "timeout": _l("The server at the address did not answer in time."),
    "too_large": _l("The answer is too large."),
    "status": _l("The server at the address answered with an error."),
    "not_a_feed": _l("The answer is not an RSS or Atom feed."),
    "not_a_calendar": _l("The answer is not an iCalendar calendar."),
    "cap_refused": _l("Some CAP alerts were refused."),
}


def failure_sentence(feed: Feed) -> str:
    if feed.error_code is None:
        return ""
    return str(FAILURES.get(feed.error_code, _("Something went wrong.")))


def when(value: date | str | None) -> str:
    """An instant (or an item's ISO text, or an all-day date) in the console's zone."""
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return str(format_datetime(value, "short"))
    if isinstance(value, date):
        return str(format_date(value, "medium"))
    return "–"


def kind_choices(principal: Principal) -> list[tuple[str, str]]:
    """CAP feeds send alerts: offered to communicators only."""
    may_cap = bool(principal.writable(Role.COMMUNICATOR))
    return [
        (kind, str(label)) for kind, label in FEED_KIND_LABELS.items() if kind != CAP or may_cap
    ]


def feed_data() -> dict[str, Any]:
    minutes = number("refresh_minutes")
    data: dict[str, Any] = {
        "name": text("name"),
        "location_id": number("location_id"),
        "kind": text("kind"),
        "url": text("url") or None,
    }
    if minutes is not None:
        data["refresh_s"] = minutes * 60 if isinstance(minutes, int) else minutes
    return data


def current_values(feed: Feed) -> dict[str, Any]:
    return {
        "name": feed.name,
        "location_id": feed.location_id,
        "kind": feed.kind,
        "url": feed.url or "",
        "refresh_minutes": feed.refresh_s // 60,
    }


def render_form(
    principal: Principal,
    feed: Feed | None,
    values: dict[str, Any],
    problems: dict[str, str],
    status: int = 200,
) -> tuple[str, int]:
    html = render_template(
        "console/feeds/feed.html",
        feed=feed,
        failure=failure_sentence(feed) if feed else "",
        kinds=kind_choices(principal),
        kind_labels=FEED_KIND_LABELS,
        locations=location_choices(db_session(), principal, Role.EDITOR),
        values=values,
        problems=problems,
        when=when,
    )
    return html, status


def save(principal: Principal, feed: Feed | None) -> Response | tuple[str, int]:
    session = db_session()
    data = feed_data()
    if "refresh_s" in data and isinstance(data["refresh_s"], str):
        return render_form(
            principal, feed, typed(), {"refresh_minutes": _("Write a whole number.")}, 422
        )
    fields, problems = check(FeedIn if feed is None else FeedPatch, data)
    if "refresh_s" in problems:
        problems["refresh_minutes"] = _("Choose from 1 minute to 1440 minutes (a day).")
    if not problems:
        try:
            if feed is None:
                feed = _feeds.create(session, principal, fields)
            else:
                _feeds.update(session, principal, feed, fields)
            session.commit()
        except SignageError as error:
            session.rollback()
            problems = _problems_of(error)
    if problems:
        return render_form(principal, feed, typed(), problems, 422)
    flash(_("%(name)s is saved.", name=feed.name if feed else ""), "success")
    return redirect(url_for("console.feeds"))


def _problems_of(error: SignageError) -> dict[str, str]:
    if isinstance(error, ValidationFailed) and error.message.startswith("url:"):
        detail = error.message.removeprefix("url:").strip()
        return {"url": _("The server may not fetch this address (%(why)s).", why=detail)}
    return {"_": error_sentence(error)}


def writable_feed(principal: Principal, feed_id: int) -> Feed:
    feed = _feeds.get(db_session(), principal, feed_id)
    _feeds.authorize(db_session(), principal, feed, creating=False)
    return feed


@page("/console/feeds", VIEWER)
def feeds() -> str:
    principal = me()
    session = db_session()
    found = session.scalars(_feeds.readable_query(principal).order_by(Feed.name))
    return render_template(
        "console/feeds/index.html",
        feeds=list(found),
        locations=dict(location_choices(session, principal)),
        kind_labels=FEED_KIND_LABELS,
        failure_sentence=failure_sentence,
        when=when,
        may_create=bool(principal.writable(Role.EDITOR)),
        writable=principal.writable(Role.EDITOR),
    )


@page("/console/feeds/new", EDITOR, methods=("GET", "POST"))
def feed_new() -> Response | tuple[str, int]:
    principal = me()
    if request.method == "GET":
        return render_form(principal, None, {"kind": "rss", "refresh_minutes": 15}, {})
    return save(principal, None)


@page("/console/feeds/<int:feed_id>", EDITOR, methods=("GET", "POST"))
def feed_edit(feed_id: int) -> Response | tuple[str, int]:
    principal = me()
    feed = writable_feed(principal, feed_id)
    if request.method == "GET":
        return render_form(principal, feed, current_values(feed), {})
    return save(principal, feed)


@page("/console/feeds/<int:feed_id>/delete", EDITOR, methods=("POST",))
def feed_delete(feed_id: int) -> Response | tuple[str, int]:
    principal = me()
    session = db_session()
    feed = writable_feed(principal, feed_id)
    name = feed.name
    try:
        _feeds.delete(session, principal, feed)
        session.commit()
    except SignageError as error:
        session.rollback()
        return render_form(principal, feed, current_values(feed), {"_": error_sentence(error)}, 409)
    flash(_("%(name)s is deleted.", name=name), "success")
    return redirect(url_for("console.feeds"))
