"""The slide editor's form: what the editor typed (from the request, or from a slide's
newest revision), the API payload it becomes, and its problems per field.

It reads and checks; it writes nothing. The page hands the payload to SlideService,
which checks scope and content again.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _

from signage.console.base import validate
from signage.content.models import Slide
from signage.content.schemas import SlideIn, SlidePatch
from signage.content.templates import (
    CHOICES,
    MAX_FIELD_CHARS,
    PICTOGRAMS,
    TEMPLATES,
    UNTRANSLATED,
    is_web_address,
)

# Every field name any template takes, in a stable order, and those that have variants.
FIELD_NAMES = tuple(dict.fromkeys(name for t in TEMPLATES.values() for name in t.fields))
TRANSLATABLE = tuple(name for name in FIELD_NAMES if name not in UNTRANSLATED)
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Z]{2})?")
MEDIA_KINDS = {"video": "video", "pdf_page": "pdf"}  # every other template takes a picture


def media_kind(kind: str) -> str:
    return MEDIA_KINDS.get(kind, "image")


def translatable(kind: str) -> tuple[str, ...]:
    template = TEMPLATES.get(kind)
    return tuple(n for n in template.fields if n not in UNTRANSLATED) if template else ()


@dataclass
class SlideForm:
    """The form's values as text, exactly as typed, so a refused form loses nothing."""

    title: str = ""
    location_id: str = ""
    kind: str = "text"
    fields: dict[str, str] = field(default_factory=dict)
    variants: dict[str, dict[str, str]] = field(default_factory=dict)
    pictogram: str = ""
    alt: str = ""
    media_id: str = ""
    duration: str = ""
    orientation: str = "any"
    valid_from: str = ""
    valid_until: str = ""
    theme_id: str = ""
    public: bool = False

    @classmethod
    def of_slide(cls, slide: Slide) -> SlideForm:
        """The slide with its newest revision: what the editor continues from."""
        latest = slide.latest
        return cls(
            title=slide.title,
            location_id=str(slide.location_id),
            kind=latest.kind,
            fields={name: str(value) for name, value in (latest.fields or {}).items()},
            variants={
                language: {name: str(value) for name, value in values.items()}
                for language, values in (latest.variants or {}).items()
            },
            pictogram=latest.pictogram or "",
            alt=latest.alt or "",
            media_id=str(latest.media_id or ""),
            duration=str(latest.duration or ""),
            orientation=slide.orientation,
            valid_from=slide.valid_from or "",
            valid_until=slide.valid_until or "",
            theme_id=str(slide.theme_id or ""),
            public=slide.public,
        )

    @classmethod
    def from_request(cls, form: Mapping[str, str], languages: list[str]) -> SlideForm:
        """`languages`: the variant languages the form carries (hidden `variant` inputs)."""
        return cls(
            title=form.get("title", ""),
            location_id=form.get("location_id", ""),
            kind=form.get("kind", "text"),
            fields={name: form.get(f"field-{name}", "") for name in FIELD_NAMES},
            variants={
                code: {name: form.get(f"variant-{code}-{name}", "") for name in TRANSLATABLE}
                for code in dict.fromkeys(languages)
            },
            pictogram=form.get("pictogram", ""),
            alt=form.get("alt", ""),
            media_id=form.get("media_id", ""),
            duration=form.get("duration", "").strip(),
            orientation=form.get("orientation", "any"),
            valid_from=form.get("valid_from", ""),
            valid_until=form.get("valid_until", ""),
            theme_id=form.get("theme_id", ""),
            public=form.get("public") == "on",
        )

    @property
    def needs_media(self) -> bool:
        template = TEMPLATES.get(self.kind)
        return template is not None and template.needs_media

    def payload(self) -> dict[str, Any]:
        """The API's slide payload: only the chosen template's fields, empty ones left out;
        numbers as numbers (or the typed text, which the schema then refuses)."""
        template = TEMPLATES.get(self.kind)
        names = template.fields if template else ()
        return {
            "title": self.title,
            "location_id": _number(self.location_id),
            "kind": self.kind,
            "fields": {n: v for n, v in self.fields.items() if n in names and v.strip()},
            "variants": {
                language: {
                    n: v for n, v in values.items() if n in translatable(self.kind) and v.strip()
                }
                for language, values in self.variants.items()
            },
            "pictogram": self.pictogram or None,
            "alt": self.alt.strip() or None,
            "media_id": _number(self.media_id) if self.needs_media and self.media_id else None,
            "duration": _number(self.duration) if self.duration else None,
            "orientation": self.orientation,
            "valid_from": self.valid_from or None,
            "valid_until": self.valid_until or None,
            "theme_id": _number(self.theme_id) if self.theme_id else None,
            "public": self.public,
        }


