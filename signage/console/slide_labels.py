"""Words for the slide editor: template, field, pictogram and status names in the user's
language, and the languages a slide's text can be translated into (named in their own
language, as a reader of that language looks for them)."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from signage.content.models import Slide
from signage.content.templates import KINDS, PICTOGRAMS

_FIRST = (
    "text", "image_text", "image", "news", "calendar", "feed_news", "feed_events", "ticker", "qr",
    "clock",
)  # fmt: skip
TEMPLATE_ORDER: tuple[str, ...] = (*_FIRST, *(kind for kind in KINDS if kind not in _FIRST))

TEMPLATE_LABELS = {
    "text": _l("Text"),
    "image_text": _l("Picture and text"),
    "image": _l("Picture"),
    "news": _l("News"),
    "calendar": _l("Events"),
    "qr": _l("QR code"),
    "clock": _l("Clock"),
    "ticker": _l("Ticker (scrolling lines)"),
    "video": _l("Video"),
    "pdf_page": _l("PDF page"),
    "webpage": _l("Web page"),
    "feed_news": _l("News from a feed"),
    "feed_events": _l("Upcoming events from a calendar"),
}

FIELD_LABELS = {
    "heading": _l("Heading"),
    "body": _l("Text"),
    "footer": _l("Footer"),
    "caption": _l("Caption"),
    "fit": _l("How the picture meets the screen"),
    "page": _l("Page number"),
    "url": _l("Web address"),
    "refresh_s": _l("Reload the page every (seconds)"),
    "source": _l("Source"),
    "date": _l("Date"),
    "events": _l("Events (one a line)"),
    "feed": _l("Feed"),
    "count": _l("How many items at most"),
    "items": _l("Lines for the ticker (one a line)"),
}

FEED_KIND_LABELS = {
    "rss": _l("RSS or Atom news"),
    "ical": _l("Calendar (iCalendar)"),
    "push": _l("Pushed by another system"),
    "cap": _l("CAP alerts"),
}
LONG_FIELDS = frozenset({"body", "events", "items"})
FIT_LABELS = {"fit": _l("Show the whole picture"), "fill": _l("Fill the screen (may crop)")}

PICTOGRAM_LABELS = {
    "alert": _l("Warning"),
    "bell": _l("Bell"),
    "bus": _l("Bus"),
    "calendar": _l("Calendar"),
    "clock": _l("Clock"),
    "coffee": _l("Coffee"),
    "door": _l("Door"),
    "fire": _l("Fire"),
    "first-aid": _l("First aid"),
    "hand-wash": _l("Hand hygiene"),
    "heart": _l("Heart"),
    "info": _l("Information"),
    "key": _l("Key"),
    "library": _l("Library"),
    "lock": _l("Lock"),
    "mail": _l("Mail"),
    "map-pin": _l("Place"),
    "megaphone": _l("Announcement"),
    "parking": _l("Parking"),
    "phone": _l("Phone"),
    "recycle": _l("Recycling"),
    "road": _l("Road"),
    "shield": _l("Safety"),
    "snowflake": _l("Snow and frost"),
    "sun": _l("Sun"),
    "thermometer": _l("Temperature"),
    "tool": _l("Repairs"),
    "truck": _l("Delivery"),
    "users": _l("People"),
    "utensils": _l("Food"),
    "wheelchair": _l("Accessibility"),
    "wifi": _l("Wi-Fi"),
}
assert set(PICTOGRAM_LABELS) == PICTOGRAMS  # noqa: S101 - a new pictogram needs a name

ORIENTATION_LABELS = {
    "any": _l("Any screen"),
    "landscape": _l("Landscape screens only"),
    "portrait": _l("Portrait screens only"),
}

# code → (name in that language, writing direction)
LANGUAGES = {
    "en": ("English", "ltr"),
    "de": ("Deutsch", "ltr"),
    "sv": ("Svenska", "ltr"),
    "nb": ("Norsk bokmål", "ltr"),
    "uk": ("Українська", "ltr"),
    "pl": ("Polski", "ltr"),
    "ro": ("Română", "ltr"),
    "lt": ("Lietuvių", "ltr"),
    "tr": ("Türkçe", "ltr"),
    "ar": ("العربية", "rtl"),
    "fa": ("فارسی", "rtl"),
    "ur": ("اردو", "rtl"),
    "so": ("Soomaali", "ltr"),
    "ti": ("ትግርኛ", "ltr"),
    "es": ("Español", "ltr"),
    "fr": ("Français", "ltr"),
    "kl": ("Kalaallisut", "ltr"),
    "fo": ("Føroyskt", "ltr"),
    "da": ("Dansk", "ltr"),
}


def language_name(code: str) -> str:
    return LANGUAGES.get(code, (code, "ltr"))[0]


def language_dir(code: str) -> str:
    return LANGUAGES.get(code, (code, "ltr"))[1]


STATUS_LABELS = {
    "draft": _l("Draft, not submitted"),
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}


def live_note(slide: Slide) -> str:
    """What plays of a slide, beside the state of its newest revision."""
    live, latest = slide.live_revision, slide.latest
    if live is None:
        return _("Nothing approved yet: not on screens")
    if live.id == latest.id:
        return _("Revision %(number)s is on screens", number=live.number)
    if latest.status == "pending":
        return _(
            "Approved revision %(live)s is on screens; the edit (revision %(latest)s) "
            "waits for approval",
            live=live.number,
            latest=latest.number,
        )
    return _(
        "Approved revision %(live)s is on screens; the edit (revision %(latest)s) is not "
        "approved yet",
        live=live.number,
        latest=latest.number,
    )
