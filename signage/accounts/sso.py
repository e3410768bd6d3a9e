"""Users signed in by the identity provider: created at their first sign-in, and their
grants from group claims replaced at every sign-in. Grants given by hand are left alone.

No Flask and no HTTP here: the console verifies the ID token and passes its claims in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.models import GRANT_FROM_CLAIMS, Grant, User
from signage.accounts.permissions import Role
from signage.accounts.services import principal_for_user
from signage.db import utcnow
from signage.screens.models import Location

log = logging.getLogger(__name__)
# What the users table holds (a longer value fails on PostgreSQL, not on SQLite).
MAX_SUBJECT_CHARS = 255
MAX_EMAIL_CHARS = 254
MAX_NAME_CHARS = 200

GroupGrants = Mapping[str, Iterable[tuple[str, str]]]


class ClaimsRefused(ValueError):
    """The ID token's claims do not name a usable account."""


@dataclass(frozen=True)
class SignIn:
    user: User
    added: tuple[tuple[str, int], ...]
    removed: tuple[tuple[str, int], ...]

    @property
    def has_access(self) -> bool:
        return bool(self.user.grants)


def granted_by_claims(
    session: Session, groups: Iterable[str], mapping: GroupGrants
) -> set[tuple[str, int]]:
    """The (role, location id) grants the user's groups give. A slug that names no
    location is logged and skipped: one stale line must not lock everybody out."""
    slugs: dict[str, int] = {
        row.slug: row.id for row in session.execute(select(Location.slug, Location.id))
    }
    wanted: set[tuple[str, int]] = set()
    for group in groups:
        for role, slug in mapping.get(group, ()):
            if slug not in slugs:
                log.warning("SIGNAGE_OIDC_GROUPS: group %r names no location %r", group, slug)
                continue
            wanted.add((Role.parse(role).slug, slugs[slug]))
    return wanted


def sign_in_with_claims(
    session: Session, claims: Mapping[str, object], groups_claim: str, mapping: GroupGrants
) -> SignIn:
    """Find or create the user the claims name and make their claim grants match."""
    user = _find_or_create_user(session, claims)
    if not user.active:
        raise ClaimsRefused("the account is deactivated")
    raw_groups = claims.get(groups_claim) or []
    groups = [raw_groups] if isinstance(raw_groups, str) else list(raw_groups)  # type: ignore[call-overload]
    wanted = granted_by_claims(session, (str(g) for g in groups), mapping)
    added, removed = _sync_grants(session, user, wanted)
    user.last_login_at = utcnow()
    session.flush()
    session.refresh(user)
    principal = principal_for_user(session, user)
    for kind, changes in (
        ("grant.added_from_claims", added),
        ("grant.removed_from_claims", removed),
    ):
        for role, location_id in changes:
            audit.record(session, principal, kind, "grant", None, location_id, {"role": role})
    if user.grants:
        audit.record(session, principal, "login", "user", user.id, details={"method": "oidc"})
    else:
        record_failed_login(session, "oidc", "no_grant", user.id)
    return SignIn(user=user, added=tuple(sorted(added)), removed=tuple(sorted(removed)))


def _find_or_create_user(session: Session, claims: Mapping[str, object]) -> User:
    """The person by the provider's subject; at their first sign-in by email (linking an
    account made by hand), or a new account. An email the provider has not verified, or
    one already linked to another subject, is refused: it would hand over that account."""
    subject = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    if not subject:
        raise ClaimsRefused("the ID token carries no subject")
    if len(subject) > MAX_SUBJECT_CHARS:  # OpenID Connect Core 1.0 §2 allows no longer
        raise ClaimsRefused(f"the subject is longer than {MAX_SUBJECT_CHARS} characters")
    user = session.scalar(select(User).where(User.oidc_subject == subject))
    if user is not None:
        return user
    if "@" not in email or len(email) > MAX_EMAIL_CHARS:
        raise ClaimsRefused("the ID token carries no email address")
    if claims.get("email_verified") is False:
        raise ClaimsRefused("the provider has not verified the email address")
    user = session.scalar(select(User).where(User.email == email))
    if user is not None:
        if user.oidc_subject is not None:
            raise ClaimsRefused("the email address belongs to another subject")
        user.oidc_subject = subject
        return user
    name = str(claims.get("name") or "")[:MAX_NAME_CHARS]  # a display name, shortened
    user = User(email=email, name=name, password_hash=None, oidc_subject=subject)
    session.add(user)
    session.flush()
    audit.record(session, None, "create", "user", user.id, details={"via": "oidc"})
    return user


def _sync_grants(
    session: Session, user: User, wanted: set[tuple[str, int]]
) -> tuple[set[tuple[str, int]], set[tuple[str, int]]]:
    held = {(g.role, g.location_id): g for g in user.grants}
    removed = {
        key
        for key, grant in held.items()
        if grant.source == GRANT_FROM_CLAIMS and key not in wanted
    }
    for key in removed:
        user.grants.remove(held[key])
    # A grant also given by hand is kept as it is: it stays when the claim goes.
    added = wanted - held.keys()
    for role, location_id in sorted(added):
        user.grants.append(Grant(role=role, location_id=location_id, source=GRANT_FROM_CLAIMS))
    return added, removed


def record_failed_login(
    session: Session, method: str, reason: str, user_id: int | None = None
) -> None:
    """A refused sign-in; no address or typed email is kept (DESIGN.md, Personal data)."""
    audit.record(
        session, None, "login_failed", "user", user_id, details={"method": method, "reason": reason}
    )
