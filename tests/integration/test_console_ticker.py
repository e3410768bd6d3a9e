"""The ticker template in the console's slide editor: offered in Danish, its lines a text
area, saved with language variants like any other template."""

from __future__ import annotations

from typing import Any

from flask import Flask

from tests.factories import World
from tests.integration.test_console_content import console, page_text, post_form, slide_form

LINES = "Kantinen lukker kl. 14\nHusk personalemødet"


def ticker_form(world: World, **changes: Any) -> dict[str, Any]:
    form = slide_form(world.locations["bibliotek"], kind="ticker", **{"field-items": LINES})
    del form["field-heading"], form["field-body"]
    form.update(changes)
    return form


def test_the_editor_offers_the_ticker_with_danish_labels_and_a_text_area_for_its_lines(
    app: Flask, world: World
) -> None:
    html = page_text(console(app, "editor").get("/console/slides/new"))
    assert '<option value="ticker">Rulletekst (linjer, der ruller forbi)</option>' in html
    assert '<label for="field-items">Linjer til rulleteksten (én pr. linje)</label>' in html
    assert '<textarea id="field-items" name="field-items"' in html


def test_a_ticker_slide_is_saved_with_its_lines_and_a_translated_variant(
    app: Flask, world: World, as_user: Any
) -> None:
    form = ticker_form(
        world,
        variant="en",
        **{"variant-en-items": "The canteen closes at 2 pm\nStaff meeting today"},
    )
    made = post_form(console(app, "editor"), "/console/slides/new", form)
    assert made.status_code == 302, page_text(made)
    slide_id = int(made.headers["Location"].rsplit("/", 1)[1])
    stored = as_user("editor").get(f"slides/{slide_id}").get_json()
    assert stored["latest"]["kind"] == "ticker"
    assert stored["latest"]["fields"] == {"items": LINES}
    assert stored["latest"]["variants"] == {
        "en": {"items": "The canteen closes at 2 pm\nStaff meeting today"}
    }


def test_a_ticker_without_lines_is_refused_with_a_danish_message(app: Flask, world: World) -> None:
    answer = post_form(
        console(app, "editor"), "/console/slides/new", ticker_form(world, **{"field-items": " "})
    )
    assert answer.status_code == 422
    assert 'id="problem-field-items">Udfyld dette felt.' in page_text(answer)
