"""Every console page, found by following its links as each kind of user: accessible by
axe-core (no serious or critical violation), free of inline script, in Danish by default
and in English on request."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page
from sqlalchemy import select

from signage.db import utcnow
from signage.feeds.models import Feed
from signage.feeds.services import record_failure
from signage.scheduling.jobs import Sweeps
from signage.scheduling.propagator import Propagator
from signage.screens.models import Display
from signage.screens.services import install_token
from tests.browser.conftest import (
    ADMIN,
    EDITOR,
    MANAGER,
    Instance,
    Server,
    Servers,
    assert_accessible,
    inline_scripts,
    live,
    seed_reports,
    sign_in,
)
from tests.databases import instance_database

pytestmark = pytest.mark.browser
MAX_PAGES = 80
# Links that are not pages to check: the API description, downloads and libraries.
NOT_PAGES = ("/console/lib/", "/api/", "/media/", "/player")
DOWNLOADS = (".csv",)


@pytest.fixture
def server(instance: Instance, servers: Servers) -> Server:
    """The server, with plays and an outage already reported, so the report pages show
    their charts and tables to axe too."""
    seed_reports(instance)
    return servers.start()


def console_links(page: Page) -> list[str]:
    hrefs: list[str] = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    found = []
    for href in hrefs:
        parts = urlsplit(href)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if (
            path.startswith("/console")
            and not path.startswith(NOT_PAGES)
            and not parts.path.endswith(DOWNLOADS)
        ):
            found.append(path)
    return found


def crawl(page: Page, base: str) -> list[str]:
    """Every console page reachable by links from the overview, breadth first."""
    seen: list[str] = []
    queue = ["/console"]
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.append(path)
        response = page.goto(f"{base}{path}")
        assert response is not None, path
        assert response.status == 200, f"{path}: {response.status}"
        assert_accessible(page)
        assert inline_scripts(page) == [], path
        queue.extend(link for link in console_links(page) if link not in seen)
    return seen


def an_offline_screen(server: Server) -> None:
    """The reception screen went dark an hour ago: its manager has a notification."""
    database = instance_database(server.instance.path)
    with database.transaction() as session:
        display = session.scalar(select(Display).where(Display.name == "Reception"))
        assert display is not None
        install_token(session, display)
        display.last_seen_at = utcnow() - timedelta(hours=1)
    Sweeps(Propagator(database, "Europe/Copenhagen", "da")).watch_outages()
    database.dispose()


def a_failing_feed(server: Server) -> str:
    """A feed that got its items once and now fails: its page shows both."""
    created = server.api(
        "POST",
        "/feeds",
        {"name": "Intranettet", "location_id": server.location_id(), "kind": "push"},
    )
    assert created.status_code == 201, created.text
    feed_id = created.json()["id"]
    pushed = server.api("POST", f"/feeds/{feed_id}/items", {"items": [{"title": "Personalemøde"}]})
    assert pushed.status_code == 200, pushed.text
    database = instance_database(server.instance.path)
    with database.transaction() as session:
        feed = session.get(Feed, feed_id)
        assert feed is not None
        record_failure(feed, "timeout", "intranet.example.org did not answer in time", utcnow())
    database.dispose()
    return f"/console/feeds/{feed_id}"


# Pages each kind of user must reach by links (so the crawl checks them).
MUST_REACH = {
    ADMIN: ["/console/admin/audit", "/console/feeds"],
    MANAGER: ["/console/notifications", "/console/feeds"],
    EDITOR: ["/console/feeds"],
}


@pytest.mark.parametrize("email", [ADMIN, MANAGER, EDITOR])
def test_every_console_page_is_accessible_and_has_no_inline_script(
    server: Server, staff_context: Callable[..., BrowserContext], email: str
) -> None:
    an_offline_screen(server)
    feed_page = a_failing_feed(server)
    page = sign_in(staff_context(), server.base, email)
    pages = crawl(page, server.base)
    assert "/console" in pages
    assert len(pages) > 1, "the overview links to no other page"
    assert set(MUST_REACH[email]) <= set(pages)
    assert feed_page in pages  # each of them may edit the feed: its page is linked


def test_the_login_page_is_accessible_at_phone_width(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = staff_context(390, 844).new_page()
    page.goto(f"{server.base}/login")
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_a_signed_in_console_page_is_live_and_can_switch_to_english(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    page = sign_in(staff_context(), server.base, ADMIN)
    live(page)
    assert page.get_attribute("html", "lang") == "da"
    assert page.get_by_role("navigation").get_by_text("Overblik").is_visible()
    page.select_option("#language", "en")
    page.click("form.lang button")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    assert page.get_by_role("navigation").get_by_text("Overview").is_visible()


def test_every_console_page_fits_a_phone(
    server: Server, staff_context: Callable[..., BrowserContext]
) -> None:
    """Facility managers work next to the screens, on a phone 390 px wide: no page may
    need sideways scrolling (wide tables scroll inside their own box)."""
    page = sign_in(staff_context(390, 844), server.base, MANAGER)
    too_wide = {}
    for path in crawl(page, server.base):
        page.goto(f"{server.base}{path}")
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 390:
            too_wide[path] = width
    assert too_wide == {}
