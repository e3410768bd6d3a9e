"""Alerts: sent to targets, delivered over the realtime layer, cleared everywhere.

Which displays an alert reaches is the resolver's rule 4 (a display, a group it is in,
its location or an ancestor, or all); the rooms of the `/player` namespace mirror it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal, Role
from signage.alerts.models import Alert
from signage.crud import ensure_exist, load_tree
from signage.db import utcnow
from signage.errors import Conflict, Forbidden, NotFound, ValidationFailed
from signage.monitoring import counters
from signage.realtime import (
    PLAYER_NAMESPACE,
    PUBLIC_NAMESPACE,
    PUBLIC_REFRESH,
    Notifier,
    display_room,
    group_room,
    location_room,
)
from signage.screens.models import Display, Group, Location

ALL_ROOM = "all"


def payload(alert: Any) -> dict[str, Any]:
    """What a kiosk receives (`alert` event, GET /player/api/alerts), from an Alert or a
    row of its columns."""
    return {
        "id": alert.id,
        "severity": alert.severity,
        "title": alert.title,
        "body": alert.body,
        "variants": alert.variants,
        "expires_at": alert.expires_at.isoformat() if alert.expires_at else None,
    }


def rooms(targets: dict[str, Any]) -> list[str]:
    if targets.get("all"):
        return [ALL_ROOM]
    return [
        *(location_room(i) for i in targets.get("location_ids", [])),
        *(group_room(i) for i in targets.get("group_ids", [])),
        *(display_room(i) for i in targets.get("display_ids", [])),
    ]


def reaches(targets: dict[str, Any], display_id: int, chain: list[int], groups: set[int]) -> bool:
    return bool(
        targets.get("all")
        or display_id in targets.get("display_ids", [])
        or set(chain) & set(targets.get("location_ids", []))
        or groups & set(targets.get("group_ids", []))
    )


def active(session: Session, now: datetime) -> list[Alert]:
    query = select(Alert).where(
        Alert.cleared_at.is_(None),
        Alert.starts_at <= now,
        or_(Alert.expires_at.is_(None), Alert.expires_at > now),
    )
    return list(session.scalars(query.order_by(Alert.id)))


ACTIVE = (
    select(
        Alert.id,
        Alert.severity,
        Alert.title,
        Alert.body,
        Alert.variants,
        Alert.expires_at,
        Alert.targets,
    )
    .where(
        Alert.cleared_at.is_(None),
        Alert.starts_at <= bindparam("now"),
        or_(Alert.expires_at.is_(None), Alert.expires_at > bindparam("now")),
    )
    .order_by(Alert.id)
)


def active_for(
    session: Session, display_id: int, chain: list[int], groups: set[int], now: datetime
) -> list[dict[str, Any]]:
    """What a kiosk receives of the active alerts that reach it: one prepared query of
    the columns it needs (kiosks connect by the thousand after a restart)."""
    rows = session.connection().execute(ACTIVE, {"now": now})
    return [payload(row) for row in rows if reaches(row.targets, display_id, chain, groups)]


def send(session: Session, principal: Principal, data: dict[str, Any]) -> Alert:
    """Store an alert after checking the caller may reach every target with it."""
    targets = {k: v for k, v in data["targets"].items() if v}
    owner = check_reach(session, principal, targets, data["severity"])
    expires_at = data.get("expires_at")
    if expires_at is not None and expires_at <= utcnow():
        raise ValidationFailed("expires_at: that time has passed; give a later one")
    alert = Alert(
        location_id=owner,
        title=data["title"],
        body=data.get("body", ""),
        variants=data.get("variants", {}),
        severity=data["severity"],
        targets=targets,
        expires_at=expires_at,
        created_by=principal.user_id,
    )
    session.add(alert)
    session.flush()
    audit.record(session, principal, "alert.send", "alert", alert.id, owner, {"targets": targets})
    counters.bump(session, counters.ALERTS_SENT, label=alert.severity)
    return alert


def check_reach(
    session: Session, principal: Principal, targets: dict[str, Any], severity: str
) -> int:
    """The alert's owning location; Forbidden when a target is out of the caller's reach.
    Facility managers send local alerts; only communicators send critical ones or to all."""
    needed = (
        Role.COMMUNICATOR if severity == "critical" or targets.get("all") else Role.FACILITY_MANAGER
    )
    if targets.get("all"):
        if not principal.covers_whole_tree(needed):
            raise Forbidden(
                "an alert to all screens needs the communicator role for the whole municipality"
            )
        return load_tree(session).roots()[0]
    owners = [
        *(
            loc.id
            for loc in ensure_exist(session, Location, targets.get("location_ids", []), "location")
        ),
        *(
            g.location_id
            for g in ensure_exist(session, Group, targets.get("group_ids", []), "group")
        ),
        *(
            d.location_id
            for d in ensure_exist(session, Display, targets.get("display_ids", []), "display")
        ),
    ]
    outside = sorted({o for o in owners if not principal.can_write(o, needed)})
    if outside:
        raise Forbidden(
            f"sending this alert needs the role {needed.slug} at location(s) "
            f"{', '.join(map(str, outside))}"
        )
    return owners[0]


def check_may_clear(principal: Principal, alert: Alert) -> None:
    if not principal.can_write(alert.location_id, Role.FACILITY_MANAGER):
        raise Forbidden("you may not clear this alert")


def clear(session: Session, principal: Principal, alert_id: int) -> Alert:
    alert = session.get(Alert, alert_id)
    if alert is None or not principal.can_read(alert.location_id):
        # As reading it: an alert the caller cannot see does not exist for them (a 403
        # here would tell them it does).
        raise NotFound(f"alert {alert_id} does not exist")
    check_may_clear(principal, alert)
    if alert.cleared_at is not None:
        raise Conflict("this alert has been cleared already")
    alert.cleared_at = utcnow()
    audit.record(session, principal, "alert.clear", "alert", alert.id, alert.location_id)
    return alert


def publish_sent(notifier: Notifier, alert: Alert) -> None:
    for room in rooms(alert.targets):
        notifier.emit("alert", payload(alert), room, PLAYER_NAMESPACE)
    _tell_public_pages(notifier, alert)


def publish_cleared(notifier: Notifier, alert: Alert) -> None:
    for room in rooms(alert.targets):
        notifier.emit("alert_cleared", {"id": alert.id}, room, PLAYER_NAMESPACE)
    _tell_public_pages(notifier, alert)


def _tell_public_pages(notifier: Notifier, alert: Alert) -> None:
    """Public pages sit in the same rooms as the kiosks they mirror; they hear only that
    something changed, and fetch their public view again."""
    for room in rooms(alert.targets):
        notifier.emit(PUBLIC_REFRESH, {}, room, PUBLIC_NAMESPACE)
