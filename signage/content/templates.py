"""Slide kinds and the fields each brand-locked template takes.

Pure data and checks; the player renders them. Text fields can have language variants.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

MAX_FIELD_CHARS = 2000


@dataclass(frozen=True)
class Template:
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    needs_media: bool = False
    url_fields: tuple[str, ...] = ()

    @property
    def fields(self) -> tuple[str, ...]:
        return self.required + self.optional


TEMPLATES: dict[str, Template] = {
    "image": Template(required=(), optional=("caption", "fit"), needs_media=True),
    "video": Template(required=(), optional=("caption",), needs_media=True),
    "pdf_page": Template(required=("page",), optional=("caption", "fit"), needs_media=True),
    "webpage": Template(required=("url",), optional=("refresh_s",), url_fields=("url",)),
    "text": Template(required=("heading",), optional=("body", "footer")),
    "image_text": Template(
        required=("heading",), optional=("body", "footer", "fit"), needs_media=True
    ),
    "news": Template(required=("heading",), optional=("body", "source", "date")),
    "calendar": Template(required=("heading",), optional=("events", "footer")),
    "qr": Template(required=("heading", "url"), optional=("body",), url_fields=("url",)),
    "clock": Template(required=(), optional=("heading",)),
    # Short texts, one a line, that scroll along a ticker region (and list elsewhere).
    "ticker": Template(required=("items",)),
    # Feed slides: their items come from a feed (signage.feeds), as plain text.
    "feed_news": Template(required=("heading", "feed"), optional=("count", "footer")),
    "feed_events": Template(required=("heading", "feed"), optional=("count", "footer")),
}
FEED_TEMPLATES = frozenset({"feed_news", "feed_events"})
DEFAULT_FEED_COUNT = 5
KINDS = tuple(TEMPLATES)
# Fields that are addresses or numbers, not prose: they have no language variants.
UNTRANSLATED = frozenset({"url", "refresh_s", "date", "fit", "page", "feed", "count"})
# Fields with a fixed set of values: how a picture meets the screen, a PDF's page number.
CHOICES: dict[str, frozenset[str]] = {
    "fit": frozenset({"fit", "fill"}),
    "page": frozenset(str(n) for n in range(1, 1000)),
    "count": frozenset(str(n) for n in range(1, 11)),  # items a feed slide shows
}

# The bundled pictogram set (names from the icon package the player loads).
PICTOGRAMS = frozenset(
    {
        "alert",
        "bell",
        "bus",
        "calendar",
        "clock",
        "coffee",
        "door",
        "fire",
        "first-aid",
        "hand-wash",
        "heart",
        "info",
        "key",
        "library",
        "lock",
        "mail",
        "map-pin",
        "megaphone",
        "parking",
        "phone",
        "recycle",
        "road",
        "shield",
        "snowflake",
        "sun",
        "thermometer",
        "tool",
        "truck",
        "users",
        "utensils",
        "wheelchair",
        "wifi",
    }
)


def check_fields(
    kind: str, fields: dict[str, Any], variants: dict[str, dict[str, Any]]
) -> list[str]:
    """Every problem with a slide's fields, as sentences; empty when all is well."""
    template = TEMPLATES[kind]
    problems: list[str] = []
    for name in template.required:
        if not str(fields.get(name, "")).strip():
            problems.append(f"template {kind!r} needs the field {name!r}")
    for name, value in fields.items():
        problem = _field_problem(kind, template, name, value)
        if problem:
            problems.append(problem)
    for language, variant in variants.items():
        for name, value in variant.items():
            if name not in template.fields or name in UNTRANSLATED:
                problems.append(f"variant {language!r} has no translatable field {name!r}")
            elif not isinstance(value, str) or len(value) > MAX_FIELD_CHARS:
                problems.append(
                    f"variant {language!r} field {name!r} must be text of at most "
                    f"{MAX_FIELD_CHARS} characters"
                )
    return problems


def is_web_address(value: str) -> bool:
    parts = urlsplit(value)
    return parts.scheme in {"http", "https"} and bool(parts.netloc)


def _field_problem(kind: str, template: Template, name: str, value: Any) -> str | None:
    if name not in template.fields:
        allowed = ", ".join(template.fields) or "none"
        return f"template {kind!r} has no field {name!r} (fields: {allowed})"
    if not isinstance(value, str):
        return f"field {name!r} must be text"
    if len(value) > MAX_FIELD_CHARS:
        return f"field {name!r} is longer than {MAX_FIELD_CHARS} characters"
    if name in template.url_fields and not is_web_address(value):
        return f"field {name!r} must be an https:// or http:// address"
    if name in CHOICES and value not in CHOICES[name]:
        return _choice_problem(name)
    if name == "feed" and not (value.isascii() and value.isdigit()):
        return "field 'feed' must be a feed id such as '3'"
    return None


def feed_id_of(fields: dict[str, Any]) -> int | None:
    """The feed a feed slide shows, from its `feed` field."""
    raw = fields.get("feed")
    if isinstance(raw, str) and raw.isascii() and raw.isdigit() and len(raw) < 16:
        return int(raw)
    return None


def _choice_problem(name: str) -> str:
    if name == "page":
        return "field 'page' must be a page number such as '1'"
    if name == "count":
        return "field 'count' must be a number of items from '1' to '10'"
    return f"field {name!r} must be one of: {', '.join(sorted(CHOICES[name]))}"
