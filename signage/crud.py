"""The shared shape of a domain service for one collection: scope checks, field
assignment, uniqueness, audit. Domain services subclass it and add their own rules.

Services never touch `flask.request`; they take a session, a principal and a dict of
validated fields, and raise `signage.errors` exceptions.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import LocationTree, Principal, Role
from signage.errors import Conflict, Forbidden, NotFound, ValidationFailed
from signage.scheduling.changes import WRITES
from signage.screens.models import Location

T = TypeVar("T")


class Entity(Protocol):
    id: Any


M = TypeVar("M", bound=Entity)
# session.info flag: the last `update` changed something (the importer counts updates).
CHANGED = "signage.changed"


def load_tree(session: Session) -> LocationTree:
    rows = session.execute(select(Location.id, Location.parent_id)).all()
    return LocationTree({row.id: row.parent_id for row in rows})


def get_or_404(session: Session, model: type[T], entity_id: int, what: str) -> T:
    obj = session.get(model, entity_id)
    if obj is None:
        raise NotFound(f"{what} {entity_id} does not exist")
    return obj


def require_write(principal: Principal, location_id: int | None, role: Role, what: str) -> None:
    if not principal.can_write(location_id, role):
        raise Forbidden(
            f"you may not change {what} at location {location_id}: it needs the role "
            f"{role.slug} on that location or one above it"
        )


def writes_so_far(session: Session) -> int:
    """Domain rows this session has flushed (autoflush included) or holds pending."""
    pending = len(session.new) + len(session.deleted)
    pending += sum(1 for obj in session.dirty if session.is_modified(obj))
    return int(session.info.get(WRITES, 0)) + pending


def flush_or_conflict(session: Session, message: str) -> None:
    """Flush now so a constraint breach is a 409, not a 500 at commit time."""
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(message) from exc


class CrudService(Generic[M]):
    """Create, update and delete one kind of owned entity inside the caller's scope."""

    # Any, not type[M]: class variables cannot name a type parameter.
    model: ClassVar[type[Any]]
    # Fields that are not columns of `model` yet must never be null (a change's schema
    # takes null for "not given"); the model's NOT NULL columns are checked anyway.
    not_null: ClassVar[frozenset[str]] = frozenset()
    kind: ClassVar[str]
    write_role: ClassVar[Role]
    # Columns whose values must be unique across the instance, checked before writing.
    unique: ClassVar[tuple[str, ...]] = ()
    # The column naming the owning location (a location owns itself: "id").
    owner_column: ClassVar[str] = "location_id"

    # -- reading ---------------------------------------------------------------------
    def readable_query(self, principal: Principal) -> Select[Any]:
        query = select(self.model)
        if not principal.covers_whole_tree(Role.VIEWER):
            owner = getattr(self.model, self.owner_column)
            query = query.where(owner.in_(principal.readable()))
        return query

    def get(self, session: Session, principal: Principal, entity_id: int) -> M:
        obj = session.get(self.model, entity_id)
        # Outside the read scope looks exactly like absent: existence is not leaked.
        if obj is None or not principal.can_read(self.owner_of(obj)):
            raise NotFound(f"{self.kind} {entity_id} does not exist")
        return obj

    def owner_of(self, obj: Any) -> int | None:
        return getattr(obj, self.owner_column)

    def authorize(self, session: Session, principal: Principal, obj: M, *, creating: bool) -> None:
        """May `principal` write `obj` where it now is? Raises Forbidden if not."""
        what = f"a {self.kind}" if creating else f"this {self.kind}"
        require_write(principal, self.owner_of(obj), self.write_role, what)

    # -- writing ---------------------------------------------------------------------
    def create(self, session: Session, principal: Principal, data: dict[str, Any]) -> M:
        obj: M = self.model()
        self.check_unique(session, data, None)
        self.apply(session, principal, obj, data, creating=True)
        self.authorize(session, principal, obj, creating=True)
        session.add(obj)
        flush_or_conflict(session, f"this {self.kind} conflicts with an existing one")
        audit.record(
            session,
            principal,
            f"{self.kind}.create",
            self.kind,
            obj.id,
            self.owner_of(obj),
            self.audit_details(data),
        )
        return obj

    def update(self, session: Session, principal: Principal, obj: M, data: dict[str, Any]) -> M:
        self.authorize(session, principal, obj, creating=False)
        self.refuse_nulls(data)
        self.check_unique(session, data, obj)
        before = writes_so_far(session)
        self.apply(session, principal, obj, data, creating=False)
        # Moving an entity needs write access at the destination too.
        self.authorize(session, principal, obj, creating=False)
        if writes_so_far(session) == before:
            return obj  # an update that changes nothing leaves no change and no audit entry
        session.info[CHANGED] = True
        flush_or_conflict(session, f"this {self.kind} conflicts with an existing one")
        audit.record(
            session,
            principal,
            f"{self.kind}.update",
            self.kind,
            obj.id,
            self.owner_of(obj),
            self.audit_details(data),
        )
        return obj

    def refuse_nulls(self, data: dict[str, Any]) -> None:
        """A change may leave a field out, but not set a column that must hold a value to
        null: the schemas of changes take null for "not given"."""
        columns = self.model.__table__.columns
        for name, value in data.items():
            required = name in self.not_null or (name in columns and not columns[name].nullable)
            if value is None and required:
                raise ValidationFailed(f"{name}: must not be null")

    def delete(self, session: Session, principal: Principal, obj: M) -> None:
        self.authorize(session, principal, obj, creating=False)
        self.check_delete(session, obj)
        entity_id, owner = obj.id, self.owner_of(obj)
        session.delete(obj)
        flush_or_conflict(session, f"this {self.kind} is still in use and cannot be deleted")
        audit.record(session, principal, f"{self.kind}.delete", self.kind, entity_id, owner)

    # -- hooks for subclasses ----------------------------------------------------------
    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: M,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        """Copy validated fields onto the entity; subclasses check references first."""
        if "location_id" in data:
            get_or_404(session, Location, data["location_id"], "location")
        for name, value in data.items():
            setattr(obj, name, value)

    def check_delete(self, session: Session, obj: M) -> None:
        """Raise Conflict when something still depends on `obj`."""

    def audit_details(self, data: dict[str, Any]) -> dict[str, Any]:
        return {"fields": sorted(data)}

    def check_unique(self, session: Session, data: dict[str, Any], obj: M | None) -> None:
        for column in self.unique:
            if column not in data or data[column] is None:
                continue
            query = (
                select(func.count())
                .select_from(self.model)
                .where(getattr(self.model, column) == data[column])
            )
            if obj is not None:
                query = query.where(self.model.id != obj.id)
            if session.scalar(query):
                raise Conflict(f"a {self.kind} with {column} {data[column]!r} already exists")


def ensure_exist(session: Session, model: type[Any], ids: Iterable[int], what: str) -> list[Any]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = {obj.id: obj for obj in session.scalars(select(model).where(model.id.in_(wanted)))}
    missing = [i for i in wanted if i not in found]
    if missing:
        raise ValidationFailed(f"unknown {what} id(s): {', '.join(map(str, missing))}")
    return [found[i] for i in wanted]
