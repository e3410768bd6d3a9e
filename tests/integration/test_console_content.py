"""The content pages of the console (journeys 1 and 2): the media library, the slide list
and editor, and the approval queue. Each page stays inside the user's grants, whatever
address or form values are sent, and carries no inline script."""

from __future__ import annotations

import io
import re
from html import unescape
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from signage.accounts.services import system_principal
from signage.config import MB, MediaLimits, Settings
from signage.content.models import Slide
from signage.content.services import ThemeService
from signage.db import Database
from signage.schemas import MAX_ID
from tests import media_files as files
from tests.factories import World, add_slide
from tests.integration.test_console import csrf_token, sign_in

PAGES = ("/console/media", "/console/slides", "/console/slides/new", "/console/approvals")
INLINE = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+\s*=|\sstyle\s*=|javascript:", re.I)


def console(app: Flask, user: str) -> FlaskClient:
    """A browser signed in to the console as a seeded user (Danish, the default)."""
    client = app.test_client()
    response = sign_in(client, f"{user}@example.dk")
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def page_text(response: Any) -> str:
    return response.get_data(as_text=True)  # type: ignore[no-any-return]


def upload(client: FlaskClient, data: bytes, filename: str, location_id: int) -> Any:
    """Upload as the media page's script does: multipart, htmx, the CSRF token as header."""
    token = csrf_token(client.get("/console/media"))
    file = FileStorage(io.BytesIO(data), filename=filename, content_type="image/jpeg")
    boundary, body = encode_multipart({"file": file, "location_id": str(location_id)})
    return client.post(
        "/console/media",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
        headers={"HX-Request": "true", "X-CSRFToken": token},
    )


def api_upload(as_user: Any, user: str, location_id: int, filename: str = "a.jpg") -> int:
    answer = as_user(user).upload(files.jpeg(), filename, location_id)
    assert answer.status_code == 201, answer.get_json()
    return int(answer.get_json()["id"])


def slide_form(location_id: int, **changes: Any) -> dict[str, Any]:
    """The editor's form as a browser posts it: a text slide with a heading."""
    form: dict[str, Any] = {
        "title": "Åbningstider",
        "location_id": str(location_id),
        "kind": "text",
        "field-heading": "Åbent i dag",
        "field-body": "10–17",
        "pictogram": "clock",
        "alt": "",
        "orientation": "any",
        "theme_id": "",
        "valid_from": "",
        "valid_until": "",
        "duration": "",
        "action": "save",
    }
    form.update(changes)
    return form


def post_form(client: FlaskClient, path: str, form: dict[str, Any]) -> Any:
    return client.post(path, data={**form, "csrf_token": csrf_token(client.get(path))})


def slide_count(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Slide)) or 0)


def new_submitted_slide(app: Flask, world: World, heading: str = "Åbent i dag") -> int:
    editor = console(app, "editor")
    made = post_form(
        editor,
        "/console/slides/new",
        slide_form(world.locations["bibliotek"], **{"field-heading": heading, "action": "submit"}),
    )
    assert made.status_code == 302, page_text(made)
    return int(made.headers["Location"].rsplit("/", 1)[1])


def decide(client: FlaskClient, slide_id: int, verdict: str, **form: str) -> Any:
    path = f"/console/approvals/{slide_id}"
    review = client.get(path)
    revision = re.search(r'name="revision" value="(\d+)"', page_text(review))
    assert revision, page_text(review)
    data = {"csrf_token": csrf_token(review), "revision": revision.group(1), **form}
    return client.post(f"{path}/{verdict}", data=data)


# -- the media library ---------------------------------------------------------------------
def test_the_media_page_lists_the_editors_media_and_not_another_workplaces(
    app: Flask, world: World, as_user: Any
) -> None:
    api_upload(as_user, "editor", world.locations["bibliotek"], "bibliotek.jpg")
    api_upload(as_user, "other_editor", world.locations["plejehjem"], "plejehjem.jpg")
    html = page_text(console(app, "editor").get("/console/media"))
    assert "bibliotek.jpg" in html
    assert "plejehjem.jpg" not in html


