"""Journeys 1 and 2 in Chromium, end to end: an editor uploads a picture and watches it
become ready, makes a slide from a brand-locked template with a pictogram, an English
variant, alt text and the annual theme while the kiosk's own renderer previews it, and
submits it; a facility manager rejects it with a reason, the editor fixes it, the manager
approves it; a real kiosk plays it, and keeps playing it while a later edit waits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page

from tests import media_files as files
from tests.browser.conftest import (
    EDITOR,
    MANAGER,
    Server,
    assert_accessible,
    inline_scripts,
    live,
    open_kiosk,
    pair,
    shown_heading,
    sign_in,
    wait_for,
)

pytestmark = pytest.mark.browser
FIRST = "Velkommen til Testhuset"
FIXED = "Velkommen – åbent 8–16"
LATER = "Velkommen – lukket i dag"
ENGLISH = "Welcome to Testhuset"
REASON = "Skriv gerne åbningstiden i overskriften"
PREVIEW = "#slide-preview"


def make_theme(server: Server) -> int:
    """This year's priority theme, made by the communication team."""
    locations = server.api("GET", "/locations?limit=500").json()["items"]
    root = next(loc["id"] for loc in locations if loc["slug"] == "testby")
    made = server.api(
        "POST",
        "/themes",
        {"slug": "trivsel", "name": "Trivsel", "location_id": root, "year": 2026},
        token=server.instance.communicator_token,
    )
    assert made.status_code == 201, made.text
    return int(made.json()["id"])


def write_picture(folder: Path) -> Path:
    path = folder / "indgang.jpg"
    path.write_bytes(files.jpeg(1200, 800))
    return path


def preview_text(page: Page, selector: str = PREVIEW, what: str = ".heading") -> str:
    """Text in the preview iframe, as the kiosk's renderer drew it ('' while there is none)."""
    found = page.frame_locator(selector).locator(f".layer.visible {what}")
    return (found.first.text_content(timeout=1000) or "") if found.count() else ""


def upload(page: Page, picture: Path) -> int:
    """Upload on the media page; wait for the bar to fill and the renditions to be ready."""
    page.click("nav a[href='/console/media']")
    # Loaded, so the form sends through htmx: a form sent before htmx took it over would
    # go as a plain page request, with no progress bar.
    page.wait_for_url("**/console/media")
    page.set_input_files("#upload-file", str(picture))
    page.click("#upload-form button[type=submit]")
    wait_for(
        lambda: page.evaluate("document.getElementById('upload-progress').value") == 100,
        30,
        "the upload's progress bar reaches 100 %",
    )
    state = "#upload-result [data-media-progress]"
    wait_for(
        lambda: (
            page.get_attribute(state, "data-state") == "ready"
            and page.evaluate(
                "(() => { const p = document.querySelector('#upload-result progress');"
                " return p.value === p.max; })()"
            )
        ),
        90,
        "the picture's versions for the screens are ready",
    )
    assert page.locator("#upload-result").get_by_text("Klar", exact=True).is_visible()
    return int(page.get_attribute(state, "data-media-progress") or 0)


def make_slide(page: Page, media_id: int, theme_id: int) -> int:
    page.click("nav a[href='/console/slides']")
    page.click("text=Nyt slide")
    page.fill("#title", "Velkomst")
    page.select_option("#kind", "image_text")
    page.fill("#field-heading", FIRST)
    page.check(f"#choose-media-{media_id}")
    page.check("#pictogram-info")
    page.fill("#alt", "Indgangen til Testhuset med glasdøre")
    shown = page.frame_locator(PREVIEW).locator(".layer.visible")
    wait_for(
        lambda: (
            preview_text(page) == FIRST
            and shown.locator(".pictogram").count() == 1
            and shown.locator("img.media[src*='/media/']").count() == 1
        ),
        15,
        "the preview shows the heading, the pictogram and the picture",
    )

    page.select_option("#new-variant", "en")
    page.click("button[value=add-variant]")
    page.fill("#variant-en-heading", ENGLISH)
    assert page.input_value("#field-heading") == FIRST  # adding a language lost nothing
    page.select_option("#preview-language", "en")
    wait_for(lambda: preview_text(page) == ENGLISH, 15, "the preview shows the English variant")
    page.select_option("#theme_id", str(theme_id))
    assert_accessible(page)
    assert inline_scripts(page) == []
    page.click("button[value=submit]")
    page.wait_for_url("**/console/slides/*")
    assert page.get_by_text("Indsendt til godkendelse").is_visible()
    return int(page.url.rsplit("/", 1)[1])


