"""Layouts: the regions of a display's screen, as data.

A layout names its regions and gives each a rectangle on a 12 x 12 grid, one for
landscape screens and one for portrait. The layouts are fixed (brand-locked): staff
choose one for a display, a group or a location, and never move a region by hand.
`main` is in every layout and comes first; it carries the brand slide when nothing else
plays. No Flask and no database here: the resolver, the manifest, the console and the
player's CSS all read the same table.
"""

from __future__ import annotations

from dataclasses import dataclass

from signage.core.model import DEFAULT_REGION

GRID = 12
TICKER = "ticker"
SIDE = "side"
REGIONS = (DEFAULT_REGION, SIDE, TICKER)  # every region name a layout may have


@dataclass(frozen=True)
class Rect:
    """A rectangle of grid cells: column and row of its top left cell (0-based), and its
    width and height in cells."""

    x: int
    y: int
    w: int
    h: int

    def __post_init__(self) -> None:
        if not (0 <= self.x < GRID and 0 <= self.y < GRID and self.w >= 1 and self.h >= 1):
            raise ValueError(f"{self} does not start on the grid")
        if self.x + self.w > GRID or self.y + self.h > GRID:
            raise ValueError(f"{self} runs off the {GRID} x {GRID} grid")

    def cells(self) -> set[tuple[int, int]]:
        return {
            (x, y) for x in range(self.x, self.x + self.w) for y in range(self.y, self.y + self.h)
        }

    def to_json(self) -> dict[str, int]:
        return {"x": self.x, "y": self.y, "w": self.w, "h": self.h}


@dataclass(frozen=True)
class Region:
    name: str
    landscape: Rect
    portrait: Rect

    def rect(self, orientation: str) -> Rect:
        return self.portrait if orientation == "portrait" else self.landscape


@dataclass(frozen=True)
class Layout:
    key: str
    regions: tuple[Region, ...]

    def __post_init__(self) -> None:
        names = [region.name for region in self.regions]
        if not names or names[0] != DEFAULT_REGION or len(set(names)) != len(names):
            raise ValueError(f"layout {self.key}: regions {names} must start with main, once")
        for orientation in ("landscape", "portrait"):
            covered: set[tuple[int, int]] = set()
            for region in self.regions:
                cells = region.rect(orientation).cells()
                if covered & cells:
                    raise ValueError(f"layout {self.key}: regions overlap ({orientation})")
                covered |= cells
            if len(covered) != GRID * GRID:
                raise ValueError(f"layout {self.key}: regions leave a gap ({orientation})")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(region.name for region in self.regions)

    def to_json(self, orientation: str) -> dict[str, object]:
        """The layout as a manifest carries it: the rectangles for one orientation."""
        return {
            "key": self.key,
            "grid": GRID,
            "regions": [
                {"name": region.name, **region.rect(orientation).to_json()}
                for region in self.regions
            ],
        }


FULL = "full"
DEFAULT_LAYOUT = FULL

LAYOUTS: dict[str, Layout] = {
    layout.key: layout
    for layout in (
        Layout(FULL, (Region(DEFAULT_REGION, Rect(0, 0, 12, 12), Rect(0, 0, 12, 12)),)),
        Layout(
            "main-ticker",
            (
                Region(DEFAULT_REGION, Rect(0, 0, 12, 11), Rect(0, 0, 12, 11)),
                Region(TICKER, Rect(0, 11, 12, 1), Rect(0, 11, 12, 1)),
            ),
        ),
        Layout(
            "main-side",
            (
                Region(DEFAULT_REGION, Rect(0, 0, 9, 12), Rect(0, 0, 12, 9)),
                Region(SIDE, Rect(9, 0, 3, 12), Rect(0, 9, 12, 3)),
            ),
        ),
        Layout(
            "main-side-ticker",
            (
                Region(DEFAULT_REGION, Rect(0, 0, 9, 11), Rect(0, 0, 12, 8)),
                Region(SIDE, Rect(9, 0, 3, 11), Rect(0, 8, 12, 3)),
                Region(TICKER, Rect(0, 11, 12, 1), Rect(0, 11, 12, 1)),
            ),
        ),
    )
}


def layout_of(key: str | None) -> Layout:
    """The layout a key names; none (or one no longer known) is the full screen."""
    return LAYOUTS.get(key or DEFAULT_LAYOUT, LAYOUTS[DEFAULT_LAYOUT])


def chosen_layout(
    display: str | None, groups: list[str | None], locations: list[str | None]
) -> str:
    """The layout a display uses: its own, else the first of its groups' (in the order
    given: by group id), else the nearest location's up the chain, else the full screen.
    A stored key no longer known still counts there, as the full screen: the answer is
    always a known key."""
    for key in (display, *groups, *locations):
        if key:
            return layout_of(key).key
    return DEFAULT_LAYOUT