def test_another_workplaces_media_cannot_be_opened_or_deleted_by_its_address(
    app: Flask, world: World, as_user: Any
) -> None:
    theirs = api_upload(as_user, "other_editor", world.locations["plejehjem"])
    editor = console(app, "editor")
    assert editor.get(f"/console/media/{theirs}/card").status_code == 404
    token = csrf_token(editor.get("/console/media"))
    refused = editor.post(f"/console/media/{theirs}/delete", data={"csrf_token": token})
    assert refused.status_code == 404
    assert as_user("other_editor").get(f"media/{theirs}").status_code == 200


def test_an_upload_from_the_console_shows_the_file_and_its_preparation_for_the_screens(
    app: Flask, world: World
) -> None:
    answer = upload(console(app, "editor"), files.jpeg(), "foyer.jpg", world.locations["bibliotek"])
    html = page_text(answer)
    assert answer.status_code == 201, html
    assert "“foyer.jpg” er lagt op." in html
    assert re.search(r'data-media-progress="\d+" data-state="processing"', html)
    assert 'hx-swap-oob="afterbegin:#media-list"' in html


def test_an_upload_of_a_file_type_that_is_not_taken_says_why_in_danish(
    app: Flask, world: World
) -> None:
    answer = upload(
        console(app, "editor"), b"hello, world\n", "notes.txt", world.locations["bibliotek"]
    )
    assert answer.status_code == 415
    assert "Denne type fil kan ikke bruges. Læg et billede" in page_text(answer)


def test_an_upload_to_another_workplace_is_refused(app: Flask, world: World) -> None:
    answer = upload(console(app, "editor"), files.jpeg(), "a.jpg", world.locations["plejehjem"])
    assert answer.status_code == 403
    assert "Du har ikke adgang til dette." in page_text(answer)


def test_numbers_beyond_the_largest_id_name_nothing_and_break_nothing(
    app: Flask, world: World
) -> None:
    """Past what an id column holds (PostgreSQL's INTEGER), where a lookup would fail."""
    editor, beyond = console(app, "editor"), MAX_ID + 1
    for path in ("/console/slides?before=", "/console/media?before="):
        assert editor.get(f"{path}{beyond}").status_code == 200
    for path in ("/console/displays?location=", "/console/displays?group="):
        # answered as an unknown id is
        assert editor.get(f"{path}{beyond}").status_code == 400
        assert editor.get(f"{path}999999").status_code == 400
    assert upload(editor, files.jpeg(), "a.jpg", beyond).status_code == 400


@pytest.fixture
def small_app(settings: Settings) -> Any:
    """The app with a one-megabyte limit for pictures."""
    from signage.app import create_app

    limits = MediaLimits(max_image_bytes=1 * MB, max_video_bytes=2 * MB)
    made = create_app(settings.with_overrides(media=limits))
    yield made
    made.extensions["signage.db"].dispose()


def test_an_upload_over_the_size_limit_names_the_limits_in_danish(
    small_app: Flask, world: World
) -> None:
    big = files.jpeg() + bytes(2 * MB)  # a picture with trailing bytes, over the limit
    answer = upload(console(small_app, "editor"), big, "stor.jpg", world.locations["bibliotek"])
    assert answer.status_code == 413
    problem = unescape(page_text(answer))
    assert "Filen er for stor. Billeder og PDF'er må højst fylde 1 MB, videoer højst 2" in problem


def test_deleting_media_a_slide_uses_is_refused_and_names_the_slide(
    app: Flask, world: World, as_user: Any
) -> None:
    media_id = api_upload(as_user, "editor", world.locations["bibliotek"])
    made = as_user("editor").post(
        "slides",
        {
            "title": "Med billede",
            "location_id": world.locations["bibliotek"],
            "kind": "image",
            "media_id": media_id,
        },
    )
    assert made.status_code == 201, made.get_json()
    editor = console(app, "editor")
    token = csrf_token(editor.get("/console/media"))
    refused = editor.post(
        f"/console/media/{media_id}/delete",
        data={"csrf_token": token},
        headers={"HX-Request": "true"},
    )
    assert refused.status_code == 409
    html = page_text(refused)
    assert "bruges af slides" in html
    assert "Med billede" in html
    assert as_user("editor").get(f"media/{media_id}").status_code == 200


