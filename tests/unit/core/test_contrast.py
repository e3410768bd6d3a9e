"""WCAG 2.1 contrast: luminance, ratios on known colour pairs, and the weak pairs of a
brand palette."""

from __future__ import annotations

import pytest

from signage.core.contrast import (
    BRAND_TEXT_PAIRS,
    WeakPair,
    contrast_ratio,
    parse_hex,
    relative_luminance,
    weak_pairs,
)

DEFAULT_PALETTE = {
    "primary": "#00505c",
    "accent": "#f0b400",
    "background": "#ffffff",
    "text": "#1a1a1a",
}


def test_black_has_luminance_zero_and_white_one() -> None:
    assert relative_luminance("#000000") == 0
    assert relative_luminance("#ffffff") == pytest.approx(1)


def test_pure_green_is_far_brighter_than_pure_blue() -> None:
    assert relative_luminance("#00ff00") == pytest.approx(0.7152)
    assert relative_luminance("#0000ff") == pytest.approx(0.0722)


@pytest.mark.parametrize(
    ("first", "second", "ratio"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),  # the grey that famously just fails AA
        ("#767676", "#ffffff", 4.54),  # and its neighbour that just passes
        ("#ff0000", "#ffffff", 4.0),
        ("#00505c", "#ffffff", 9.12),
    ],
)
def test_the_contrast_ratio_of_known_pairs(first: str, second: str, ratio: float) -> None:
    assert contrast_ratio(first, second) == pytest.approx(ratio, abs=0.01)


def test_the_order_of_the_two_colours_does_not_matter() -> None:
    assert contrast_ratio("#123456", "#fedcba") == contrast_ratio("#fedcba", "#123456")


def test_a_three_digit_colour_is_the_same_as_its_six_digit_form() -> None:
    assert parse_hex("#fa0") == parse_hex("#FFAA00") == (255, 170, 0)


@pytest.mark.parametrize("bad", ["", "ffffff", "#ffff", "#gggggg", "#1234567", "red"])
def test_something_that_is_not_a_hex_colour_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="not a hex colour"):
        parse_hex(bad)


def test_the_default_brand_palette_has_no_weak_pair() -> None:
    assert weak_pairs(DEFAULT_PALETTE) == []


def test_light_grey_text_on_white_is_a_weak_pair_with_its_ratio() -> None:
    found = weak_pairs({**DEFAULT_PALETTE, "text": "#777777"})
    assert len(found) == 1
    assert (found[0].foreground, found[0].background) == ("text", "background")
    assert found[0].ratio == pytest.approx(4.48, abs=0.01)


def test_a_light_primary_fails_both_as_text_and_under_white_text() -> None:
    found = weak_pairs({**DEFAULT_PALETTE, "primary": "#f0b400"})
    assert [(p.foreground, p.background) for p in found] == [
        ("primary", "background"),
        ("#ffffff", "primary"),
    ]


def test_a_dark_background_needs_light_text() -> None:
    dark = {"primary": "#ffd966", "background": "#102030", "text": "#f5f5f5"}
    assert weak_pairs(dark, [("text", "background"), ("primary", "background")]) == []
    found = weak_pairs({**dark, "text": "#333333"})
    assert [p.foreground for p in found] == ["text", "#ffffff"]


def test_the_accent_is_not_text_and_is_not_checked() -> None:
    assert all("accent" not in pair for pair in BRAND_TEXT_PAIRS)
    assert weak_pairs({**DEFAULT_PALETTE, "accent": "#ffffff"}) == []


def test_a_pair_naming_a_missing_key_is_skipped() -> None:
    assert weak_pairs({"text": "#eeeeee"}) == []


def test_the_minimum_can_be_raised_to_the_enhanced_level() -> None:
    palette = {"text": "#5a5a5a", "background": "#ffffff"}
    assert weak_pairs(palette) == []
    assert weak_pairs(palette, minimum=7.0) == [
        WeakPair("text", "background", pytest.approx(6.9, abs=0.01))
    ]
