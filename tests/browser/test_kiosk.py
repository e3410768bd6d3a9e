"""The kiosk player in real Chromium against a real server: pairing, playback, live
edits, outages, group sync, alerts and revocation (issue 5's acceptance)."""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import requests
from playwright.sync_api import Page

from tests import media_files as files
from tests.browser.conftest import (
    SLIDE_S,
    Instance,
    Server,
    Servers,
    open_kiosk,
    pair,
    pairing_code,
    playing,
    shown_heading,
    shown_slide,
    wait_for,
)
from tests.databases import instance_rows, sqlite_only
from tests.processes import signage

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Backoff doubles from 1 s to 60 s with ±50 % jitter; after the outages here (under
# 40 s) the next try comes within about 50 s.
BACKOFF_CEILING_S = 70


def seconds_into_showing(page: Page) -> float:
    return page.evaluate(  # type: ignore[no-any-return]
        "(Infotavle.clock.now() - Date.parse(document.getElementById('stage').dataset.entryStart))"
        " / 1000"
    )


# Kept in the page: each switch of #stage to another timeline entry, and when it came.
RECORD_SWITCHES = """() => {
  window.switches = [];
  const stage = document.getElementById('stage');
  new MutationObserver(() => {
    const d = stage.dataset, last = window.switches[window.switches.length - 1];
    if (!last || last.start !== d.entryStart) {
      window.switches.push({ start: d.entryStart, slide: d.slideId, at: Date.now() });
    }
  }).observe(stage, { attributes: true });
}"""
# Two screens side by side look in step when they switch within this of each other.
SAME_MOMENT_MS = 500


def offline_ready(page: Page) -> bool:
    """The service worker controls the page and keeps the shell and the manifest."""
    return page.evaluate(  # type: ignore[no-any-return]
        """(async () => {
          if (!navigator.serviceWorker.controller) return false;
          const v = document.body.dataset.playerVersion;
          if (!(await caches.has('infotavle-shell-' + v))) return false;
          const shell = await caches.open('infotavle-shell-' + v);
          if (!(await shell.match('/player'))) return false;
          return !!localStorage.getItem('infotavle.manifest');
        })()"""
    )


def assert_advances(page: Page, when: str) -> None:
    seen = {shown_slide(page)}
    wait_for(
        lambda: seen.add(shown_slide(page)) or len(seen - {None}) >= 2,
        3 * SLIDE_S,
        f"slides advance {when}",
    )


def queued_plays(page: Page) -> list[str]:
    """The ids of the plays the kiosk keeps until the server has them."""
    return page.evaluate(  # type: ignore[no-any-return]
        "JSON.parse(localStorage.getItem('infotavle.plays') || '[]').map(p => p.id)"
    )


def send_queued(page: Page, ids: list[str]) -> None:
    """Wait until the kiosk has sent these plays and the server took them. The queue
    itself is seldom empty: a slide ends every few seconds."""

    def sent() -> bool:
        page.evaluate("Infotavle.player.flushPlays()")  # does nothing while one is sent
        return not set(ids) & set(queued_plays(page))

    wait_for(sent, 20, "the plays queued during the outage are sent")


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


def test_a_slide_edited_and_approved_is_on_screen_within_two_seconds(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    pair(page, server, "Reception")
    first = str(server.slide_id("Første"))
    # Edit the slide while it is on screen, early in its showing.
    wait_for(
        lambda: shown_slide(page) == first and seconds_into_showing(page) < 1.0,
        6 * SLIDE_S,
        "the first slide begins",
    )
    editor = server.instance.editor_token
    edited = server.api(
        "PATCH", f"/slides/{first}", {"fields": {"heading": "Rettet dias", "body": "Et"}}, editor
    )
    assert edited.status_code == 200, edited.text
    assert server.api("POST", f"/slides/{first}/submit", token=editor).status_code == 200
    approved = server.api("POST", f"/slides/{first}/approve")
    assert approved.status_code == 200, approved.text
    approved_at = time.monotonic()

    wait_for(lambda: shown_heading(page) == "Rettet dias", 2, "the edit is on screen")
    assert time.monotonic() - approved_at <= 2.0


def test_a_kiosk_plays_through_an_outage_and_a_reload_then_picks_up_what_changed(
    servers: Servers, kiosk_context
) -> None:
    server = servers.start()
    page = open_kiosk(kiosk_context(), server.base)
    pair(page, server, "Reception")
    playing(page)
    wait_for(lambda: offline_ready(page), 20, "the service worker keeps the shell and manifest")

    servers.stop()
    assert_advances(page, "while the server is down")

    page.reload()
    playing(page, within_s=10)
    assert_advances(page, "after a reload without the server")
    assert page.evaluate("Infotavle.player.state.token") is not None

    # What played while the server was away waits in the kiosk: a play ended during the
    # outage before the reload, and another after it.
    queued = queued_plays(page)
    assert len(queued) >= 2, queued

    # Changed while the server is down: the kiosk learns of it when it reconnects.
    playlist = servers.instance.content / "playlists" / "testliste.yaml"
    playlist.write_text(playlist.read_text().replace("Andet dias", "Andet dias, nyt"))
    imported = signage(servers.instance.path, "import", str(servers.instance.content))
    assert imported.returncode == 0, imported.stderr
    servers.start()
    wait_for(
        lambda: page.evaluate("Infotavle.player.state.connected"),
        BACKOFF_CEILING_S,
        "the kiosk reconnects",
    )
    wait_for(lambda: shown_heading(page) == "Andet dias, nyt", 6 * SLIDE_S, "the change shows")

    # ... and is reported now, each play once.
    send_queued(page, queued)

    def stored() -> list[str] | None:
        """The stored plays' ids once the queued ones are among them."""
        ids = [
            row[0]
            for row in instance_rows(servers.instance.path, "SELECT client_id FROM play_events")
        ]
        return ids if set(queued) <= set(ids) else None

    # The server takes plays at once and writes them in batches, a second or so apart.
    ids = wait_for(stored, 20, "the plays queued during the outage are stored")
    assert len(set(ids)) == len(ids)


def test_two_kiosks_of_one_group_show_the_same_slide_at_the_same_moment(
    server: Server, kiosk_context
) -> None:
    one = open_kiosk(kiosk_context(), server.base)
    two = open_kiosk(kiosk_context(), server.base)
    pair(one, server, "Reception")
    pair(two, server, "Kantine")
    playing(one)
    playing(two)
    for page in (one, two):
        page.evaluate(RECORD_SWITCHES)

    def switched_thrice() -> list[dict[str, Any]] | None:
        """Each kiosk's switches by entry, once both have made the same three."""
        seen = [
            {row["start"]: row for row in page.evaluate("window.switches")} for page in (one, two)
        ]
        return seen if len(set(seen[0]) & set(seen[1])) >= 3 else None

    switches = wait_for(switched_thrice, 8 * SLIDE_S, "both kiosks switch slides three times")
    shared = sorted(set(switches[0]) & set(switches[1]))
    for start in shared:
        assert switches[0][start]["slide"] == switches[1][start]["slide"], switches
    # Both screens are on this one machine's clock: they switch together.
    apart_ms = sorted(abs(switches[0][s]["at"] - switches[1][s]["at"]) for s in shared)
    assert apart_ms[len(apart_ms) // 2] <= SAME_MOMENT_MS, (apart_ms, switches)


def test_an_alert_shows_at_once_is_acknowledged_and_clearing_removes_it(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up")

    sent = server.api(
        "POST",
        "/alerts",
        {
            "title": "Evakuering",
            "body": "Forlad bygningen ad nærmeste udgang.",
            "severity": "critical",
            "targets": {"display_ids": [display_id]},
            "variants": {"en": {"title": "Evacuation", "body": "Leave the building."}},
        },
        token=server.instance.communicator_token,
    )
    assert sent.status_code == 201, sent.text
    alert_id = sent.json()["id"]
    sent_at = time.monotonic()
    wait_for(lambda: page.locator("#alert-critical").is_visible(), 2, "the alert shows")
    assert time.monotonic() - sent_at <= 2.0
    assert "Evakuering" in page.locator("#alert-critical").inner_text()
    assert page.locator("#alert-critical").get_attribute("data-alert-id") == str(alert_id)
    wait_for(
        lambda: server.api("GET", f"/alerts/{alert_id}").json().get("acknowledged") == 1,
        5,
        "the server records the acknowledgement",
    )

    cleared = server.api(
        "POST", f"/alerts/{alert_id}/clear", token=server.instance.communicator_token
    )
    assert cleared.status_code == 200, cleared.text
    wait_for(lambda: page.locator("#alert-critical").is_hidden(), 2, "clearing removes it")
    assert (shown_slide(page) or "").isdigit()


def test_a_warning_is_a_banner_and_the_same_alert_twice_shows_once(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up")
    sent = server.api(
        "POST",
        "/alerts",
        {"title": "Glat føre", "body": "Pas på trappen", "severity": "warning",
         "targets": {"display_ids": [display_id]}},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    wait_for(lambda: page.locator("#alert-banner").is_visible(), 2, "the banner shows")
    # A reconnect sends every active alert again: still one banner, one alert.
    page.evaluate("Infotavle.player.state.socket.disconnect()")
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket back")
    assert page.evaluate("Object.keys(Infotavle.player.state.alerts).length") == 1
    assert page.locator("#alert-banner").inner_text().count("Glat føre") == 1
    assert page.locator("#alert-critical").is_hidden()


def test_a_revoked_token_returns_the_kiosk_to_pairing(server: Server, kiosk_context) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up")
    old_code = page.evaluate("document.getElementById('pairing-code').dataset.code")

    revoked = server.api("POST", f"/displays/{display_id}/revoke")
    assert revoked.status_code in {200, 204}, revoked.text

    wait_for(lambda: page.locator("#pairing").is_visible(), 5, "the kiosk is back at pairing")
    new_code = pairing_code(page)
    assert new_code != old_code, "the code it was paired with is no longer shown"
    assert page.evaluate("localStorage.getItem('infotavle.token')") is None
    # And it stays there across a reload: nothing of the old token is kept.
    page.reload()
    pairing_code(page)
    assert page.locator("#stage").get_attribute("data-slide-id") is None


def test_a_provisioned_kiosk_keeps_its_token_and_drops_it_from_the_address(
    server: Server, kiosk_context
) -> None:
    made = server.api(
        "POST",
        "/displays",
        {"name": "Provisioneret", "location_id": server.location_id(), "provision": True},
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    page = open_kiosk(kiosk_context(), server.base, f"?token={token}")
    playing(page)
    assert "token" not in page.url
    assert page.evaluate("JSON.parse(localStorage.getItem('infotavle.token'))") == token


def test_identify_and_reload_commands_work_and_heartbeats_and_plays_reach_the_server(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up")

    sent = server.api("POST", f"/displays/{display_id}/commands", {"action": "identify"})
    assert sent.status_code == 202, sent.text
    wait_for(lambda: page.locator("#identify").is_visible(), 2, "identify shows")
    assert page.locator("#identify").inner_text() == "Reception"

    page.evaluate("window.beforeReload = true")
    sent = server.api("POST", f"/displays/{display_id}/commands", {"action": "reload"})
    assert sent.status_code == 202, sent.text
    wait_for(lambda: page.evaluate("window.beforeReload") is None, 10, "the page reloads")
    playing(page)
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up again")

    version = page.evaluate("document.body.dataset.playerVersion")
    wait_for(
        lambda: server.api("GET", f"/displays/{display_id}").json()["player_version"] == version,
        15,
        "the heartbeat on connect is recorded",
    )
    assert_advances(page, "before plays are sent")

    def stored_plays() -> list[tuple[str, int]]:
        # A slide's play is queued when it ends and sent in batches; ask for a flush each
        # time, since one may already be under way when the first is asked for.
        page.evaluate("Infotavle.player.flushPlays()")
        return instance_rows(  # type: ignore[return-value]
            server.instance.path,
            "SELECT client_id, duration_ms FROM play_events WHERE display_id = :display_id",
            display_id=display_id,
        )

    wait_for(lambda: stored_plays() != [], 20, "the queued plays are stored")
    rows = stored_plays()
    assert len({client_id for client_id, _ in rows}) == len(rows)
    assert all(duration > 0 for _, duration in rows)


PICTURES = f"""\
slug: billeder
name: Billeder
location: testhus
slides:
  - key: billeder.foto
    title: Foto
    template: image
    media: media/foto.jpg
    alt: Fire farvede felter
    duration: {SLIDE_S}
    fields: {{fit: fill, caption: "Et billede"}}
schedules:
  - target: {{location: testhus}}
    tier: normal
"""


def test_a_picture_slide_shows_the_rendition_its_manifest_names(
    instance: Instance, servers: Servers, kiosk_context
) -> None:
    (instance.content / "media").mkdir()
    (instance.content / "media" / "foto.jpg").write_bytes(files.jpeg(1600, 900))
    (instance.content / "playlists" / "billeder.yaml").write_text(PICTURES)
    imported = signage(instance.path, "import", str(instance.content))
    assert imported.returncode == 0, imported.stderr
    server = servers.start()
    page = open_kiosk(kiosk_context(), server.base)
    pair(page, server, "Reception")
    picture = str(server.slide_id("Foto"))
    # The worker makes the renditions first; until then the slide is not playable.
    wait_for(lambda: shown_slide(page) == picture, 90, "the picture slide plays")
    source = page.locator(".layer.visible img.media").get_attribute("src")
    fetched = requests.get(f"{server.base}{source}", timeout=10)
    assert fetched.status_code == 200, f"the manifest names {source}: {fetched.status_code}"
    assert fetched.headers["Content-Type"].startswith("image/")
    wait_for(
        lambda: page.evaluate(
            "(() => { const i = document.querySelector('.layer.visible img.media');"
            " return !!i && i.complete && i.naturalWidth > 0; })()"
        ),
        SLIDE_S,
        "the picture is decoded on screen",
    )
    assert page.locator(".layer.visible img.media").get_attribute("alt") == "Fire farvede felter"
    assert page.locator(".layer.visible .caption").inner_text() == "Et billede"


def test_the_kiosk_plays_the_entry_the_server_says_is_playing_at_each_instant(
    server: Server, kiosk_context
) -> None:
    page = open_kiosk(kiosk_context(), server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    base = datetime.now(UTC).replace(microsecond=0)
    for offset_s in (0, 1, 5, 7, 11, 3600 + 2, 6 * 3600 + 9):
        at = base + timedelta(seconds=offset_s)
        now = server.api("GET", f"/displays/{display_id}/now?at={quote(at.isoformat())}").json()
        kiosk = page.evaluate(
            "at => { const s = Infotavle.timeline.entryAt("
            "Infotavle.player.state.manifest, Date.parse(at), 'main');"
            " return s.kind === 'slide' ? [s.index, s.entry.slide] : [null, null]; }",
            at.isoformat(),
        )
        expected = [now["index"], now["loop"][now["index"]]["slide"]["id"]]
        assert kiosk == expected, f"at {at.isoformat()}"


def test_outside_its_power_window_the_screen_is_black_but_a_critical_alert_shows(
    server: Server, kiosk_context
) -> None:
    local = datetime.now(ZoneInfo("Europe/Copenhagen"))
    window = [f"{(local + timedelta(hours=h)):%H:%M}" for h in (2, 3)]
    made = server.api(
        "POST",
        "/displays",
        {
            "name": "Natskærm",
            "location_id": server.location_id(),
            "power": [{"window": window}],
            "provision": True,
        },
    )
    assert made.status_code == 201, made.text
    page = open_kiosk(kiosk_context(), server.base, f"?token={made.json()['token']}")
    wait_for(lambda: page.locator("#blank").is_visible(), 10, "the screen is black")
    assert shown_slide(page) == "blank"
    wait_for(lambda: page.evaluate("Infotavle.player.state.connected"), 10, "socket up")

    sent = server.api(
        "POST",
        "/alerts",
        {
            "title": "Brand",
            "body": "Forlad bygningen",
            "severity": "critical",
            "targets": {"display_ids": [made.json()["id"]]},
        },
        token=server.instance.communicator_token,
    )
    assert sent.status_code == 201, sent.text
    wait_for(lambda: page.locator("#alert-critical").is_visible(), 2, "the alert shows")


def test_without_websocket_the_kiosk_beats_and_polls_alerts_over_http(
    server: Server, kiosk_context
) -> None:
    context = kiosk_context()
    context.route("**/player/lib/socket.io.min.js*", lambda route: route.abort())
    page = open_kiosk(context, server.base)
    display_id = pair(page, server, "Reception")
    playing(page)
    assert page.evaluate("typeof io") == "undefined"
    version = page.evaluate("document.body.dataset.playerVersion")
    wait_for(
        lambda: server.api("GET", f"/displays/{display_id}").json()["player_version"] == version,
        15,
        "a heartbeat over HTTP is recorded",
    )
    sent = server.api(
        "POST",
        "/alerts",
        {"title": "Info", "body": "Over HTTP", "severity": "info",
         "targets": {"display_ids": [display_id]}},
    )  # fmt: skip
    assert sent.status_code == 201, sent.text
    # Alerts are polled every 30 s without the socket.
    wait_for(lambda: page.locator("#alert-ticker").is_visible(), 40, "the polled alert shows")


def manifest_answers(servers: Servers, status: int) -> int:
    """How many manifest requests the servers answered with `status` (from their logs)."""
    line = f"GET /player/api/manifest {status}"
    return sum(log.read_text().count(line) for log in servers.logs.glob("serve-*/stderr.txt"))


@sqlite_only
def test_a_kiosk_keeps_its_token_and_asks_again_while_the_database_is_locked(
    servers: Servers, kiosk_context
) -> None:
    """503 with Retry-After while the database is away: the kiosk plays on from what it
    has, asks again when told, and never goes back to pairing."""
    server = servers.start()
    page = open_kiosk(kiosk_context(), server.base)
    pair(page, server, "Reception")
    playing(page)
    token = page.evaluate("Infotavle.player.state.token")
    wait_for(lambda: offline_ready(page), 20, "the service worker keeps the shell and manifest")
    servers.stop()
    # Exclusive locking in WAL mode shuts out every connection opened after it.
    holder = sqlite3.connect(servers.instance.path / "signage.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("UPDATE locations SET name = name")
        servers.start()
        page.reload()  # a kiosk starting up asks for its manifest at once
        playing(page, within_s=10)
        wait_for(
            lambda: manifest_answers(servers, 503) >= 2,
            40,
            "the kiosk asks again after a 503 (Retry-After), not after its 5 min poll",
        )
        assert_advances(page, "while the database is locked")
        assert page.evaluate("Infotavle.player.state.token") == token
        assert page.locator("#pairing").is_hidden()
    finally:
        holder.close()
    wait_for(
        lambda: page.evaluate("Infotavle.player.state.connected"),
        BACKOFF_CEILING_S,
        "the kiosk is back once the database is",
    )
    assert page.evaluate("Infotavle.player.state.token") == token