def test_deleting_unused_media_removes_it(app: Flask, world: World, as_user: Any) -> None:
    media_id = api_upload(as_user, "editor", world.locations["bibliotek"])
    editor = console(app, "editor")
    token = csrf_token(editor.get("/console/media"))
    done = editor.post(f"/console/media/{media_id}/delete", data={"csrf_token": token})
    assert done.status_code == 302
    assert as_user("editor").get(f"media/{media_id}").status_code == 404


# -- slides --------------------------------------------------------------------------------
def test_the_slide_list_shows_readable_slides_only_with_their_state(
    app: Flask, world: World, database: Database
) -> None:
    with database.transaction() as session:
        add_slide(session, world.locations["bibliotek"], "Bibliotekets slide", approved=False)
        add_slide(session, world.locations["plejehjem"], "Plejehjemmets slide")
        add_slide(session, world.locations["kommune"], "Kommunens slide")
    html = page_text(console(app, "editor").get("/console/slides"))
    assert "Bibliotekets slide" in html
    assert "Kladde, ikke indsendt" in html
    assert "Kommunens slide" in html  # central content is read, not written, locally
    assert "kun til læsning" in html
    assert "Plejehjemmets slide" not in html


def test_another_workplaces_slide_cannot_be_opened_previewed_or_saved_by_its_address(
    app: Flask, world: World, database: Database
) -> None:
    with database.transaction() as session:
        theirs = add_slide(session, world.locations["plejehjem"], "Plejehjemmets slide")
    editor = console(app, "editor")
    assert editor.get(f"/console/slides/{theirs}").status_code == 404
    assert editor.get(f"/console/slides/{theirs}/revisions/1/preview").status_code == 404
    token = csrf_token(editor.get("/console/slides/new"))
    form = slide_form(world.locations["bibliotek"], csrf_token=token)
    assert editor.post(f"/console/slides/{theirs}", data=form).status_code == 404
    with database.sessions() as session:
        assert session.get(Slide, theirs).title == "Plejehjemmets slide"  # type: ignore[union-attr]


def test_a_central_slide_is_shown_read_only_and_cannot_be_saved(
    app: Flask, world: World, database: Database
) -> None:
    with database.transaction() as session:
        central = add_slide(session, world.locations["kommune"], "Kommunens slide")
    editor = console(app, "editor")
    html = page_text(editor.get(f"/console/slides/{central}"))
    assert '<fieldset class="plain" disabled>' in html
    assert 'value="submit"' not in html
    token = csrf_token(editor.get("/console/slides/new"))
    form = slide_form(world.locations["bibliotek"], csrf_token=token)
    assert editor.post(f"/console/slides/{central}", data=form).status_code == 403


def test_a_new_slide_at_another_workplace_is_refused_and_nothing_is_made(
    app: Flask, world: World, database: Database
) -> None:
    before = slide_count(database)
    answer = post_form(
        console(app, "editor"), "/console/slides/new", slide_form(world.locations["plejehjem"])
    )
    assert answer.status_code == 422
    assert "Vælg en af mulighederne." in page_text(answer)
    assert slide_count(database) == before


def test_a_slide_cannot_use_another_workplaces_picture_or_an_unknown_theme(
    app: Flask, world: World, database: Database, as_user: Any
) -> None:
    theirs = api_upload(as_user, "other_editor", world.locations["plejehjem"])
    before = slide_count(database)
    form = slide_form(
        world.locations["bibliotek"], kind="image", media_id=str(theirs), theme_id="999"
    )
    answer = post_form(console(app, "editor"), "/console/slides/new", form)
    html = page_text(answer)
    assert answer.status_code == 422
    assert 'id="problem-media_id"' in html
    assert 'id="problem-theme_id"' in html
    assert slide_count(database) == before


