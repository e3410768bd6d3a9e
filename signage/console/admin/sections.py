"""The sections of administration and who may open each: the same rule decides what the
hub offers and what a section's pages let in (the services check every write again)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString

from signage.accounts.permissions import Principal, Role
from signage.console.base import me
from signage.errors import Forbidden


@dataclass(frozen=True)
class Section:
    endpoint: str
    title: LazyString
    text: LazyString
    opens: Callable[[Principal], bool]


def _whole_tree_admin(principal: Principal) -> bool:
    return principal.covers_whole_tree(Role.ADMIN)


def _writes(role: Role) -> Callable[[Principal], bool]:
    return lambda principal: bool(principal.writable(role))


USERS = Section(
    "console.admin_users",
    _l("Users and grants"),
    _l("Who may sign in, and what each person may do where."),
    _whole_tree_admin,
)
LOCATIONS = Section(
    "console.admin_locations",
    _l("Locations"),
    _l("The tree of departments and workplaces that screens and content belong to."),
    _writes(Role.ADMIN),
)
GROUPS = Section(
    "console.admin_groups",
    _l("Groups of screens"),
    _l("Screens gathered by a tag or by hand, so one schedule can reach them all."),
    _writes(Role.FACILITY_MANAGER),
)
BRAND = Section(
    "console.admin_brand",
    _l("Brand"),
    _l("The name, logo, colours and font every screen shows."),
    _whole_tree_admin,
)
THEMES = Section(
    "console.admin_themes",
    _l("Annual themes"),
    _l("The priority themes of the year that slides can be tagged with."),
    _writes(Role.COMMUNICATOR),
)
AUDIT = Section(
    "console.admin_audit",
    _l("Audit log"),
    _l("Who changed what, when and where."),
    _writes(Role.ADMIN),
)
SECTIONS = (USERS, LOCATIONS, GROUPS, BRAND, THEMES, AUDIT)


def require(section: Section) -> Principal:
    """The signed-in user, if they may open `section`."""
    principal = me()
    if not section.opens(principal):
        raise Forbidden(f"{section.endpoint} is not open to this user")
    return principal
