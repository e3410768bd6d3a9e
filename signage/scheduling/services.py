"""Schedules: who may put which playlist where, and when."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from signage.accounts.permissions import Principal, Role
from signage.content.models import Playlist
from signage.core.recurrence import RecurrenceError, validate_rrule, validate_span, validate_window
from signage.crud import CrudService, get_or_404, load_tree
from signage.errors import Forbidden, NotFound, ValidationFailed
from signage.scheduling.models import Schedule
from signage.screens.models import Display, Group, Location

TARGET_KINDS = ("all", "location", "group", "display")


def target_to_columns(target: dict[str, Any]) -> tuple[str, int | None]:
    for kind in ("location", "group", "display"):
        if target.get(f"{kind}_id") is not None:
            return kind, target[f"{kind}_id"]
    return "all", None


def target_of(schedule: Schedule) -> dict[str, Any]:
    if schedule.target_kind == "all":
        return {"all": True}
    return {f"{schedule.target_kind}_id": schedule.target_id}


class ScheduleService(CrudService[Schedule]):
    model = Schedule
    not_null = frozenset({"target"})  # the target_kind and target_id columns
    kind = "schedule"
    write_role = Role.FACILITY_MANAGER
    unique = ("key",)

    def apply(
        self,
        session: Session,
        principal: Principal,
        obj: Schedule,
        data: dict[str, Any],
        *,
        creating: bool,
    ) -> None:
        data = dict(data)
        if data.get("location_id") is not None:  # before any query autoflushes it
            get_or_404(session, Location, data["location_id"], "location")
        if "target" in data:
            obj.target_kind, obj.target_id = target_to_columns(data.pop("target"))
        if "window" in data:
            window = data.pop("window")
            obj.window_start, obj.window_end = window if window else (None, None)
        for key, value in data.items():
            setattr(obj, key, value)
        target_location = self._target_location(session, principal, obj)
        if obj.location_id is None:
            obj.location_id = target_location
        self._check_rules(obj)
        self._check_reach(session, principal, obj, target_location)

    def _target_location(self, session: Session, principal: Principal, obj: Schedule) -> int:
        """The location the target sits at; 'all' sits at the root."""
        if obj.target_kind == "all":
            roots = load_tree(session).roots()
            if not roots:
                raise ValidationFailed("there is no location yet to schedule on")
            return roots[0]
        model: Any = {"location": Location, "group": Group, "display": Display}[obj.target_kind]
        target = session.get(model, obj.target_id) if obj.target_id else None
        location_id = (
            None
            if target is None
            else (target.id if isinstance(target, Location) else target.location_id)
        )
        if location_id is None or not principal.can_read(location_id):
            raise NotFound(f"target {obj.target_kind} {obj.target_id} does not exist")
        return location_id

    def _check_rules(self, obj: Schedule) -> None:
        try:
            if obj.rrule:
                obj.rrule = validate_rrule(obj.rrule)
            if obj.window_start is not None and obj.window_end is not None:
                validate_window(obj.window_start, obj.window_end)
            validate_span(obj.starts, obj.ends)
            for text in obj.exdates or []:
                date.fromisoformat(text)
        except RecurrenceError as exc:
            raise ValidationFailed(str(exc)) from exc
        except ValueError as exc:
            raise ValidationFailed(f"exdates: {exc}") from exc

    def _check_reach(
        self, session: Session, principal: Principal, obj: Schedule, target_location: int
    ) -> None:
        playlist = session.get(Playlist, obj.playlist_id)
        if playlist is None or not principal.can_read(playlist.location_id):
            raise NotFound(f"playlist {obj.playlist_id} does not exist")
        get_or_404(session, Location, obj.location_id, "location")
        if obj.tier == "campaign" and not principal.has_role(Role.COMMUNICATOR):
            raise Forbidden("only a communicator may create campaign schedules")
        tree = load_tree(session)
        municipality_wide = obj.target_kind == "all" or tree.is_root(target_location)
        needed = Role.COMMUNICATOR if municipality_wide else Role.FACILITY_MANAGER
        if not principal.can_write(target_location, needed):
            raise Forbidden(
                "you may not schedule on this target"
                + (": the whole municipality needs a communicator" if municipality_wide else "")
            )
