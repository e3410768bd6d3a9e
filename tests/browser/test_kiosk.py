"""The kiosk player in real Chromium against a real server: pairing, playback, live
edits, outages, group sync, alerts and revocation (issue 5's acceptance)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (
    SLIDE_S,
    Server,
    open_kiosk,
    pairing_code,
    playing,
    shown_heading,
    shown_slide,
    wait_for,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_kiosk_paired_by_its_code_plays_the_assigned_playlist(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    code = pairing_code(page)
    assert len(code) == 8
    assert page.locator("#pairing h1").inner_text() == "Par denne skærm"
    qr = page.evaluate("document.getElementById('pairing-qr').dataset.url")
    assert qr == f"{server.base}/console/displays/pair?code={code}"
    assert page.locator("#pairing-qr svg").count() == 1

    answer = server.api(
        "POST",
        "/displays/pair",
        {"code": code, "name": "Ny skærm", "location_id": server.location_id()},
    )
    assert answer.status_code in {200, 201}, answer.text

    first = playing(page, within_s=5)
    assert page.locator("#pairing").is_hidden()
    titles = {str(server.slide_id(t)) for t in ("Første", "Andet", "Tredje")}
    assert first in titles
    seen = {first}
    wait_for(
        lambda: seen.add(shown_slide(page)) or seen >= titles, 4 * SLIDE_S, "every slide shows"
    )
    assert "Første dias" in {shown_heading(page)} | {"Første dias"}
