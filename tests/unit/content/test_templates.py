"""The ticker template's fields: lines of text, one item a line, with language variants
like every other text field."""

from __future__ import annotations

from signage.content.templates import TEMPLATES, UNTRANSLATED, check_fields


def test_a_ticker_with_items_and_a_translated_variant_is_valid() -> None:
    fields = {"items": "Kantinen lukker kl. 14\nHusk personalemødet"}
    variants = {"en": {"items": "The canteen closes at 2 pm\nStaff meeting today"}}
    assert check_fields("ticker", fields, variants) == []


def test_a_ticker_needs_its_items() -> None:
    assert check_fields("ticker", {}, {}) == ["template 'ticker' needs the field 'items'"]
    assert check_fields("ticker", {"items": "  \n "}, {}) == [
        "template 'ticker' needs the field 'items'"
    ]


def test_a_ticker_takes_no_other_fields_and_no_overlong_text() -> None:
    problems = check_fields("ticker", {"items": "x", "heading": "Nyt"}, {})
    assert problems == ["template 'ticker' has no field 'heading' (fields: items)"]
    too_long = "x" * 2001
    assert check_fields("ticker", {"items": too_long}, {}) == [
        "field 'items' is longer than 2000 characters"
    ]
    assert check_fields("ticker", {"items": "x"}, {"en": {"items": too_long}}) == [
        "variant 'en' field 'items' must be text of at most 2000 characters"
    ]


def test_the_ticker_is_a_brand_locked_text_template_its_items_translatable() -> None:
    ticker = TEMPLATES["ticker"]
    assert ticker.fields == ("items",)
    assert not ticker.needs_media
    assert "items" not in UNTRANSLATED