@dataclass(frozen=True)
class Allowed:
    """What this editor may choose: everything else is refused as if it were unknown."""

    locations: Collection[int]
    media: Mapping[int, str]  # media id → its kind (image, video, pdf)
    themes: Collection[int]
    base_language: str


def check(
    form: SlideForm, allowed: Allowed, creating: bool
) -> tuple[dict[str, Any], dict[str, str]]:
    """The payload and the problems per form field, in the user's language."""
    data = form.payload()
    given, problems = validate(SlideIn if creating else SlidePatch, data)
    problems = {_FORM_NAMES.get(name, name): text for name, text in problems.items()}
    problems.update(_choice_problems(form, data, allowed))  # clearer than a type error
    for name, problem in _content_problems(form, allowed.base_language).items():
        problems.setdefault(name, problem)
    return given, problems


_FORM_NAMES = {"fields": "_", "variants": "_"}


def _choice_problems(form: SlideForm, data: dict[str, Any], allowed: Allowed) -> dict[str, str]:
    choose = _("Choose one of the options.")
    problems: dict[str, str] = {}
    if data["location_id"] not in allowed.locations:
        problems["location_id"] = choose
    if form.pictogram and form.pictogram not in PICTOGRAMS:
        problems["pictogram"] = choose
    if data["theme_id"] is not None and data["theme_id"] not in allowed.themes:
        problems["theme_id"] = choose
    if form.needs_media:
        media = data["media_id"]
        if media is None:
            problems["media_id"] = _("Choose the file the slide shows.")
        elif allowed.media.get(media) != media_kind(form.kind):
            problems["media_id"] = choose
    if form.valid_from and form.valid_until and form.valid_until <= form.valid_from:
        problems["valid_until"] = _("The end must come after the start.")
    return problems


def _content_problems(form: SlideForm, base_language: str) -> dict[str, str]:
    template = TEMPLATES.get(form.kind)
    if template is None:
        return {}
    problems: dict[str, str] = {}
    for name in template.fields:
        value = form.fields.get(name, "")
        problem = _field_problem(name, value, required=name in template.required)
        if problem:
            problems[f"field-{name}"] = problem
    names = translatable(form.kind)
    for language, values in form.variants.items():
        if not LANGUAGE_CODE.fullmatch(language) or language == base_language:
            problems[f"variant-{language}"] = _("Choose one of the options.")
        elif names and not any(values.get(name, "").strip() for name in names):
            problems[f"variant-{language}"] = _(
                "Write the text in this language, or remove the language."
            )
        for name in names:
            if len(values.get(name, "")) > MAX_FIELD_CHARS:
                problems[f"variant-{language}-{name}"] = _("This is too long.")
    return problems


def _field_problem(name: str, value: str, required: bool) -> str | None:
    if not value.strip():
        return _("Fill this in.") if required else None
    if len(value) > MAX_FIELD_CHARS:
        return _("This is too long.")
    if name == "url" and not is_web_address(value):
        return _("Write a web address that starts with https://")
    if name == "page" and value not in CHOICES["page"]:
        return _("Write a page number, such as 1.")
    if name in CHOICES and value not in CHOICES[name]:
        return _("Choose one of the options.")
    return None


def _number(text: str) -> int | str:
    """A whole number from a form field, or the text itself for the schema to refuse."""
    stripped = text.strip()
    return int(stripped) if stripped.isascii() and stripped.isdigit() else stripped
