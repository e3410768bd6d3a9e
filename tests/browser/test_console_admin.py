"""Journey 5 in real Chromium: an admin creates a user and gives them a role, then sets
the brand palette: a hard-to-read one is refused, a readable one is saved and reaches a
real kiosk. Every page on the way passes axe-core."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    ADMIN,
    MANAGER,
    Server,
    assert_accessible,
    inline_scripts,
    open_kiosk,
    pair,
    playing,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.browser
NEW_EMAIL = "ny.kollega@testby.dk"
NEW_PASSWORD = "et langt godt kodeord"


def checked_page(page: Page) -> None:
    assert_accessible(page)
    assert inline_scripts(page) == [], page.url


def kiosk_style(kiosk: Page, name: str) -> str:
    return kiosk.evaluate(  # type: ignore[no-any-return]
        f"getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()"
    )


def test_an_admin_creates_a_user_with_a_role_and_sets_a_readable_palette(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
) -> None:
    kiosk = open_kiosk(kiosk_context(), server.base)
    pair(kiosk, server, "Reception")
    playing(kiosk)

    page = sign_in(staff_context(), server.base, ADMIN)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Administration"
    ).click()
    page.wait_for_url(f"{server.base}/console/admin")
    checked_page(page)

    # A new user, and a role for them.
    page.get_by_role("link", name="Brugere og roller").click()
    checked_page(page)
    page.get_by_role("link", name="Ny bruger").click()
    checked_page(page)
    page.get_by_label("E-mail").fill(NEW_EMAIL)
    page.get_by_label("Navn").fill("Ny Kollega")
    page.get_by_label("Første adgangskode").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Opret brugeren").click()
    page.wait_for_url(f"{server.base}/console/admin/users/*")
    assert page.get_by_role("status").filter(has_text="kan nu logge ind").is_visible()
    page.get_by_label("Rolle", exact=True).select_option("editor")
    page.get_by_label("Lokation").select_option(label="Testby Kommune › Testhuset")
    page.get_by_role("button", name="Giv rollen").click()
    page.wait_for_load_state()
    assert (
        page.locator(".grants li").inner_text().startswith("Redaktør – Testby Kommune › Testhuset")
    )
    assert page.get_by_role(
        "button", name="Fjern Redaktør – Testby Kommune › Testhuset"
    ).is_visible()
    checked_page(page)

    newcomer = sign_in(staff_context(), server.base, NEW_EMAIL, NEW_PASSWORD)
    assert newcomer.get_by_text(f"Logget ind som {NEW_EMAIL}.").is_visible()

    # The brand: light grey text on white is refused, and nothing changes.
    page.goto(f"{server.base}/console/admin")
    page.get_by_role("link", name="Visuel identitet").click()
    checked_page(page)
    page.get_by_label("Tekst", exact=True).fill("#999999")
    picker = page.locator("#f-palette-text-picker")
    assert picker.is_visible()
    assert picker.input_value() == "#999999"  # the picker follows the typed colour
    page.get_by_role("button", name="Gem den visuelle identitet").click()
    page.wait_for_load_state()
    refusal = page.locator("#contrast-problems")
    assert refusal.is_visible()
    assert "Teksten (#999999) på baggrunden (#ffffff) har en kontrast på 2,84:1" in (
        refusal.inner_text()
    )
    assert page.get_by_label("Tekst", exact=True).input_value() == "#999999"
    checked_page(page)
    assert server.api("GET", "/brand").json()["palette"]["text"] == "#1a1a1a"

    # A readable colour, chosen with the colour picker, is saved and reaches the kiosk.
    picker.fill("#202a44")
    assert page.get_by_label("Tekst", exact=True).input_value() == "#202a44"
    page.get_by_label("Navn").fill("Testby Kommune")
    page.get_by_role("button", name="Gem den visuelle identitet").click()
    page.wait_for_load_state()
    assert page.get_by_role("status").filter(has_text="er gemt").is_visible()
    checked_page(page)
    brand = server.api("GET", "/brand").json()
    assert (brand["name"], brand["palette"]["text"]) == ("Testby Kommune", "#202a44")
    wait_for(
        lambda: kiosk_style(kiosk, "--brand-text") == "#202a44",
        15,
        "the kiosk draws text in the new colour",
    )
    wait_for(
        lambda: kiosk.inner_text("#brand-name") == "Testby Kommune",
        5,
        "the kiosk shows the new name",
    )


@pytest.mark.parametrize(
    ("email", "paths"),
    [
        (
            ADMIN,
            ["/console/admin", "/console/admin/users/new", "/console/admin/locations/new",
             "/console/admin/brand", "/console/admin/themes/new"],
        ),
        (MANAGER, ["/console/admin/groups", "/console/admin/groups/new"]),
    ],
)  # fmt: skip
def test_administration_pages_fit_a_phone(
    server: Server, staff_context: Callable[..., BrowserContext], email: str, paths: list[str]
) -> None:
    page = sign_in(staff_context(390, 844), server.base, email)
    for path in paths:
        page.goto(f"{server.base}{path}")
        checked_page(page)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width} px wide"
