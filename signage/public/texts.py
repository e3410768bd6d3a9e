"""The text of a public slide or alert, language by language: which fields a reader
wants, each language version with its `dir`, and each language's name in itself.
Pure: Babel's locale data only."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale, UnknownLocaleError

# Template fields that are text a reader wants, in reading order.
TEXT_FIELDS = ("heading", "date", "body", "events", "caption", "source", "footer")


@dataclass(frozen=True)
class Line:
    field: str  # the template field it comes from: heading, body, footer…
    text: str


@dataclass(frozen=True)
class Text:
    """One language version of a slide's or an alert's text."""

    language: str
    direction: str  # ltr | rtl
    lines: tuple[Line, ...]

    def get(self, name: str) -> str | None:
        return next((line.text for line in self.lines if line.field == name), None)

    def without(self, name: str) -> tuple[Line, ...]:
        return tuple(line for line in self.lines if line.field != name)


def _locale(language: str) -> Locale | None:
    try:
        return Locale.parse(language.replace("-", "_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def direction_of(language: str) -> str:
    """`rtl` for languages written right to left (Arabic, Persian, Urdu, Hebrew…)."""
    locale = _locale(language)
    return "rtl" if locale is not None and locale.character_order == "right-to-left" else "ltr"


def language_name(language: str) -> str:
    """A language's name in that language (`English`, `Українська`, `العربية`), so a
    reader finds their own; the code when Babel does not know it."""
    locale = _locale(language)
    name = locale.get_display_name(locale) if locale is not None else None
    return (name[:1].upper() + name[1:]) if name else language


def text_of(language: str, fields: Mapping[str, Any], names: Iterable[str]) -> Text:
    lines = tuple(
        Line(name, value.strip())
        for name in names
        if isinstance(value := fields.get(name), str) and value.strip()
    )
    return Text(language, direction_of(language), lines)


def variants_of(
    base: str, variants: Mapping[str, Any] | None, names: Iterable[str]
) -> tuple[Text, ...]:
    found = []
    for language in sorted(variants or {}):
        fields = (variants or {})[language]
        if language == base or not isinstance(fields, Mapping):
            continue
        text = text_of(language, fields, names)
        if text.lines:
            found.append(text)
    return tuple(found)
