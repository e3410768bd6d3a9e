"""WCAG 2.1 colour contrast: the relative luminance of an sRGB colour, the contrast ratio
of two colours, and the text/background pairs of a brand palette that read too faintly.

Pure: colours in, numbers out (standard library only).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

# WCAG 2.1 success criterion 1.4.3 (AA): normal text needs 4.5:1.
AA_TEXT_RATIO = 4.5

# Text the kiosk draws with the brand palette (static/player/player.css): body text and
# headings on the slide background, and white text on the primary colour (the brand bar,
# the pairing and blank screens). A pair names palette keys, or a fixed colour by "#…".
BRAND_TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("text", "background"),
    ("primary", "background"),
    ("#ffffff", "primary"),
)

_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class WeakPair:
    """A foreground on a background whose contrast is below the minimum."""

    foreground: str  # the palette key (or fixed colour) named in the pair
    background: str
    ratio: float


def parse_hex(colour: str) -> tuple[int, int, int]:
    """`#1a1a1a` or `#fff` as (red, green, blue) in 0..255."""
    if not _HEX.match(colour):
        raise ValueError(f"not a hex colour: {colour!r} (write #rrggbb)")
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return red, green, blue


def _linear(channel: int) -> float:
    value = channel / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def relative_luminance(colour: str) -> float:
    """0 for black to 1 for white, as WCAG 2.1 defines it."""
    red, green, blue = parse_hex(colour)
    return 0.2126 * _linear(red) + 0.7152 * _linear(green) + 0.0722 * _linear(blue)


def contrast_ratio(first: str, second: str) -> float:
    """From 1 (the same luminance) to 21 (black on white); the order does not matter."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def weak_pairs(
    palette: Mapping[str, str],
    pairs: Iterable[tuple[str, str]] = BRAND_TEXT_PAIRS,
    minimum: float = AA_TEXT_RATIO,
) -> list[WeakPair]:
    """The pairs of `palette` whose contrast is below `minimum`, in the order given. A
    pair naming a key the palette lacks is skipped: the player keeps its own default."""
    found = []
    for foreground, background in pairs:
        colours = [
            name if name.startswith("#") else palette.get(name) for name in (foreground, background)
        ]
        if colours[0] is None or colours[1] is None:
            continue
        ratio = contrast_ratio(colours[0], colours[1])
        if ratio < minimum:
            found.append(WeakPair(foreground, background, ratio))
    return found
