"""Journey 3 in real Chromium, on a phone-sized console: a facility manager pairs a real
kiosk by the code it shows, names and places it, makes a playlist and orders it by drag
and drop, schedules it on weekday mornings and for the night shift, sees both on the
calendar, and watches "showing now" change by itself — and the kiosk play it."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    MANAGER,
    Server,
    assert_accessible,
    inline_scripts,
    live,
    open_kiosk,
    pairing_code,
    playing,
    shown_slide,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.browser
PHONE_WIDTH = 390
PHONE = (PHONE_WIDTH, 844)  # the console's smallest screen: a phone held upright
ZONE = ZoneInfo("Europe/Copenhagen")


def approved_slide(server: Server, title: str, heading: str) -> int:
    """A text slide at the test location, written by the editor, approved by the manager."""
    editor = server.instance.editor_token
    made = server.api(
        "POST",
        "/slides",
        {
            "title": title,
            "location_id": server.location_id(),
            "kind": "text",
            "fields": {"heading": heading, "body": title},
        },
        token=editor,
    )
    assert made.status_code == 201, made.text
    slide_id = int(made.json()["id"])
    assert server.api("POST", f"/slides/{slide_id}/submit", token=editor).status_code == 200
    assert server.api("POST", f"/slides/{slide_id}/approve").status_code == 200
    return slide_id


def fits_the_phone(page: Page) -> None:
    """Accessible, without inline script, and nothing scrolls sideways at 390 px."""
    assert_accessible(page)
    assert inline_scripts(page) == [], page.url
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate(
        f"[...document.querySelectorAll('main *')].filter(e => "
        f"e.getBoundingClientRect().right > {PHONE_WIDTH}).map(e => e.tagName + '.' + "
        "e.className).slice(0, 5)"
    )
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide: {wide}"


def window_around_now() -> tuple[str, str]:
    """A window from the last whole hour but one to two hours ahead, local time; near
    midnight it crosses it, which the schedule allows."""
    now = datetime.now(ZONE)
    start = (now - timedelta(hours=1)).replace(minute=0)
    end = (now + timedelta(hours=2)).replace(minute=0)
    return start.strftime("%H:%M"), end.strftime("%H:%M")


def saved_order(server: Server, playlist_id: int) -> list[int]:
    items = server.api("GET", f"/playlists/{playlist_id}").json()["items"]
    return [item["slide_id"] for item in items]


def pair_the_kiosk(phone: Page, server: Server, code: str) -> int:
    phone.goto(f"{server.base}/console/displays/pair")
    fits_the_phone(phone)
    phone.get_by_label("Parringskode").fill(code)
    phone.get_by_label("Skærmens navn").fill("Personalestue")
    phone.get_by_label("Lokation").select_option(label="Testby Kommune › Testhuset")
    phone.get_by_role("button", name="Par skærmen").click()
    phone.wait_for_url(re.compile(r"/console/displays/\d+$"))
    assert "Personalestue er parret" in phone.content()
    fits_the_phone(phone)
    return int(phone.url.rsplit("/", 1)[1])


def make_playlist(phone: Page, server: Server, slides: list[str]) -> int:
    phone.goto(f"{server.base}/console/playlists")
    phone.get_by_label("Navn").fill("Morgen i personalestuen")
    phone.get_by_role("button", name="Opret afspilningslisten").click()
    phone.wait_for_url(re.compile(r"/console/playlists/\d+$"))
    for count, title in enumerate(slides, start=1):
        phone.get_by_label("Tilføj et slide").select_option(label=title)
        phone.get_by_role("button", name="Tilføj", exact=True).click()
        wait_for(lambda n=count: phone.locator(".items .item").count() == n, 10, f"{title} added")
    for row in range(len(slides)):
        phone.locator(f"#duration-{row}").fill("3")
    phone.get_by_role("button", name="Gem varighederne").click()
    wait_for(
        lambda: "er gemt" in phone.locator("#playlist-status").inner_text(), 10, "durations saved"
    )
    fits_the_phone(phone)
    return int(phone.url.rsplit("/", 1)[1])


def schedule(phone: Page, display_id: int, window: tuple[str, str], every_day: bool) -> None:
    phone.get_by_role("link", name="Sæt afspilningslisten på en tidsplan").click()
    phone.wait_for_url(re.compile(r"/console/schedules/new"))
    phone.get_by_label("Hvor den vises").select_option(value=f"display:{display_id}")
    if every_day:
        phone.get_by_role("button", name="Alle dage").click()
    phone.get_by_label("Fra", exact=True).fill(window[0])
    phone.get_by_label("Til", exact=True).fill(window[1])
    fits_the_phone(phone)
    phone.get_by_role("button", name="Gem tidsplanen").click()
    phone.wait_for_url(re.compile(r"/console/schedules/calendar\?target=display"))
    assert "Tidsplanen er gemt" in phone.content()


def test_a_facility_manager_pairs_orders_and_schedules_on_a_phone_and_sees_it_play(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
) -> None:
    phone = sign_in(staff_context(*PHONE), server.base, MANAGER)
    pair_order_and_schedule(server, phone, kiosk_context)


def pair_order_and_schedule(
    server: Server, phone: Page, kiosk_context: Callable[[], BrowserContext]
) -> None:
    """Journey 3 from a console page on a phone, signed in as a facility manager of the
    test location."""
    assert phone.viewport_size == {"width": PHONE[0], "height": PHONE[1]}, "not on a phone"
    morning = approved_slide(server, "Morgenmøde", "Morgenmøde kl. 8")
    coffee = approved_slide(server, "Kaffe", "Kaffe i kantinen")
    kiosk = open_kiosk(kiosk_context(), server.base)
    code = pairing_code(kiosk)

    display_id = pair_the_kiosk(phone, server, code)
    playing(kiosk, within_s=30)  # the paired kiosk plays what its location already has

    # The display page stays open beside the work: it must change without a reload.
    watch = phone.context.new_page()
    watch.goto(f"{server.base}/console/displays/{display_id}")
    live(watch)
    watch.evaluate("window.stayedOpen = true")
    showing = watch.locator("[data-live-display] .loop")
    assert "Morgenmøde" not in showing.inner_text()

    playlist_id = make_playlist(phone, server, ["Morgenmøde", "Kaffe"])
    assert saved_order(server, playlist_id) == [morning, coffee]
    phone.locator(".items .item .handle").nth(1).drag_to(phone.locator(".items .item").nth(0))
    wait_for(
        lambda: saved_order(server, playlist_id) == [coffee, morning], 10, "the dragged order saved"
    )

    playlist_page = phone.url
    schedule(phone, display_id, ("07:00", "10:00"), every_day=False)
    phone.goto(playlist_page)
    schedule(phone, display_id, ("22:00", "06:00"), every_day=True)
    calendar = phone.locator(".week").inner_text()
    assert "07:00–10:00" in calendar  # weekday mornings
    assert "22:00–24:00" in calendar  # the night shift, into the next day
    assert "00:00–06:00" in calendar
    legend = phone.locator(".legend").inner_text()
    assert legend.count("Morgen i personalestuen") == 2
    fits_the_phone(phone)

    phone.goto(playlist_page)
    schedule(phone, display_id, window_around_now(), every_day=True)

    wait_for(
        lambda: "Morgenmøde" in showing.inner_text() and "Kaffe" in showing.inner_text(),
        30,
        "the display page shows the scheduled playlist by itself",
    )
    assert watch.evaluate("window.stayedOpen") is True  # updated in place, not reloaded
    fits_the_phone(watch)
    wait_for(
        lambda: shown_slide(kiosk) in {str(morning), str(coffee)},
        60,
        "the kiosk plays the scheduled playlist",
    )


def test_slides_are_ordered_with_the_keyboard_and_the_focus_stays_on_the_moved_slide(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(), server.base, MANAGER)
    playlists = server.api("GET", "/playlists").json()["items"]
    playlist_id = next(p["id"] for p in playlists if p["slug"] == "testliste")
    first, second, third = saved_order(server, playlist_id)
    page.goto(f"{server.base}/console/playlists/{playlist_id}")

    page.focus("#down-0")
    page.keyboard.press("Enter")
    wait_for(lambda: saved_order(server, playlist_id) == [second, first, third], 10, "moved")
    wait_for(lambda: page.evaluate("document.activeElement.id") == "down-1", 10, "focus kept")
    page.keyboard.press("Enter")
    wait_for(lambda: saved_order(server, playlist_id) == [second, third, first], 10, "moved")
    # At the bottom the down arrow is off: the focus moves to the same slide's up arrow.
    wait_for(lambda: page.evaluate("document.activeElement.id") == "up-2", 10, "focus kept")
    assert "nummer 3 af 3" in page.locator("#playlist-status").inner_text()

    page.fill("#duration-0", "4")
    page.press("#duration-0", "Enter")
    wait_for(
        lambda: server.api("GET", f"/playlists/{playlist_id}").json()["items"][0]["duration"] == 4,
        10,
        "Enter in a duration saves it",
    )
    assert_accessible(page)
