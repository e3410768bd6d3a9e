"""Layouts in real Chromium: a facility manager picks a screen's layout with the
keyboard alone and sees its preview (turning with the screen's orientation), saves it,
and plans a playlist into the news ticker. The pages with the layout chooser and the
schedule form pass axe-core and carry no inline script."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    MANAGER,
    Server,
    assert_accessible,
    inline_scripts,
    sign_in,
)

pytestmark = pytest.mark.browser
PRIMARY = "rgb(0, 80, 92)"  # --primary in console.css: the outline of the checked card


def checked_page(page: Page) -> None:
    assert_accessible(page)
    assert inline_scripts(page) == [], page.url


def card_border(page: Page, value: str) -> str:
    return page.evaluate(  # type: ignore[no-any-return]
        f"getComputedStyle(document.querySelector('label[for=\"layout-{value}\"]')).borderTopColor"
    )


def test_a_manager_picks_a_layout_with_the_keyboard_and_sees_its_preview(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    display_id = server.display_id("Reception")
    page.goto(f"{server.base}/console/displays/{display_id}")
    checked_page(page)
    chooser = page.get_by_role("group", name="Layout")
    assert page.get_by_role("radio", name="Arv: Hele skærmen").is_checked()

    # From the last field before the chooser, Tab lands on the checked radio button and
    # the arrow keys move the choice along the row.
    page.get_by_label("Mærker").focus()
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    ticker = page.get_by_role("radio", name="Hovedområde med nyhedsbånd")
    assert ticker.is_checked()
    assert page.evaluate("document.activeElement.id") == "layout-main-ticker"
    assert card_border(page, "main-ticker") == PRIMARY
    assert card_border(page, "inherit") != PRIMARY

    # The preview: the main area above a ticker along the bottom, both named, lying down.
    landscape = chooser.locator('svg.landscape[data-layout="main-ticker"]')
    assert landscape.is_visible()
    assert landscape.locator("text").all_text_contents() == ["Hovedområde", "Nyhedsbånd"]
    main, band = (landscape.locator(f"rect.{name}").bounding_box() for name in ("main", "ticker"))
    assert main
    assert band
    assert band["y"] >= main["y"] + main["height"] - 3  # the outlines overlap a little
    assert band["width"] > 10 * band["height"]
    assert not chooser.locator('svg.portrait[data-layout="main-ticker"]').is_visible()

    # Standing the screen up shows the standing previews at once.
    page.get_by_label("Retning").select_option("portrait")
    portrait = chooser.locator('svg.portrait[data-layout="main-side"]')
    assert portrait.is_visible()
    side = portrait.locator("rect.side").bounding_box()
    assert side
    assert side["width"] > side["height"]
    page.get_by_label("Retning").select_option("landscape")
    assert not portrait.is_visible()

    # Enter on the radio button saves the form.
    ticker.focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_role("status").filter(has_text="er gemt").is_visible()
    assert page.get_by_role("radio", name="Hovedområde med nyhedsbånd").is_checked()
    checked_page(page)

    # The group of those screens offers the same choice, standing and lying.
    page.goto(f"{server.base}/console/admin/groups")
    page.get_by_role("link", name="Testskærme").click()
    page.wait_for_url(re.compile(r"/console/admin/groups/\d+$"))
    group_chooser = page.get_by_role("group", name="Layout for skærmene")
    assert group_chooser.locator('svg.landscape[data-layout="main-side"]').is_visible()
    assert group_chooser.locator('svg.portrait[data-layout="main-side"]').is_visible()
    checked_page(page)


def test_a_manager_plans_a_playlist_into_the_news_ticker(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    page.goto(f"{server.base}/console/schedules/new")
    checked_page(page)
    assert page.get_by_label("Område på skærmen").input_value() == "main"

    page.get_by_label("Afspilningsliste").select_option(label="Testliste")
    page.get_by_label("Hvor den vises").select_option(label="Testskærme")
    page.get_by_label("Område på skærmen").select_option(label="Nyhedsbånd")
    page.get_by_role("button", name="Gem tidsplanen").click()
    page.wait_for_url(re.compile(r"/console/schedules/calendar"))
    assert page.get_by_text("Nyhedsbånd · Gruppen Testskærme").first.is_visible()
    checked_page(page)

    page.goto(f"{server.base}/console/schedules")
    assert page.get_by_role("cell", name=re.compile("Testskærme · Nyhedsbånd")).is_visible()


@pytest.mark.parametrize("path", ["displays", "groups"])
def test_the_layout_chooser_fits_a_phone(
    server: Server, staff_context: Callable[..., BrowserContext], path: str
) -> None:
    page = sign_in(staff_context(390, 844), server.base, MANAGER)
    if path == "displays":
        page.goto(f"{server.base}/console/displays/{server.display_id('Kantine')}")
    else:
        page.goto(f"{server.base}/console/admin/groups")
        page.get_by_role("link", name="Testskærme").click()
        page.wait_for_url(re.compile(r"/console/admin/groups/\d+$"))
    checked_page(page)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width} px wide"
