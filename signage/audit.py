"""The audit log: who changed what, when. Written in the caller's transaction; read by
admins, each within their grants."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from signage.accounts.models import AuditEvent
from signage.accounts.permissions import Principal, Role


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    entity_kind: str,
    entity_id: int | None,
    location_id: int | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEvent(
            actor_id=actor.user_id if actor else None,
            actor_label=actor.label if actor else "system",
            action=action,
            entity_kind=entity_kind,
            entity_id=entity_id,
            location_id=location_id,
            details=details or {},
        )
    )


def readable_query(principal: Principal) -> Select[AuditEvent]:
    """The entries an admin may read: all of them with admin over the whole municipality,
    else those at locations under their admin grants (entries about no location, such
    as users and the brand, belong to the whole municipality)."""
    query = select(AuditEvent)
    if not principal.covers_whole_tree(Role.ADMIN):
        query = query.where(AuditEvent.location_id.in_(principal.writable(Role.ADMIN)))
    return query
