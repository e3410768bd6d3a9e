"""The schedule calendar: a week of the schedules that reach one display or one
location, as blocks per day (night shifts run across midnight into the next day).

Reads only; the schedules shown are those the caller may read.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal, Role
from signage.console.base import location_choices, me, page
from signage.console.planning import rules
from signage.console.planning.calendar import Planned, monday_of, schedule_week
from signage.console.planning.common import TIER_NAMES, day_label, display_zone, location_zone
from signage.console.planning.schedules import (
    TIER_ORDER,
    playlist_names,
    region_label,
    target_label,
    when_of,
)
from signage.crud import load_tree
from signage.db import utcnow
from signage.errors import NotFound
from signage.policy import MANAGER
from signage.scheduling.models import Schedule
from signage.scheduling.services import ScheduleService
from signage.scheduling.snapshot import holiday_dates, schedule_spec
from signage.screens import devices
from signage.screens.models import Display, Group, GroupMember
from signage.web import db_session

TONES = 6  # colours tone-0 … tone-5 in planning.css
Reach = Callable[[Schedule], bool]


@page("/console/schedules/calendar", MANAGER)
def schedule_calendar() -> ResponseReturnValue:
    """?target=display:ID or location:ID, &week=any day of the week (today's week)."""
    session, principal = db_session(), me()
    places = _places(session, principal)
    offered = {value for _group, items in places for value, _label in items}
    target = request.args.get("target") or _default(session, principal)
    if target not in offered:
        raise NotFound("there is no such display or location to show")
    kind, _sep, number = target.partition(":")
    reaches, zone = _reach(session, kind, int(number))
    monday = monday_of(_day(request.args.get("week", "")) or utcnow().astimezone(zone).date())
    found = [s for s in session.scalars(ScheduleService().readable_query(principal)) if reaches(s)]
    found.sort(key=lambda s: (TIER_ORDER.get(s.tier, 9), s.id))
    where = dict(location_choices(session, principal))
    names = playlist_names(session, {s.playlist_id for s in found})
    legend = []
    for index, schedule in enumerate(found):
        tier = TIER_NAMES.get(schedule.tier, schedule.tier)
        region = region_label(schedule.region)
        legend.append(
            {
                "schedule": schedule,
                "title": names.get(schedule.playlist_id, "?"),
                "detail": " · ".join(
                    part
                    for part in (str(tier), region, target_label(session, schedule, where))
                    if part
                ),
                "tone": index % TONES,
                "when": rules.describe(when_of(schedule)),
            }
        )
    planned = [
        Planned(
            schedule_spec(item["schedule"]).recurrence, item["title"], item["detail"], item["tone"]
        )
        for item in legend
    ]
    holidays = holiday_dates(range(monday.year - 1, monday.year + 2))
    return render_template(
        "console/planning/calendar.html",
        places=places,
        target=target,
        week=schedule_week(planned, zone, monday, holidays),
        number=monday.isocalendar().week,
        previous=(monday - timedelta(days=7)).isoformat(),
        following=(monday + timedelta(days=7)).isoformat(),
        legend=legend,
        day_label=day_label,
    )


def _places(session: Session, principal: Principal) -> list[tuple[str, list[tuple[str, str]]]]:
    """The displays and locations the caller may read, as the chooser's option groups."""
    where = location_choices(session, principal)
    labels = dict(where)
    displays = session.scalars(
        select(Display)
        .where(Display.location_id.in_(principal.readable()))
        .order_by(func.lower(Display.name))
    )
    return [
        (
            _("Screens"),
            [(f"display:{d.id}", f"{d.name} ({labels.get(d.location_id, '')})") for d in displays],
        ),
        (_("Locations"), [(f"location:{lid}", label) for lid, label in where]),
    ]


def _default(session: Session, principal: Principal) -> str:
    """The first location the caller plans for, else the first they may read."""
    mine = location_choices(session, principal, Role.FACILITY_MANAGER)
    readable = mine or location_choices(session, principal)
    return f"location:{readable[0][0]}" if readable else ""


def _day(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def _reach(session: Session, kind: str, target_id: int) -> tuple[Reach, ZoneInfo]:
    """Which schedules reach the display, or any screen at or below the location (and
    the location itself); and the timezone their times are read in."""
    if kind == "display":
        shown = session.get(Display, target_id)
        if shown is None:
            raise NotFound("there is no such display")
        up, groups = devices.reach_of(session, shown)
        return _reaching(set(up), set(), groups, {shown.id}), display_zone(session, shown)
    tree = load_tree(session)
    below = tree.subtree(target_id)
    chain = {target_id, *tree.ancestors(target_id)}
    rows = session.execute(
        select(Display.id, Display.tags).where(Display.location_id.in_(below))
    ).all()
    ids = {row.id for row in rows}
    tags = {tag for row in rows for tag in row.tags or ()}
    groups = set(
        session.scalars(select(GroupMember.group_id).where(GroupMember.display_id.in_(ids)))
    )
    if tags:
        groups |= set(session.scalars(select(Group.id).where(Group.tag.in_(tags))))
    return _reaching(chain, below, groups, ids), location_zone(session, target_id)


def _reaching(chain: set[int], below: set[int], groups: set[int], displays: set[int]) -> Reach:
    def reaches(schedule: Schedule) -> bool:
        target = schedule.target_id
        match schedule.target_kind:
            case "all":
                return True
            case "location":
                return target in chain or target in below
            case "group":
                return target in groups
            case "display":
                return target in displays
        return False

    return reaches
