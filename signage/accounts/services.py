"""Users, grants and tokens; turning a session or a bearer token into a Principal."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.models import ApiToken, AuditEvent, Grant, Setting, User
from signage.accounts.permissions import GrantSpec, Principal, Role, Scope
from signage.accounts.security import hash_password, hash_token, new_token, verify_password
from signage.content.models import Media
from signage.core.contrast import AA_TEXT_RATIO, weak_pairs
from signage.crud import CrudService, flush_or_conflict, get_or_404, load_tree, require_write
from signage.db import utcnow
from signage.errors import Conflict, Forbidden, NotFound, ValidationFailed
from signage.monitoring.models import Notification, OutgoingMail
from signage.screens.models import Location

DEFAULT_BRAND: dict[str, Any] = {
    "name": "Infotavle",
    "logo_media_id": None,
    "palette": {
        "primary": "#00505c",
        "accent": "#f0b400",
        "background": "#ffffff",
        "text": "#1a1a1a",
    },
    "font": "system-ui",
}

log = logging.getLogger(__name__)
# How often a token's last use is written: the mark costs a write of its own.
TOKEN_USE_STEP = timedelta(minutes=5)


def principal_for_user(session: Session, user: User) -> Principal:
    grants = tuple(GrantSpec(Role.parse(g.role), g.location_id) for g in user.grants)
    return Principal(user_id=user.id, label=user.email, grants=grants, tree=load_tree(session))


def system_principal(session: Session) -> Principal:
    """The command line and jobs: admin over every root."""
    tree = load_tree(session)
    grants = tuple(GrantSpec(Role.ADMIN, root) for root in tree.roots())
    return Principal(user_id=None, label="system", grants=grants, tree=tree)


def principal_for_token(session: Session, raw: str) -> Principal | None:
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    _mark_used(session, token)
    principal = principal_for_user(session, user)
    if token.scope is not None:
        principal.grants = ()
        principal.scope = token.scope
    return principal


def _mark_used(session: Session, token: ApiToken) -> None:
    """Note when the token was last used (`signage token list` shows it), at most every
    TOKEN_USE_STEP, in a transaction of its own: the request's own is rolled back when it
    only reads. A failed write does not fail the request; the next use tries again."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < TOKEN_USE_STEP:
        return
    try:
        with Session(session.get_bind()) as own, own.begin():
            own.execute(update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now))
    except OperationalError as exc:
        log.warning("could not note the use of API token %s: %s", token.id, exc)


