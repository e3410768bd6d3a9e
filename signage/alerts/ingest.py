"""CAP alerts in and out: a CAP 1.2 document becomes (or updates, or cancels) one of our
alerts; our active public alerts are published as CAP.

An ingested alert is named by its CAP sender and identifier, so the same document twice
is one alert, and an `Update` or `Cancel` finds what its `references` name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal
from signage.alerts import cap
from signage.alerts.models import Alert
from signage.alerts.services import active, check_may_clear, check_reach
from signage.crud import load_tree
from signage.errors import ValidationFailed
from signage.monitoring import counters
from signage.screens.models import Display, Group, Location

# A CAP alert without <expires> still ends: nobody is left to clear a feed's alert.
DEFAULT_CAP_LIFETIME = timedelta(hours=24)
SHOWN_STATUS = "Actual"  # Test, Exercise, System and Draft never reach a screen


@dataclass
class Outcome:
    """What one document did: `created`, `updated`, `cancelled`, `unchanged` or
    `ignored` (with the reason), and the alerts sent and cleared."""

    action: str
    reason: str = ""
    sent: Alert | None = None
    cleared: list[Alert] = field(default_factory=list)


def cap_name(sender: str, identifier: str) -> str:
    return f"{sender},{identifier}"[:255]


def ingest(
    session: Session,
    principal: Principal,
    document: bytes,
    areas: cap.AreaMap | None,
    language: str,
    now: datetime,
) -> Outcome:
    try:
        message = cap.parse(document)
    except cap.CapError as exc:
        raise ValidationFailed(f"this is not a CAP 1.2 alert we accept: {exc}") from exc
    if message.status != SHOWN_STATUS:
        return Outcome("ignored", f"status {message.status}: only Actual alerts are shown")
    if message.msg_type in ("Ack", "Error"):
        return Outcome("ignored", f"msgType {message.msg_type} carries no alert to show")
    name = cap_name(message.sender, message.identifier)
    existing = session.scalar(select(Alert).where(Alert.cap_identifier == name))
    if existing is not None:
        return Outcome("unchanged", "this alert was received before", sent=existing)
    replaced = _referenced(session, message.references, now)
    # A person sending CAP reaches what they could reach by hand; an alerting system's
    # token (scope cap:ingest) reaches what SIGNAGE_CAP_AREAS maps its areas to.
    by_hand = principal.scope is None
    for alert in replaced if by_hand else ():
        check_may_clear(principal, alert)
    if message.msg_type == "Cancel" or not message.infos:
        for alert in replaced:
            alert.cleared_at = now
        _audit(session, principal, "alert.cap_cancel", replaced, name)
        return Outcome("cancelled", cleared=replaced)
    alert = _alert(session, message, name, areas, language, now)
    if by_hand:
        check_reach(session, principal, alert.targets, alert.severity)
    for old in replaced:
        old.cleared_at = now
    session.add(alert)
    session.flush()
    counters.bump(session, counters.ALERTS_SENT, label=alert.severity)
    audit.record(
        session, principal, "alert.cap", "alert", alert.id, alert.location_id, {"cap": name}
    )
    return Outcome("updated" if replaced else "created", sent=alert, cleared=replaced)


def _referenced(
    session: Session, references: tuple[cap.Reference, ...], now: datetime
) -> list[Alert]:
    names = [cap_name(ref.sender, ref.identifier) for ref in references]
    if not names:
        return []
    return [
        alert
        for alert in session.scalars(
            select(Alert).where(Alert.cap_identifier.in_(names), Alert.cleared_at.is_(None))
        )
        if alert.expires_at is None or alert.expires_at > now
    ]


def _audit(
    session: Session, principal: Principal, action: str, alerts: list[Alert], name: str
) -> None:
    for alert in alerts:
        audit.record(
            session, principal, action, "alert", alert.id, alert.location_id, {"cap": name}
        )


def _alert(
    session: Session,
    message: cap.CapAlert,
    name: str,
    areas: cap.AreaMap | None,
    language: str,
    now: datetime,
) -> Alert:
    """Our alert for a CAP message: its text in our language when it has it (else its
    first <info>), every other language as a variant, all its areas as targets."""
    base = next((info for info in message.infos if info.language == language), message.infos[0])
    title, body = cap.text_of(base)
    variants: dict[str, Any] = {}
    for info in message.infos:
        if info.language != base.language and info.language not in variants:
            variant_title, variant_body = cap.text_of(info)
            variants[info.language] = {"title": variant_title, "body": variant_body}
    expires = base.expires or now + DEFAULT_CAP_LIFETIME
    if expires <= now:
        raise ValidationFailed("this CAP alert has expired already")
    targets, owner = _targets(session, message, areas)
    return Alert(
        location_id=owner,
        title=title,
        body=body,
        variants=variants,
        severity=cap.severity_of(base),
        targets=targets,
        source="cap",
        cap_identifier=name,
        starts_at=now,
        expires_at=expires,
    )


def _targets(
    session: Session, message: cap.CapAlert, areas: cap.AreaMap | None
) -> tuple[dict[str, Any], int]:
    roots = load_tree(session).roots()
    if not roots:
        raise ValidationFailed("there are no locations to show the alert at")
    if areas is None:
        return {"all": True}, roots[0]
    slugs = areas.locations(area for info in message.infos for area in info.areas)
    found = {
        row.slug: row.id
        for row in session.execute(
            select(Location.slug, Location.id).where(Location.slug.in_(slugs))
        )
    }
    ids = [found[slug] for slug in slugs if slug in found]
    if not ids:
        described = ", ".join(sorted({a.description for i in message.infos for a in i.areas}))
        raise ValidationFailed(
            f"no location is mapped to this alert's areas ({described or 'none given'}); "
            "see SIGNAGE_CAP_AREAS"
        )
    return {"location_ids": ids}, ids[0]


# -- out --------------------------------------------------------------------------------
def public_alerts(session: Session, now: datetime, language: str) -> list[cap.Published]:
    """The active alerts that reach a public location: to all, or to a location, group
    or display at (or under) a location marked public."""
    alerts = active(session, now)
    if not alerts:
        return []
    tree = load_tree(session)
    rows = session.execute(select(Location.id, Location.name, Location.public)).all()
    names = {row.id: row.name for row in rows}
    public = {row.id for row in rows if row.public}
    published = []
    for alert in alerts:
        places = _places(session, alert.targets, tree.subtree)
        shown_at = sorted(names[place] for place in places if place in public)
        if alert.targets.get("all") or shown_at:
            published.append(
                cap.Published(
                    identifier=f"infotavle-{alert.id}",
                    sent=alert.starts_at,
                    severity=alert.severity,
                    title=alert.title,
                    body=alert.body,
                    language=language,
                    variants=alert.variants,
                    expires=alert.expires_at,
                    areas=tuple(shown_at) or tuple(sorted(names[r] for r in tree.roots())),
                )
            )
    return published


def _places(session: Session, targets: dict[str, Any], subtree: Any) -> set[int]:
    places: set[int] = set()
    for location_id in targets.get("location_ids", []):
        places |= subtree(location_id)
    if targets.get("group_ids"):
        places |= set(
            session.scalars(select(Group.location_id).where(Group.id.in_(targets["group_ids"])))
        )
    if targets.get("display_ids"):
        places |= set(
            session.scalars(
                select(Display.location_id).where(Display.id.in_(targets["display_ids"]))
            )
        )
    return places
