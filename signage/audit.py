"""The audit log: who changed what, when. Written in the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from signage.accounts.models import AuditEvent
from signage.accounts.permissions import Principal


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