def test_a_form_with_problems_keeps_what_was_typed_and_says_what_to_fix(
    app: Flask, world: World
) -> None:
    form = slide_form(
        world.locations["bibliotek"], **{"field-heading": " ", "field-body": "Husk madpakken"}
    )
    answer = post_form(console(app, "editor"), "/console/slides/new", form)
    html = page_text(answer)
    assert answer.status_code == 422
    assert 'id="problem-field-heading">Udfyld dette felt.' in html
    assert "Husk madpakken" in html
    assert 'value="Åbningstider"' in html


def test_adding_a_language_shows_its_fields_and_saves_nothing(
    app: Flask, world: World, database: Database
) -> None:
    before = slide_count(database)
    form = slide_form(world.locations["bibliotek"], action="add-variant", new_variant="en")
    answer = post_form(console(app, "editor"), "/console/slides/new", form)
    html = page_text(answer)
    assert answer.status_code == 200
    assert 'name="variant-en-heading"' in html
    assert 'lang="en"' in html
    assert slide_count(database) == before


def test_a_slide_saved_with_a_variant_theme_and_pictogram_is_submitted_for_approval(
    app: Flask, world: World, database: Database, as_user: Any
) -> None:
    with database.transaction() as session:
        theme = ThemeService().create(
            session,
            system_principal(session),
            {"slug": "trivsel", "name": "Trivsel", "location_id": world.locations["kommune"]},
        )
    form = slide_form(
        world.locations["bibliotek"],
        variant="en",
        **{
            "variant-en-heading": "Open today",
            "theme_id": str(theme.id),
            "alt": "Bibliotekets indgang",
            "action": "submit",
        },
    )
    editor = console(app, "editor")
    made = post_form(editor, "/console/slides/new", form)
    assert made.status_code == 302, page_text(made)
    slide_id = int(made.headers["Location"].rsplit("/", 1)[1])
    stored = as_user("editor").get(f"slides/{slide_id}").get_json()
    assert stored["status"] == "pending"
    assert stored["theme_id"] == theme.id
    assert stored["latest"]["variants"] == {"en": {"heading": "Open today"}}
    assert stored["latest"]["pictogram"] == "clock"
    assert stored["latest"]["alt"] == "Bibliotekets indgang"
    assert "Indsendt til godkendelse" in page_text(editor.get(f"/console/slides/{slide_id}"))


# -- approval ------------------------------------------------------------------------------
def test_the_editor_cannot_open_the_queue_or_approve(app: Flask, world: World) -> None:
    slide_id = new_submitted_slide(app, world)
    editor = console(app, "editor")
    assert editor.get("/console/approvals").status_code == 403
    assert editor.get(f"/console/approvals/{slide_id}").status_code == 403
    token = csrf_token(editor.get("/console/slides"))
    refused = editor.post(
        f"/console/approvals/{slide_id}/approve", data={"csrf_token": token, "revision": "1"}
    )
    assert refused.status_code == 403
    assert "Godkendelse" not in page_text(editor.get("/console"))  # not in the menu


