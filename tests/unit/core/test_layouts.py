"""The table of layouts: every layout tiles the 12 x 12 grid in both orientations, a
layout that does not is refused, and a display's layout is inherited in order."""

from __future__ import annotations

import pytest

from signage.core.layouts import (
    GRID,
    LAYOUTS,
    REGIONS,
    Layout,
    Rect,
    Region,
    chosen_layout,
    layout_of,
)

ORIENTATIONS = ("landscape", "portrait")


@pytest.mark.parametrize("key", sorted(LAYOUTS))
@pytest.mark.parametrize("orientation", ORIENTATIONS)
def test_every_layout_covers_the_grid_once_in_both_orientations(key: str, orientation: str) -> None:
    layout = LAYOUTS[key]
    cells = [cell for region in layout.regions for cell in region.rect(orientation).cells()]

    assert len(cells) == len(set(cells)) == GRID * GRID
    assert layout.names[0] == "main"
    assert set(layout.names) <= set(REGIONS)


def test_the_manifest_form_gives_the_rectangles_of_one_orientation() -> None:
    layout = LAYOUTS["main-side"]

    assert layout.to_json("portrait") == {
        "key": "main-side",
        "grid": 12,
        "regions": [
            {"name": "main", "x": 0, "y": 0, "w": 12, "h": 9},
            {"name": "side", "x": 0, "y": 9, "w": 12, "h": 3},
        ],
    }
    assert layout.regions[1].rect("landscape") == Rect(9, 0, 3, 12)


def two_regions(main: Rect, side: Rect) -> Layout:
    return Layout("test", (Region("main", main, main), Region("side", side, side)))


def test_overlapping_regions_are_refused() -> None:
    with pytest.raises(ValueError, match="overlap"):
        two_regions(Rect(0, 0, 10, 12), Rect(9, 0, 3, 12))


def test_regions_that_leave_a_gap_are_refused() -> None:
    with pytest.raises(ValueError, match="gap"):
        two_regions(Rect(0, 0, 8, 12), Rect(9, 0, 3, 12))


def test_a_gap_in_one_orientation_only_is_refused() -> None:
    main, side = Rect(0, 0, 9, 12), Rect(9, 0, 3, 12)
    with pytest.raises(ValueError, match=r"gap \(portrait\)"):
        Layout(
            "test",
            (Region("main", main, Rect(0, 0, 12, 9)), Region("side", side, Rect(0, 9, 12, 2))),
        )


@pytest.mark.parametrize("names", [("side",), ("side", "main"), ("main", "main"), ()], ids=repr)
def test_a_layout_starts_with_main_and_names_each_region_once(names: tuple[str, ...]) -> None:
    whole = Rect(0, 0, 12, 12)
    with pytest.raises(ValueError, match="must start with main"):
        Layout("test", tuple(Region(name, whole, whole) for name in names))


@pytest.mark.parametrize(
    ("x", "y", "w", "h"), [(12, 0, 1, 1), (0, -1, 1, 1), (0, 0, 0, 1), (6, 0, 7, 1), (0, 6, 1, 7)]
)
def test_a_rectangle_off_the_grid_is_refused(x: int, y: int, w: int, h: int) -> None:
    with pytest.raises(ValueError, match="grid"):
        Rect(x, y, w, h)


@pytest.mark.parametrize("key", [None, "", "split-screen"])
def test_no_key_or_an_unknown_one_is_the_full_screen(key: str | None) -> None:
    assert layout_of(key) is LAYOUTS["full"]
    assert layout_of(key).names == ("main",)


def test_a_known_key_is_its_layout() -> None:
    assert layout_of("main-side-ticker").names == ("main", "side", "ticker")


@pytest.mark.parametrize(
    ("display", "groups", "locations", "expected"),
    [
        ("main-side", ["main-ticker"], ["main-side-ticker"], "main-side"),
        (None, [None, "main-ticker", "main-side"], ["main-side-ticker"], "main-ticker"),
        (None, [None], [None, "main-side-ticker", "main-side"], "main-side-ticker"),
        (None, [], [None, None], "full"),
        ("", [""], [""], "full"),
        (None, ["retired"], ["main-ticker"], "full"),
    ],
    ids=["own", "first-group-with-one", "nearest-location", "none", "empty-is-none", "unknown"],
)
def test_a_display_uses_its_own_layout_else_a_groups_else_the_nearest_locations(
    display: str | None, groups: list[str | None], locations: list[str | None], expected: str
) -> None:
    assert chosen_layout(display, groups, locations) == expected
