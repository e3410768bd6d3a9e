"""The brand every screen shows: name, logo, palette and font. For admins of the whole
municipality (update_brand checks again). A palette whose text would be hard to read on
the kiosk is refused, naming each weak pair and its contrast, and nothing is saved."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from signage.accounts.permissions import Principal
from signage.accounts.schemas import BrandPatch
from signage.accounts.services import DEFAULT_BRAND, get_brand, update_brand
from signage.console.admin.forms import HINTS, check, number, text, typed
from signage.console.admin.sections import BRAND, require
from signage.console.base import page
from signage.content.media import MediaService
from signage.content.models import Media
from signage.core.contrast import AA_TEXT_RATIO, WeakPair, weak_pairs
from signage.policy import ADMIN
from signage.web import db_session

# The palette keys the kiosk uses (static/player/player.css), in the order shown.
COLOURS = {
    "primary": _l("Primary colour (headings, brand bar)"),
    "accent": _l("Accent colour (pictograms)"),
    "background": _l("Background"),
    "text": _l("Text"),
}
# Names of a pair's sides: palette keys, and the fixed white of the kiosk's brand bar.
SIDES = {
    "primary": _l("the primary colour"),
    "background": _l("the background"),
    "text": _l("the text"),
    "#ffffff": _l("white text"),
}
# Fonts a kiosk has, or falls back from gracefully; no web font is fetched.
FONTS = ("system-ui", "Arial", "Verdana", "Tahoma", "Trebuchet MS", "Georgia")
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


def fonts(current: str) -> tuple[str, ...]:
    """The fixed list, and a font set some other way (through the API) so it is kept."""
    return FONTS if current in FONTS else (*FONTS, current)


def palette_of(brand: dict[str, Any]) -> dict[str, str]:
    """The brand's palette, with the kiosk's default for a colour it does not set."""
    return {**DEFAULT_BRAND["palette"], **(brand.get("palette") or {})}


def brand_data(current: dict[str, Any]) -> dict[str, Any]:
    """The form as a brand patch; palette keys the form does not show are kept."""
    palette = {**palette_of(current), **{key: text(f"palette-{key}") for key in COLOURS}}
    return {
        "name": text("name"),
        "logo_media_id": number("logo_media_id"),
        "palette": palette,
        "font": text("font"),
    }


def contrast_problem(pair: WeakPair, palette: dict[str, str]) -> str:
    def side(name: str) -> str:
        colour = name if name.startswith("#") else palette[name]
        return f"{SIDES.get(name, name)} ({colour})"

    # A ratio is never rounded up to pass (WCAG), so it is shown cut, not rounded.
    shown = format_decimal(math.floor(pair.ratio * 100) / 100, format="0.00")
    sentence = _(
        "%(foreground)s on %(background)s has a contrast of %(ratio)s:1. It must be at "
        "least %(minimum)s:1 to be easy to read.",
        foreground=side(pair.foreground),
        background=side(pair.background),
        ratio=shown,
        minimum=format_decimal(AA_TEXT_RATIO, format="0.0"),
    )
    return sentence[:1].upper() + sentence[1:]


def brand_problems(
    data: dict[str, Any], allowed_fonts: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, str], list[str]]:
    """The valid patch, problems per field, and the palette's contrast problems."""
    problems: dict[str, str] = {}
    if not data["name"]:
        problems["name"] = _("Fill this in.")
    for key in COLOURS:
        if not HEX_COLOUR.match(data["palette"][key]):
            problems[f"palette-{key}"] = str(HINTS["color"])
    if data["font"] not in allowed_fonts:
        problems["font"] = _("Choose one of the options.")
    fields, found = check(BrandPatch, data)
    problems = {**found, **problems}
    contrast = []
    if not any(name.startswith("palette") for name in problems):
        contrast = [contrast_problem(pair, data["palette"]) for pair in weak_pairs(data["palette"])]
    return fields, problems, contrast


def render_brand(
    principal: Principal,
    values: dict[str, Any],
    problems: dict[str, str],
    contrast: list[str],
    status: int = 200,
) -> tuple[str, int]:
    query = MediaService().readable_query(principal)
    query = query.where(Media.kind == "image", Media.status != "failed")
    images = db_session().scalars(query.order_by(Media.filename))
    html = render_template(
        "console/admin/brand.html",
        colours=COLOURS,
        fonts=fonts(get_brand(db_session())["font"]),
        images=list(images),
        values=values,
        problems=problems,
        contrast=contrast,
    )
    return html, status


@page("/console/admin/brand", ADMIN, methods=("GET", "POST"))
def admin_brand() -> Response | tuple[str, int]:
    principal = require(BRAND)
    session = db_session()
    current = get_brand(session)
    if request.method == "GET":
        values = {
            "name": current["name"],
            "logo_media_id": current["logo_media_id"] or "",
            "font": current["font"],
            **{f"palette-{key}": palette_of(current)[key] for key in COLOURS},
        }
        return render_brand(principal, values, {}, [])
    data = brand_data(current)
    fields, problems, contrast = brand_problems(data, fonts(current["font"]))
    if problems or contrast:
        return render_brand(principal, typed(), problems, contrast, 422)
    update_brand(session, principal, fields)
    session.commit()
    flash(_("The brand is saved. Screens show it within a moment."), "success")
    return redirect(url_for("console.admin_brand"))
