"""The public mirror in Chromium against a real `signage serve`: the page follows the
screens without reloading (alerts arrive and clear, a slide made internal leaves), it
passes axe-core, carries no inline script, and is whole without JavaScript."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page

from tests.browser.conftest import (
    LOCATION,
    PLAYLIST,
    Instance,
    Server,
    Servers,
    assert_accessible,
    inline_scripts,
    wait_for,
)
from tests.processes import signage

pytestmark = pytest.mark.browser
LIVE_S = 15  # propagation runs every second; the page spreads its fetch over 2 s


@pytest.fixture
def public_server(instance: Instance, servers: Servers) -> Server:
    """The test municipality with Testhuset public, its first and third slides public
    and the second internal."""
    displays = instance.content / "displays" / "testhus.yaml"
    displays.write_text(LOCATION.replace("parent: testby}", "parent: testby, public: true}"))
    playlist = PLAYLIST.replace("    title: Første\n", "    title: Første\n    public: true\n")
    playlist = playlist.replace("    title: Tredje\n", "    title: Tredje\n    public: true\n")
    playlist = playlist.replace(
        '    fields: {heading: "Første dias", body: "Et"}\n',
        '    fields: {heading: "Første dias", body: "Et"}\n'
        '    variants: {en: {heading: "First slide"}, ar: {heading: "الشريحة الأولى"}}\n',
    )
    (instance.content / "playlists" / "testliste.yaml").write_text(playlist)
    imported = signage(instance.path, "import", str(instance.content))
    assert imported.returncode == 0, imported.stderr
    return servers.start()


def open_public(context: BrowserContext, server: Server, query: str = "") -> Page:
    page = context.new_page()
    page.goto(f"{server.base}/public/testhus{query}")
    return page


def listening(page: Page) -> None:
    wait_for(
        lambda: page.evaluate("document.body.dataset.socket") == "connected",
        10,
        "the public page's live connection",
    )
    page.evaluate("window.notReloaded = true")


def headings(page: Page) -> list[str]:
    return page.eval_on_selector_all(  # type: ignore[no-any-return]
        "#live article h3", "nodes => nodes.map(n => n.textContent.trim())"
    )


def test_the_page_follows_alerts_and_slides_without_reloading(
    public_server: Server, kiosk_context: Callable[[], BrowserContext]
) -> None:
    server = public_server
    page = open_public(kiosk_context(), server)
    assert headings(page) == ["Første dias", "Klokken er"]
    listening(page)

    sent = server.api(
        "POST",
        "/alerts",
        {
            "title": "Vandskade i kælderen",
            "body": "Brug hovedindgangen.",
            "severity": "warning",
            "targets": {"location_ids": [server.location_id()]},
        },
    )
    assert sent.status_code == 201, sent.text
    alert = sent.json()["id"]
    wait_for(lambda: page.locator(f"#alert-{alert}").count() == 1, LIVE_S, "the alert arrives")
    assert page.evaluate("window.notReloaded") is True
    assert "Opdateret" in page.locator("#status").inner_text()

    assert server.api("POST", f"/alerts/{alert}/clear").status_code == 200
    wait_for(lambda: page.locator(f"#alert-{alert}").count() == 0, LIVE_S, "the alert clears")

    slide = server.slide_id("Første")
    answer = server.api("PATCH", f"/slides/{slide}", {"public": False})
    assert answer.status_code == 200, answer.text
    wait_for(lambda: headings(page) == ["Klokken er"], LIVE_S, "the slide made internal leaves")
    assert page.evaluate("window.notReloaded") is True


def test_the_public_page_passes_axe_in_danish_and_english(
    public_server: Server, kiosk_context: Callable[[], BrowserContext]
) -> None:
    server = public_server
    sent = server.api(
        "POST",
        "/alerts",
        {
            "title": "Vejarbejde ved indgangen",
            "body": "Brug sideindgangen.",
            "severity": "warning",
            "targets": {"location_ids": [server.location_id()]},
            "variants": {"en": {"title": "Roadworks at the entrance"}},
        },
    )
    assert sent.status_code == 201, sent.text
    context = kiosk_context()
    for query in ("", "?lang=en"):
        page = open_public(context, server, query)
        page.locator(f"#alert-{sent.json()['id']}").wait_for()
        page.locator("details[lang=ar] summary").click()  # an open right-to-left variant
        assert_accessible(page)
        assert inline_scripts(page) == []
    index = context.new_page()
    index.goto(f"{server.base}/public/")
    assert index.locator("a[href='/public/testhus']").count() == 1
    assert_accessible(index)


def test_the_page_is_whole_without_javascript(public_server: Server, browser: object) -> None:
    context = browser.new_context(java_script_enabled=False)  # type: ignore[attr-defined]
    try:
        page = context.new_page()
        page.goto(f"{public_server.base}/public/testhus")
        assert headings(page) == ["Første dias", "Klokken er"]
        assert page.locator("a", has_text="Genindlæs siden").count() == 1
    finally:
        context.close()
