"""The public mirror's routes: the index of public locations, a location's page, the
fragment its script fetches when the screens change, its RSS feed, and the brand's
colours as a style sheet. Open to anyone (signage.policy: PUBLIC); a location that is
not public answers 404, exactly as one that does not exist.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel.dates import format_datetime, format_time
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _

from signage.accounts.services import DEFAULT_BRAND, get_brand
from signage.config import Settings
from signage.console.views import LANGUAGES
from signage.db import utcnow
from signage.public import feed, services
from signage.public.cache import PublicViews
from signage.public.services import PublicView
from signage.public.texts import direction_of, language_name
from signage.web import db_session

bp = Blueprint("public", __name__, url_prefix="/public")

PAGE_CACHE = "no-cache"  # revalidate: the page follows the screens
FEED_CACHE = "public, max-age=60"
BRAND_CACHE = "public, max-age=300"
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
SAFE_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]{1,80}$")


def _settings() -> Settings:
    settings: Settings = current_app.config["SIGNAGE"]
    return settings


def public_views() -> PublicViews:
    """This process's cache of public views (and of pages' socket rooms)."""
    found: PublicViews = current_app.extensions.setdefault("signage.public_views", PublicViews())
    return found


def current_view(slug: str) -> PublicView:
    session = db_session()
    location = services.find_public_location(session, slug)
    if location is None:
        abort(404)
    settings = _settings()
    return public_views().get(session, location, utcnow(), settings.timezone, settings.language)


# -- the pages ------------------------------------------------------------------------
@bp.get("/")
def index() -> Response:
    locations = services.public_locations(db_session())
    return _page(render_template("public/index.html", locations=locations))


@bp.get("/<slug>")
def location(slug: str) -> Response:
    view = current_view(slug)
    return _page(render_template("public/location.html", view=view))


@bp.get("/<slug>/live")
def live(slug: str) -> Response:
    """What the page's script swaps in when the screens change."""
    view = current_view(slug)
    return _page(render_template("public/_live.html", view=view))


@bp.get("/<slug>/feed.xml")
def feed_xml(slug: str) -> Response:
    view = current_view(slug)
    page = url_for("public.location", slug=slug, _external=True, **_lang_arg())
    channel = feed.Channel(
        title=f"{view.location.name} – {_brand_name()}",
        link=page,
        description=_("What the public screens at %(place)s show now.", place=view.location.name),
        language=_settings().language,
        self_link=url_for("public.feed_xml", slug=slug, _external=True, **_lang_arg()),
        built=view.at,
    )
    document = feed.render(channel, feed_items(view, page))
    response = make_response(document)
    response.mimetype = "application/rss+xml"
    response.headers["Cache-Control"] = FEED_CACHE
    return response


@bp.get("/brand.css")
def brand_css() -> Response:
    """The brand's palette and font as CSS custom properties (the CSP allows no inline
    style, so the colours come as a style sheet of their own)."""
    brand = get_brand(db_session())
    palette = {**DEFAULT_BRAND["palette"], **(brand.get("palette") or {})}
    lines = [
        f"  --brand-{name}: {value};"
        for name, value in sorted(palette.items())
        if re.fullmatch(r"[a-z][a-z0-9-]{0,30}", str(name)) and HEX_COLOUR.match(str(value))
    ]
    font = str(brand.get("font") or "")
    if SAFE_FONT.match(font):
        lines.append(f"  --brand-font: {font}, system-ui, sans-serif;")
    response = make_response(":root {\n" + "\n".join(lines) + "\n}\n")
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = BRAND_CACHE
    return response


@bp.errorhandler(404)
def missing(_error: Exception) -> tuple[str, int]:
    return render_template("public/missing.html"), 404


def _page(body: str) -> Response:
    response = make_response(body)
    response.headers["Cache-Control"] = PAGE_CACHE
    return response


# -- the feed's items: the page's, in its order ---------------------------------------
def feed_items(view: PublicView, page: str) -> list[feed.Item]:
    items = [
        feed.Item(
            guid=f"infotavle-alert-{alert.id}",
            title=alert.heading,
            link=f"{page}#alert-{alert.id}",
            description=render_template(
                "public/_alert.html", alert=alert, view=view, feed=True
            ).strip(),
            published=alert.starts_at,
            category=severity_label(alert.severity),
        )
        for alert in view.alerts
    ]
    items += [
        feed.Item(
            guid=f"infotavle-slide-{slide.id}-{slide.revision}",
            title=slide.heading,
            link=f"{page}#slide-{slide.id}",
            description=render_template(
                "public/_slide.html", slide=slide, view=view, feed=True
            ).strip(),
            published=slide.published,
            category=_("Screens"),
        )
        for slide in view.slides
    ]
    return items


# -- what the templates use -----------------------------------------------------------
def _lang_arg() -> dict[str, str]:
    """Keep a language asked for in the address on the links we make."""
    asked = request.args.get("lang")
    return {"lang": asked} if asked in LANGUAGES else {}


def _brand_name() -> str:
    return str(get_brand(db_session()).get("name") or DEFAULT_BRAND["name"])


def severity_label(severity: str) -> str:
    labels = {"critical": _("Critical alert"), "warning": _("Warning"), "info": _("Information")}
    return labels.get(severity, severity)


def _local(moment: datetime, view: PublicView | None, *, with_date: bool = False) -> str:
    zone = ZoneInfo(view.location.timezone if view else _settings().timezone)
    locale = str(get_locale() or _settings().language)
    if with_date:
        return str(format_datetime(moment, "medium", tzinfo=zone, locale=locale))
    return str(format_time(moment, "short", tzinfo=zone, locale=locale))


def _shown_address(address: str) -> str:
    """An address as a reader says it: without the scheme and a trailing slash."""
    parts = urlsplit(address)
    return (parts.netloc + parts.path).rstrip("/") + (f"?{parts.query}" if parts.query else "")


@bp.context_processor
def _helpers() -> dict[str, Any]:
    current = str(get_locale() or _settings().language)
    return {
        "brand_name": _brand_name(),
        "language_name": language_name,
        "direction_of": direction_of,
        "base_language": _settings().language,
        "local_time": _local,
        "severity_label": severity_label,
        "shown_address": _shown_address,
        "lang_arg": _lang_arg(),
        "page_languages": [(code, language_name(code)) for code in LANGUAGES],
        "current_language": current,
    }
