"""Locations, displays and groups: the rules for writing them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage import audit
from signage.accounts.permissions import Principal, Role
from signage.accounts.security import hash_token, new_token
from signage.core.recurrence import RecurrenceError, validate_rrule, validate_window
from signage.crud import CrudService, ensure_exist, get_or_404, load_tree, require_write
from signage.db import utcnow
from signage.errors import Conflict, Forbidden, ValidationFailed
from signage.scheduling.models import Schedule
from signage.screens.models import Display, Group, GroupMember, Location, RevokedToken


class LocationService(CrudService[Location]):
    model = Location
    kind = "location"
    write_role = Role.ADMIN
    unique = ("slug",)
    owner_column = "id"

    def authorize(
        self, session: Session, principal: Principal, obj: Location, *, creating: bool
    ) -> None:
        """A new location belongs to its parent's subtree; a new root needs a whole-tree
        admin, and only while there is none."""
        if not creating:
            super().authorize(session, principal, obj, creating=creating)
        elif obj.parent_id is not None:
            require_write(principal, obj.parent_id, Role.ADMIN, "locations")
        elif not principal.covers_whole_tree(Role.ADMIN) and load_tree(session).parents:
            raise ValidationFailed("parent_id is required: only one root location exists")

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Location,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        if "parent_id" in data and data["parent_id"] != obj.parent_id:
            new_parent = data["parent_id"]
            if new_parent is None:
                raise ValidationFailed("a location cannot be turned into a root")
            get_or_404(session, Location, new_parent, "parent location")
            if not creating and new_parent in load_tree(session).subtree(obj.id):
                raise ValidationFailed("a location cannot be moved below itself")
            require_write(principal, new_parent, Role.ADMIN, "locations")
        for name, value in data.items():
            setattr(obj, name, value)

    def check_delete(self, session: Session, obj: Location) -> None:
        if session.scalar(select(Location.id).where(Location.parent_id == obj.id).limit(1)):
            raise Conflict("this location still has child locations; move or delete them first")
        _drop_schedules_targeting(session, "location", obj.id)


def _drop_schedules_targeting(session: Session, kind: str, target_id: int) -> None:
    """A schedule aimed at a display or group that is going away means nothing any more."""
    for schedule in session.scalars(
        select(Schedule).where(Schedule.target_kind == kind, Schedule.target_id == target_id)
    ):
        session.delete(schedule)


def _validate_power(power: list[dict[str, Any]]) -> None:
    for index, window in enumerate(power):
        try:
            if window.get("window"):
                validate_window(*window["window"])
            if window.get("rrule"):
                window["rrule"] = validate_rrule(window["rrule"])
        except RecurrenceError as exc:
            raise ValidationFailed(f"power[{index}]: {exc}") from exc


class DisplayService(CrudService[Display]):
    model = Display
    not_null = frozenset({"resolution"})  # the width and height columns
    kind = "display"
    write_role = Role.FACILITY_MANAGER

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Display,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        data.pop("provision", None)
        if "resolution" in data:
            obj.width, obj.height = data.pop("resolution")
        if "power" in data:
            _validate_power(data["power"])
        location_id = data.get("location_id", obj.location_id)
        name = data.get("name", obj.name)
        if location_id is not None:
            get_or_404(session, Location, location_id, "location")
            clash = select(Display.id).where(
                Display.location_id == location_id, Display.name == name
            )
            if obj.id is not None:
                clash = clash.where(Display.id != obj.id)
            if session.scalar(clash):
                raise Conflict(f"a display named {name!r} already exists at this location")
        for key, value in data.items():
            setattr(obj, key, value)

    def check_delete(self, session: Session, obj: Display) -> None:
        _drop_schedules_targeting(session, "display", obj.id)

    def issue_token(self, session: Session, principal: Principal, display: Display) -> str:
        """Give the display a new device token; the old one stops working at once."""
        require_write(principal, display.location_id, self.write_role, "this display")
        token = install_token(session, display)
        audit.record(
            session, principal, "display.token", "display", display.id, display.location_id
        )
        return token


class GroupService(CrudService[Group]):
    model = Group
    kind = "group"
    write_role = Role.FACILITY_MANAGER
    unique = ("slug",)

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Group,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        display_ids = data.pop("display_ids", None)
        if "location_id" in data:
            get_or_404(session, Location, data["location_id"], "location")
        for key, value in data.items():
            setattr(obj, key, value)
        if display_ids is not None:
            if obj.tag and display_ids:
                raise ValidationFailed("a group has either a tag or explicit display_ids, not both")
            displays = ensure_exist(session, Display, display_ids, "display")
            # Groups whose members are all in scope: no reaching into another subtree.
            if not principal.can_write_all((d.location_id for d in displays), self.write_role):
                raise Forbidden("every member display must be inside your locations")
            wanted = sorted(d.id for d in displays)  # members are a set; keep id order
            if wanted != group_member_ids(obj):
                obj.members = [GroupMember(display_id=display_id) for display_id in wanted]
        elif obj.tag and obj.members:
            obj.members = []

    def check_delete(self, session: Session, obj: Group) -> None:
        _drop_schedules_targeting(session, "group", obj.id)


def group_member_ids(group: Group) -> list[int]:
    return [member.display_id for member in group.members]


def install_token(session: Session, display: Display) -> str:
    """Give the display a new device token; a token it had before is revoked."""
    retire_token(session, display)
    token = new_token()
    display.token_hash = hash_token(token)
    display.token_issued_at = utcnow()
    session.flush()
    return token


def retire_token(session: Session, display: Display) -> str | None:
    """Revoke the display's token, kept as revoked so its kiosk is told so rather than
    simply refused; returns the revoked hash."""
    old = display.token_hash
    if old is None:
        return None
    session.add(RevokedToken(token_hash=old, display_id=display.id))
    display.token_hash = None
    session.flush()
    return old
