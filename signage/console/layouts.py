"""The layout chooser that the display, group and location pages share: each layout's
name and a preview drawn from `signage.core.layouts`, what "inherit" gives, and the
posted choice read back. Reads only; the page's own service writes the choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.core.layouts import DEFAULT_LAYOUT, GRID, LAYOUTS, layout_of
from signage.layout_names import LAYOUT_NAMES, REGION_NAMES
from signage.screens import devices
from signage.screens.models import Display, Group, Location

INHERIT = "inherit"  # the form's value for "no layout of its own" (None in the database)
FIELD = "layout"
UNKNOWN_LAYOUT = _l("Choose one of the layouts shown.")
# The preview's size in pixels: a 16:9 screen, lying or standing.
PREVIEW_PX = {"landscape": (240.0, 135.0), "portrait": (135.0, 240.0)}
LABEL_PX = 12.0  # the largest label; a thin region gets a smaller one


@dataclass(frozen=True)
class Box:
    """A region drawn in a preview, in pixels, with its label's size."""

    name: str
    label: str
    x: float
    y: float
    w: float
    h: float
    font: float


@dataclass(frozen=True)
class Preview:
    orientation: str
    width: float
    height: float
    boxes: tuple[Box, ...]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    previews: tuple[Preview, ...]
    note: str = ""


@dataclass(frozen=True)
class Chooser:
    """What the template draws: the options (inherit first), the one checked, the
    orientation shown (`landscape`, `portrait` or `both`) and a problem, if any."""

    options: tuple[Option, ...]
    chosen: str
    orientation: str
    problem: str | None = None


def layout_name(key: str) -> str:
    return str(LAYOUT_NAMES.get(key, key))


def preview(key: str, orientation: str) -> Preview:
    width, height = PREVIEW_PX[orientation]
    cell_w, cell_h = width / GRID, height / GRID
    boxes = []
    for region in layout_of(key).regions:
        rect = region.rect(orientation)
        label = str(REGION_NAMES.get(region.name, region.name))
        w, h = rect.w * cell_w, rect.h * cell_h
        # Fit the label inside its box: about 0.6 em a letter across, 0.75 of the height.
        font = min(LABEL_PX, h * 0.75, w / (0.62 * max(len(label), 1)))
        boxes.append(
            Box(region.name, label, rect.x * cell_w, rect.y * cell_h, w, h, round(font, 1))
        )
    return Preview(orientation, width, height, tuple(boxes))


def chooser(
    values: dict[str, Any],
    problems: dict[str, str],
    inherited: Inherited,
    orientation: str = "both",
) -> Chooser:
    """The options for a form with these (posted or stored) values and problems. Both
    orientations are drawn; the page shows `orientation` (or both), and the display page
    switches as its orientation field changes."""

    def previews(key: str) -> tuple[Preview, ...]:
        return tuple(preview(key, shape) for shape in PREVIEW_PX)

    inherit = Option(
        INHERIT,
        _("Inherit: %(layout)s", layout=layout_name(inherited.key)),
        previews(inherited.key),
        inherited.source,
    )
    options = [Option(key, layout_name(key), previews(key)) for key in LAYOUTS]
    return Chooser(
        (inherit, *options), values.get(FIELD, INHERIT), orientation, problems.get(FIELD)
    )


# -- what "inherit" gives ---------------------------------------------------------------
@dataclass(frozen=True)
class Inherited:
    key: str
    source: str  # where it comes from, in words


def _from_locations(session: Session, chain: list[int]) -> Inherited | None:
    rows = {
        row.id: row
        for row in session.execute(
            select(Location.id, Location.name, Location.layout).where(Location.id.in_(chain))
        )
    }
    for lid in chain:
        row = rows.get(lid)
        if row is not None and row.layout:
            key = layout_of(row.layout).key  # as the resolver: an unknown key is full
            return Inherited(key, _("From the location %(name)s.", name=row.name))
    return None


def _default() -> Inherited:
    return Inherited(DEFAULT_LAYOUT, _("No group or location above chooses one."))


def inherited_by_display(session: Session, display: Display) -> Inherited:
    """As the resolver chooses (`chosen_layout`): the display's groups by id, then its
    location and each one above it."""
    chain, groups = devices.reach_of(session, display)
    rows = session.execute(
        select(Group.name, Group.layout).where(Group.id.in_(groups)).order_by(Group.id)
    )
    for row in rows:
        if row.layout:
            key = layout_of(row.layout).key
            return Inherited(key, _("From the group %(name)s.", name=row.name))
    return _from_locations(session, chain) or _default()


def inherited_by_location(session: Session, location: Location) -> Inherited:
    chain = devices.location_chain(session, location.id)[1:]
    return _from_locations(session, chain) or _default()


def inherited_by_group(session: Session, group: Group) -> Inherited:
    """A group without a layout leaves it to each screen's location; the group's own
    location shows what that usually gives."""
    found = _from_locations(session, devices.location_chain(session, group.location_id))
    key = found.key if found else DEFAULT_LAYOUT
    place = session.get(Location, group.location_id)
    return Inherited(
        key,
        _(
            "Each screen follows its location; at %(place)s that is this layout.",
            place=place.name if place else "?",
        ),
    )


# -- the posted choice ------------------------------------------------------------------
def form_value(stored: str | None) -> str:
    return stored if stored else INHERIT


def posted(stored: str | None) -> tuple[str, dict[str, str | None], str | None]:
    """(what was posted, the change to write, a problem). The change is `{"layout":
    key}`, None for inherit, and empty when the form has no chooser or its value is not
    a layout (then the problem says so)."""
    if FIELD not in request.form:
        return form_value(stored), {}, None
    value = request.form[FIELD].strip()
    if value == INHERIT:
        return value, {FIELD: None}, None
    if value in LAYOUTS:
        return value, {FIELD: value}, None
    return value, {}, str(UNKNOWN_LAYOUT)