def open_review(page: Page, slide_id: int) -> None:
    page.click("nav a[href='/console/approvals']")
    page.click(f"a[href='/console/approvals/{slide_id}']")
    assert_accessible(page)


def test_an_edited_slide_is_approved_and_played_while_a_later_edit_waits(
    server: Server,
    staff_context: Callable[..., BrowserContext],
    kiosk_context: Callable[[], BrowserContext],
    tmp_path: Path,
) -> None:
    editor = sign_in(staff_context(), server.base, EDITOR)
    manager = sign_in(staff_context(), server.base, MANAGER)
    edit_approve_and_play(server, editor, manager, kiosk_context, tmp_path)


def edit_approve_and_play(
    server: Server,
    editor: Page,
    approver: Page,
    kiosk_context: Callable[[], BrowserContext],
    folder: Path,
) -> None:
    """Journeys 1 and 2 from two signed-in console pages: an editor of the test location
    and someone who may approve there (a facility manager or a communicator)."""
    theme = make_theme(server)
    picture = write_picture(folder)
    live(editor)
    media_id = upload(editor, picture)
    assert_accessible(editor)
    slide_id = make_slide(editor, media_id, theme)

    # The approver previews it in the queue and sends it back with a reason.
    open_review(approver, slide_id)
    first_preview = "iframe >> nth=0"
    wait_for(
        lambda: preview_text(approver, first_preview) == FIRST,
        15,
        "the queue's preview shows the heading",
    )
    approver.click("#reject")
    assert approver.locator("#problem-reason").is_visible()  # a reason is required
    approver.fill("#reason", REASON)
    approver.click("#reject")
    approver.wait_for_url("**/console/approvals")

    # The editor reads the reason, fixes the heading and submits again.
    editor.goto(f"{server.base}/console/slides/{slide_id}")
    assert REASON in (editor.text_content("#rejection") or "")
    editor.fill("#field-heading", FIXED)
    wait_for(lambda: preview_text(editor) == FIXED, 15, "the preview follows the edit")
    editor.click("button[value=submit]")
    editor.wait_for_url(f"**/console/slides/{slide_id}")

    # The approver sees what changed, and approves.
    open_review(approver, slide_id)
    assert approver.locator("tr.changed").filter(has_text=FIXED).count() == 1
    approver.click("#approve")
    approver.wait_for_url("**/console/approvals")

    # In the playlist of the Reception screen, a real kiosk plays it.
    playlists = server.api("GET", "/playlists?limit=500").json()["items"]
    playlist = next(p for p in playlists if p["slug"] == "testliste")
    items = [*playlist["items"], {"slide_id": slide_id, "duration": 3}]
    changed = server.api("PATCH", f"/playlists/{playlist['id']}", {"items": items})
    assert changed.status_code == 200, changed.text
    kiosk = open_kiosk(kiosk_context(), server.base)
    pair(kiosk, server, "Reception")
    wait_for(lambda: shown_heading(kiosk) == FIXED, 60, "the kiosk plays the approved slide")

    # A later edit waits for approval; the screen keeps the approved revision.
    editor.goto(f"{server.base}/console/slides/{slide_id}")
    editor.fill("#field-heading", LATER)
    editor.click("button[value=submit]")
    editor.wait_for_url(f"**/console/slides/{slide_id}")
    note = editor.text_content("#live-note") or ""
    assert "Godkendt revision 2 vises på skærmene" in note
    assert "venter på godkendelse" in note
    seen: list[str] = []

    def watch(wanted: Callable[[str], bool]) -> Callable[[], bool]:
        def check() -> bool:
            seen.append(shown_heading(kiosk))
            return wanted(seen[-1])

        return check

    wait_for(watch(lambda h: bool(h) and h != FIXED), 60, "the kiosk moves on to another slide")
    wait_for(watch(lambda h: h == FIXED), 60, "the kiosk shows the slide again after the edit")
    assert LATER not in seen