def authenticate(session: Session, email: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        # Spend the same time as a real check so timing does not reveal which emails exist.
        verify_password(_DUMMY_HASH, password)
        return None
    if not user.active or not verify_password(user.password_hash, password):
        return None
    user.last_login_at = utcnow()
    return user


_DUMMY_HASH = hash_password("not-a-real-password-just-for-timing")


def create_token(session: Session, user: User, scope: str | None = None, name: str = "") -> str:
    if scope is not None and scope not in Scope.ALL:
        raise ValidationFailed(f"unknown scope {scope!r}; scopes are {', '.join(Scope.ALL)}")
    raw = new_token()
    token = ApiToken(user_id=user.id, token_hash=hash_token(raw), scope=scope, name=name)
    session.add(token)
    session.flush()
    _audit_token(session, "api_token.create", token)
    return raw


def _audit_token(session: Session, action: str, token: ApiToken) -> None:
    """Tokens are made and revoked from the command line: the actor is the system."""
    details = {"user_id": token.user_id, "name": token.name, "scope": token.scope}
    audit.record(session, None, action, "api_token", token.id, details=details)


def list_tokens(session: Session, email: str | None = None) -> list[tuple[ApiToken, str]]:
    """Every API token with its user's email, oldest first; with `email`, that user's."""
    query = select(ApiToken, User.email).join(User, User.id == ApiToken.user_id)
    if email is not None:
        query = query.where(User.email == email.strip().lower())
    return [(token, owner) for token, owner in session.execute(query.order_by(ApiToken.id))]


def revoke_token(session: Session, token_id: int) -> ApiToken:
    """Revoke one API token: the next request with it gets 401. Others stay valid."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"there is no API token {token_id}; 'signage token list' shows them")
    if token.revoked_at is not None:
        raise Conflict(f"API token {token_id} was revoked at {token.revoked_at:%Y-%m-%d %H:%M}")
    token.revoked_at = utcnow()
    _audit_token(session, "api_token.revoke", token)
    return token


class UserService(CrudService[User]):
    """Users are instance-wide; only admins of the whole municipality manage them, and
    only they read the accounts (an admin of one department sees no one's email, as the
    console's users pages show them to nobody else either)."""

    model = User
    kind = "user"
    write_role = Role.ADMIN
    unique = ("email",)

    def readable_query(self, principal: Principal) -> Any:
        self._require_whole_tree(principal)
        return select(User)

    def get(self, session: Session, principal: Principal, entity_id: int) -> User:
        self._require_whole_tree(principal)
        return get_or_404(session, User, entity_id, "user")

    def owner_of(self, obj: Any) -> int | None:
        return None  # users belong to no location

    def authorize(
        self, session: Session, principal: Principal, obj: User, *, creating: bool
    ) -> None:
        self._require_whole_tree(principal)

    @staticmethod
    def _require_whole_tree(principal: Principal) -> None:
        if not principal.covers_whole_tree(Role.ADMIN):
            raise Forbidden("only an admin of the whole municipality manages user accounts")

    def delete(self, session: Session, principal: Principal, obj: User) -> None:
        """Forget the person (name, email, password hash, grants, tokens, notifications)
        and keep what they did in the audit log under a pseudonym, which the deletion's
        own entry names: an auditor can still tell that one person did those things."""
        if obj.id == principal.user_id:
            raise Conflict("you cannot delete your own account")
        self.authorize(session, principal, obj, creating=False)
        user_id = obj.id
        pseudonym = pseudonymise(session, obj)
        forget_belongings(session, obj)
        session.delete(obj)
        flush_or_conflict(session, "this user is still in use and cannot be deleted")
        audit.record(
            session, principal, "user.delete", "user", user_id, details={"pseudonym": pseudonym}
        )

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: User,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        if "password" in data:
            password = data.pop("password")
            obj.password_hash = hash_password(password) if password else None
        for key, value in data.items():
            setattr(obj, key, value)


def pseudonymise(session: Session, user: User) -> str:
    """Put the audit trail of a user about to be deleted under one pseudonym, and return
    it. The pseudonym is random, not derived from the person: nobody can recompute it
    from an email address, and it is the same on every entry of theirs."""
    pseudonym = "deleted-user-" + secrets.token_hex(5)
    session.execute(
        update(AuditEvent).where(AuditEvent.actor_id == user.id).values(actor_label=pseudonym)
    )
    return pseudonym


def forget_belongings(session: Session, user: User) -> None:
    """What is the person's alone goes with them. The database cascades these too; doing
    it here does not depend on the database enforcing foreign keys."""
    user.grants.clear()
    for model in (ApiToken, Notification, OutgoingMail):
        session.execute(delete(model).where(model.user_id == user.id))


class GrantService(CrudService[Grant]):
    model = Grant
    kind = "grant"
    write_role = Role.ADMIN

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Grant,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        if "user_id" in data:
            get_or_404(session, User, data["user_id"], "user")
        super().apply(session, principal, obj, data, creating=creating)
        exists = (
            select(func.count())
            .select_from(Grant)
            .where(
                Grant.user_id == obj.user_id,
                Grant.role == obj.role,
                Grant.location_id == obj.location_id,
            )
        )
        if obj.id is not None:
            exists = exists.where(Grant.id != obj.id)
        if session.scalar(exists):
            raise Conflict("the user already holds this role on this location")


def get_brand(session: Session) -> dict[str, Any]:
    setting = session.get(Setting, "brand")
    return {**DEFAULT_BRAND, **(setting.value if setting else {})}


def update_brand(session: Session, principal: Principal, changes: dict[str, Any]) -> dict[str, Any]:
    roots = load_tree(session).roots()
    require_write(principal, roots[0] if roots else None, Role.ADMIN, "the brand")
    if changes.get("logo_media_id") is not None:
        get_or_404(session, Media, changes["logo_media_id"], "media")
    if changes.get("palette"):
        weak = weak_pairs({**DEFAULT_BRAND["palette"], **changes["palette"]})
        if weak:
            raise ValidationFailed(
                "the palette would make text hard to read: "
                + "; ".join(
                    f"{pair.foreground} on {pair.background} is {pair.ratio:.2f}:1" for pair in weak
                )
                + f" (at least {AA_TEXT_RATIO}:1 is needed, WCAG 2.1 AA)"
            )
    setting = session.get(Setting, "brand")
    if setting is None:
        setting = Setting(key="brand", value={})
        session.add(setting)
    setting.value = {**setting.value, **changes}
    session.flush()
    audit.record(
        session, principal, "brand.update", "brand", None, None, {"fields": sorted(changes)}
    )
    return get_brand(session)


def first_root(session: Session) -> Location | None:
    return session.scalar(
        select(Location).where(Location.parent_id.is_(None)).order_by(Location.id)
    )