def test_the_manager_sees_the_waiting_slide_with_a_preview_and_approves_it(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    manager = console(app, "manager")
    queue = page_text(manager.get("/console/approvals"))
    assert f"/console/approvals/{slide_id}" in queue
    review = page_text(manager.get(f"/console/approvals/{slide_id}"))
    assert f"/console/slides/{slide_id}/revisions/1/preview" in review
    assert "Åbent i dag" in review
    approved = decide(manager, slide_id, "approve")
    assert approved.status_code == 302
    assert as_user("editor").get(f"slides/{slide_id}").get_json()["live_revision"] == 1


def test_rejecting_without_a_reason_is_refused_and_the_slide_keeps_waiting(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    refused = decide(console(app, "manager"), slide_id, "reject", reason="   ")
    assert refused.status_code == 422
    assert "Skriv hvorfor" in page_text(refused)
    assert as_user("editor").get(f"slides/{slide_id}").get_json()["status"] == "pending"


def test_the_editor_sees_the_reason_for_a_rejection_and_can_submit_again(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    rejected = decide(console(app, "manager"), slide_id, "reject", reason="Skriv åbningstiden")
    assert rejected.status_code == 302
    editor = console(app, "editor")
    assert "Skriv åbningstiden" in page_text(editor.get("/console/slides"))
    assert "Skriv åbningstiden" in page_text(editor.get(f"/console/slides/{slide_id}"))
    path = f"/console/slides/{slide_id}"
    again = post_form(
        editor,
        path,
        slide_form(
            world.locations["bibliotek"], **{"field-body": "Åbent 10–17", "action": "submit"}
        ),
    )
    assert again.status_code == 302, page_text(again)
    stored = as_user("editor").get(f"slides/{slide_id}").get_json()
    assert (stored["status"], stored["revision"]) == ("pending", 2)


def test_an_edit_of_an_approved_slide_waits_while_the_approved_revision_plays(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    assert decide(console(app, "manager"), slide_id, "approve").status_code == 302
    editor = console(app, "editor")
    edited = post_form(
        editor,
        f"/console/slides/{slide_id}",
        slide_form(world.locations["bibliotek"], **{"field-heading": "Lukket", "action": "submit"}),
    )
    assert edited.status_code == 302, page_text(edited)
    stored = as_user("editor").get(f"slides/{slide_id}").get_json()
    assert stored["live"]["fields"]["heading"] == "Åbent i dag"
    assert stored["latest"]["fields"]["heading"] == "Lukket"
    html = page_text(editor.get(f"/console/slides/{slide_id}"))
    assert (
        "Godkendt revision 1 vises på skærmene; ændringen (revision 2) venter på godkendelse"
        in html
    )
    review = page_text(console(app, "manager").get(f"/console/approvals/{slide_id}"))
    assert "/revisions/1/preview" in review  # what plays now, beside the change
    assert '<tr class="changed">' in review


def test_a_manager_of_another_workplace_neither_sees_nor_decides_the_slide(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    other = console(app, "other_manager")
    assert f"/console/approvals/{slide_id}" not in page_text(other.get("/console/approvals"))
    assert other.get(f"/console/approvals/{slide_id}").status_code == 404
    token = csrf_token(other.get("/console/approvals"))
    refused = other.post(
        f"/console/approvals/{slide_id}/approve", data={"csrf_token": token, "revision": "1"}
    )
    assert refused.status_code == 404
    assert as_user("editor").get(f"slides/{slide_id}").get_json()["status"] == "pending"


def test_a_manager_is_not_offered_to_approve_their_own_revision(app: Flask, world: World) -> None:
    manager = console(app, "manager")
    made = post_form(
        manager, "/console/slides/new", slide_form(world.locations["bibliotek"], action="submit")
    )
    slide_id = int(made.headers["Location"].rsplit("/", 1)[1])
    review = page_text(manager.get(f"/console/approvals/{slide_id}"))
    assert 'id="approve"' not in review
    assert decide(manager, slide_id, "approve").status_code == 403


# -- every page ----------------------------------------------------------------------------
def test_the_content_pages_carry_no_inline_script_or_style(
    app: Flask, world: World, as_user: Any
) -> None:
    slide_id = new_submitted_slide(app, world)
    api_upload(as_user, "editor", world.locations["bibliotek"])
    manager = console(app, "manager")
    paths = [
        *PAGES,
        f"/console/slides/{slide_id}",
        f"/console/approvals/{slide_id}",
        "/console/slides/preview",
        f"/console/slides/{slide_id}/revisions/1/preview",
    ]
    for path in paths:
        response = manager.get(path)
        assert response.status_code == 200, path
        assert INLINE.findall(page_text(response)) == [], path


def test_the_preview_may_be_framed_by_the_console_and_nowhere_else(
    app: Flask, world: World
) -> None:
    preview = console(app, "editor").get("/console/slides/preview")
    assert "frame-ancestors 'self'" in preview.headers["Content-Security-Policy"]
    assert "script-src 'self'" in preview.headers["Content-Security-Policy"]
    assert preview.headers["X-Frame-Options"] == "SAMEORIGIN"
    page = console(app, "editor").get("/console/slides")
    assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
