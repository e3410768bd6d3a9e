"""The rules of "Who may do what" (DESIGN.md), in one place.

A grant (role, location) covers that location's subtree. A caller reads what is owned
at, below or above their grants and writes only inside the subtree of a grant whose role
is high enough. Services ask `Principal`; nothing else decides.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum


class Role(IntEnum):
    VIEWER = 1
    EDITOR = 2
    FACILITY_MANAGER = 3
    COMMUNICATOR = 4
    ADMIN = 5

    @property
    def slug(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Role:
        try:
            return cls[value.strip().upper().replace("-", "_")]
        except KeyError as exc:
            names = ", ".join(role.slug for role in cls)
            raise ValueError(f"unknown role {value!r}; roles are {names}") from exc


ROLE_NAMES = tuple(role.slug for role in Role)


class Scope:
    """Narrow API-token scopes."""

    CAP_INGEST = "cap:ingest"
    FEED_PUSH = "feed:push"
    METRICS_READ = "metrics:read"  # a Prometheus scraper: /metrics and nothing else
    ALL = (CAP_INGEST, FEED_PUSH, METRICS_READ)


class LocationTree:
    """Parent links of every location, with subtree and ancestor queries."""

    def __init__(self, parents: Mapping[int, int | None]) -> None:
        self.parents = dict(parents)
        self._children: dict[int | None, list[int]] = {}
        for child, parent in self.parents.items():
            self._children.setdefault(parent, []).append(child)

    def ancestors(self, location_id: int) -> list[int]:
        """The chain from the location's parent up to the root."""
        chain: list[int] = []
        current = self.parents.get(location_id)
        while current is not None and current not in chain:
            chain.append(current)
            current = self.parents.get(current)
        return chain

    def subtree(self, location_id: int) -> set[int]:
        found = {location_id}
        stack = [location_id]
        while stack:
            for child in self._children.get(stack.pop(), ()):
                if child not in found:
                    found.add(child)
                    stack.append(child)
        return found

    def roots(self) -> list[int]:
        return sorted(self._children.get(None, []))

    def is_root(self, location_id: int) -> bool:
        return location_id in self.parents and self.parents[location_id] is None


@dataclass(frozen=True)
class GrantSpec:
    role: Role
    location_id: int


@dataclass
class Principal:
    """Who is calling: a user's grants, or a narrow token scope."""

    user_id: int | None
    label: str
    grants: tuple[GrantSpec, ...]
    tree: LocationTree
    scope: str | None = None
    _writable: dict[Role, set[int]] = field(default_factory=dict, repr=False)

    @property
    def top_role(self) -> Role | None:
        if self.scope is not None:
            return None
        return max((grant.role for grant in self.grants), default=None)

    @property
    def is_admin(self) -> bool:
        return self.top_role == Role.ADMIN

    def has_role(self, role: Role) -> bool:
        top = self.top_role
        return top is not None and top >= role

    def has_scope(self, scope: str) -> bool:
        return self.scope == scope

    def writable(self, role: Role) -> set[int]:
        """Locations where this principal may act with at least `role`."""
        if self.scope is not None:
            return set()
        if role not in self._writable:
            found: set[int] = set()
            for grant in self.grants:
                if grant.role >= role:
                    found |= self.tree.subtree(grant.location_id)
            self._writable[role] = found
        return self._writable[role]

    def readable(self) -> set[int]:
        """At, below or above any grant: local staff see central content."""
        found = set(self.writable(Role.VIEWER))
        for grant in self.grants if self.scope is None else ():
            found.update(self.tree.ancestors(grant.location_id))
        return found

    def can_read(self, location_id: int | None) -> bool:
        return location_id is not None and location_id in self.readable()

    def can_write(self, location_id: int | None, role: Role) -> bool:
        return location_id is not None and location_id in self.writable(role)

    def can_write_all(self, location_ids: Iterable[int], role: Role) -> bool:
        allowed = self.writable(role)
        return all(location_id in allowed for location_id in location_ids)

    def covers_whole_tree(self, role: Role) -> bool:
        """True when a grant of `role` sits on every root: whole-municipality reach."""
        roots = self.tree.roots()
        return bool(roots) and all(root in self.writable(role) for root in roots)
