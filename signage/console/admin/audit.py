"""The audit log: who changed what, when and where, newest first, filtered by who, what,
a date range and a location (with everything under it). Admins read the entries of
their own subtree (`signage.audit.readable_query`); a filter value that is not
understood is dropped, named on the page, and answered with 400."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import current_app, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select

from signage import audit
from signage.accounts.models import AuditEvent
from signage.accounts.permissions import LocationTree, Role
from signage.console.admin.sections import AUDIT, require
from signage.console.base import location_choices, page
from signage.crud import load_tree
from signage.policy import ADMIN
from signage.web import db_session

PAGE_SIZE = 50
MAX_WHO = 254  # the longest email address
MAX_ID = 2**53
WHOLE_NUMBER = re.compile(r"[0-9]{1,16}")
DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DETAILS_SHOWN = 300  # characters of an entry's details in the table
T = TypeVar("T")

# What an entry can be about, as staff call it: the choices of the "what" filter (a fixed
# list: asking the log which kinds it holds would read all of it). A kind not listed here
# is shown as it is.
KINDS = {
    "alert": _l("Alert"),
    "brand": _l("Brand"),
    "display": _l("Screen"),
    "grant": _l("Grant"),
    "group": _l("Group"),
    "location": _l("Location"),
    "media": _l("Media"),
    "playlist": _l("Playlist"),
    "schedule": _l("Schedule"),
    "slide": _l("Slide"),
    "theme": _l("Theme"),
    "user": _l("User"),
}


def whole_number(raw: str) -> int | None:
    return int(raw) if WHOLE_NUMBER.fullmatch(raw) and 1 <= int(raw) <= MAX_ID else None


def day(raw: str) -> date | None:
    if not DAY.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:  # 2026-02-30
        return None


@dataclass(frozen=True)
class AuditFilters:
    who: str = ""
    what: str = ""
    location: int | None = None
    since: date | None = None
    until: date | None = None
    before: int | None = None  # the page: entries older than this id
    problems: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, args: Mapping[str, str], kinds: set[str], places: set[int]) -> AuditFilters:
        problems: dict[str, str] = {}

        def read(name: str, parse: Callable[[str], T | None], problem: str) -> T | None:
            raw = args.get(name, "").strip()
            value = parse(raw) if raw else None
            if raw and value is None:
                problems[name] = problem
            return value

        who = read("who", lambda raw: raw if len(raw) <= MAX_WHO and "\x00" not in raw else None,
                   _("Write at most 254 characters."))  # fmt: skip
        what = read("what", lambda raw: raw if raw in kinds else None,
                    _("Choose one of the options."))  # fmt: skip
        location = read("location", lambda raw: _in(whole_number(raw), places),
                        _("Choose one of the locations in the list."))  # fmt: skip
        since = read("from", day, _("Write a date as YYYY-MM-DD."))
        until = read("to", day, _("Write a date as YYYY-MM-DD."))
        if since and until and until < since:
            problems["to"] = _("The end date is before the start date.")
            until = None
        before = read("before", whole_number, _("This page does not exist. Start again."))
        return cls(who or "", what or "", location, since, until, before, problems)

    def apply(
        self, query: Select[AuditEvent], tree: LocationTree, zone: ZoneInfo
    ) -> Select[AuditEvent]:
        if self.who:
            query = query.where(AuditEvent.actor_label.icontains(self.who, autoescape=True))
        if self.what:
            query = query.where(AuditEvent.entity_kind == self.what)
        if self.location is not None:
            query = query.where(AuditEvent.location_id.in_(tree.subtree(self.location)))
        if self.since is not None:
            query = query.where(AuditEvent.at >= _midnight(self.since, zone))
        if self.until is not None:
            query = query.where(AuditEvent.at < _midnight(self.until + timedelta(days=1), zone))
        if self.before is not None:
            query = query.where(AuditEvent.id < self.before)
        return query.order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)

    def args(self) -> dict[str, str]:
        """The filters as a query string for the paging links (the page itself not)."""
        found = {
            "who": self.who,
            "what": self.what,
            "location": str(self.location or ""),
            "from": self.since.isoformat() if self.since else "",
            "to": self.until.isoformat() if self.until else "",
        }
        return {name: value for name, value in found.items() if value}


def _in(value: int | None, allowed: set[int]) -> int | None:
    return value if value in allowed else None


def _midnight(on: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(on, time(), tzinfo=zone)


@dataclass(frozen=True)
class Row:
    event: AuditEvent
    kind: str
    location: str
    details: str


def rows_of(events: list[AuditEvent], names: Mapping[int, str]) -> list[Row]:
    return [
        Row(
            event,
            str(KINDS.get(event.entity_kind, event.entity_kind)),
            names.get(event.location_id, f"#{event.location_id}") if event.location_id else "",
            _details(event.details),
        )
        for event in events
    ]


def _details(details: dict[str, Any]) -> str:
    text = json.dumps(details, ensure_ascii=False, separators=(", ", ": ")) if details else ""
    return text if len(text) <= DETAILS_SHOWN else text[: DETAILS_SHOWN - 1] + "…"


@page("/console/admin/audit", ADMIN)
def admin_audit() -> tuple[str, int]:
    principal = require(AUDIT)
    session = db_session()
    readable = audit.readable_query(principal)
    places = location_choices(session, principal, Role.ADMIN)
    filters = AuditFilters.parse(request.args, set(KINDS), {lid for lid, _label in places})
    zone = ZoneInfo(current_app.config["SIGNAGE"].timezone)
    events = list(session.scalars(filters.apply(readable, load_tree(session), zone)))
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    html = render_template(
        "console/admin/audit.html",
        filters=filters,
        kinds=sorted(((kind, str(label)) for kind, label in KINDS.items()), key=lambda k: k[1]),
        places=places,
        rows=rows_of(events, dict(places)),
        older=events[-1].id if more else None,
    )
    return html, 400 if filters.problems else 200
