"""The names staff and citizens read for the layouts and their regions
(`signage.core.layouts` keeps the layouts themselves, with no text to translate). The
console and the public pages both use them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from signage.core.layouts import SIDE, TICKER
from signage.core.model import DEFAULT_REGION

REGION_NAMES = {
    DEFAULT_REGION: _l("Main area"),
    SIDE: _l("Side column"),
    TICKER: _l("News ticker"),
}
LAYOUT_NAMES = {
    "full": _l("Full screen"),
    "main-ticker": _l("Main area with a news ticker"),
    "main-side": _l("Main area with a side column"),
    "main-side-ticker": _l("Main area, side column and news ticker"),
}
