"""Slides keep revisions: edits wait for approval while the approved one keeps playing."""

from __future__ import annotations

from typing import Any

from tests.factories import World


def new_slide(as_user: Any, world: World, heading: str = "Åbningstider") -> dict[str, Any]:
    response = as_user("editor").post(
        "slides",
        {
            "title": heading,
            "location_id": world.locations["bibliotek"],
            "kind": "text",
            "fields": {"heading": heading, "body": "Man–fre 10–19"},
        },
    )
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def approve_first_revision(as_user: Any, slide_id: int) -> None:
    assert as_user("editor").post(f"slides/{slide_id}/submit").status_code == 200
    approved = as_user("manager").post(f"slides/{slide_id}/approve")
    assert approved.status_code == 200, approved.get_json()


def test_a_new_slide_starts_as_a_draft_with_nothing_live(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    assert slide["status"] == "draft"
    assert slide["revision"] == 1
    assert slide["live"] is None


def test_submit_then_approve_puts_the_revision_live(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    approve_first_revision(as_user, slide["id"])
    live = as_user("editor").get(f"slides/{slide['id']}").get_json()
    assert live["status"] == "approved"
    assert live["live_revision"] == 1
    assert live["live"]["reviewer_id"] == world.users["manager"]


def test_a_pending_edit_leaves_the_approved_revision_on_screen(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    approve_first_revision(as_user, slide["id"])
    edited = (
        as_user("editor")
        .patch(
            f"slides/{slide['id']}",
            {"fields": {"heading": "Åbningstider", "body": "Man–fre 10–20"}},
        )
        .get_json()
    )
    assert edited["revision"] == 2
    assert edited["status"] == "draft"
    assert edited["live_revision"] == 1
    assert edited["live"]["fields"]["body"] == "Man–fre 10–19"
    as_user("editor").post(f"slides/{slide['id']}/submit")
    waiting = as_user("editor").get(f"slides/{slide['id']}").get_json()
    assert waiting["status"] == "pending"
    assert waiting["live"]["fields"]["body"] == "Man–fre 10–19"
    as_user("manager").post(f"slides/{slide['id']}/approve")
    done = as_user("editor").get(f"slides/{slide['id']}").get_json()
    assert done["live_revision"] == 2
    assert done["live"]["fields"]["body"] == "Man–fre 10–20"


def test_a_rejected_edit_keeps_the_old_revision_live_and_records_the_note(
    as_user: Any, world: World
) -> None:
    slide = new_slide(as_user, world)
    approve_first_revision(as_user, slide["id"])
    as_user("editor").patch(f"slides/{slide['id']}", {"fields": {"heading": "Stavefejl"}})
    as_user("editor").post(f"slides/{slide['id']}/submit")
    rejected = (
        as_user("manager")
        .post(f"slides/{slide['id']}/reject", {"note": "Stavefejl i overskriften"})
        .get_json()
    )
    assert rejected["status"] == "rejected"
    assert rejected["latest"]["review_note"] == "Stavefejl i overskriften"
    assert rejected["live"]["fields"]["heading"] == "Åbningstider"


def test_patch_never_changes_status(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    response = as_user("editor").patch(f"slides/{slide['id']}", {"status": "approved"})
    assert response.status_code == 422
    assert as_user("editor").get(f"slides/{slide['id']}").get_json()["status"] == "draft"


def test_an_edit_of_title_alone_makes_no_new_revision(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    edited = as_user("editor").patch(f"slides/{slide['id']}", {"title": "Ny titel"}).get_json()
    assert edited["revision"] == 1
    assert edited["title"] == "Ny titel"


def test_an_editor_cannot_approve(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    as_user("editor").post(f"slides/{slide['id']}/submit")
    refused = as_user("editor").post(f"slides/{slide['id']}/approve")
    assert refused.status_code == 403
    assert as_user("editor").get(f"slides/{slide['id']}").get_json()["status"] == "pending"


def test_nobody_but_an_admin_approves_their_own_revision(as_user: Any, world: World) -> None:
    own = (
        as_user("manager")
        .post(
            "slides",
            {
                "title": "Egen",
                "location_id": world.locations["bibliotek"],
                "kind": "text",
                "fields": {"heading": "Egen"},
            },
        )
        .get_json()
    )
    as_user("manager").post(f"slides/{own['id']}/submit")
    refused = as_user("manager").post(f"slides/{own['id']}/approve")
    assert refused.status_code == 403
    assert "own" in refused.get_json()["error"]["message"]

    admins = (
        as_user("admin")
        .post(
            "slides",
            {
                "title": "Admins",
                "location_id": world.locations["bibliotek"],
                "kind": "text",
                "fields": {"heading": "Admins"},
            },
        )
        .get_json()
    )
    as_user("admin").post(f"slides/{admins['id']}/submit")
    assert as_user("admin").post(f"slides/{admins['id']}/approve").status_code == 200


def test_a_manager_elsewhere_cannot_approve(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    as_user("editor").post(f"slides/{slide['id']}/submit")
    assert as_user("other_manager").post(f"slides/{slide['id']}/approve").status_code == 404


def test_only_a_pending_revision_can_be_approved(as_user: Any, world: World) -> None:
    slide = new_slide(as_user, world)
    refused = as_user("manager").post(f"slides/{slide['id']}/approve")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["code"] == "conflict"


def test_template_fields_are_checked(as_user: Any, world: World) -> None:
    base = {"title": "X", "location_id": world.locations["bibliotek"]}
    missing = as_user("editor").post("slides", {**base, "kind": "text", "fields": {}})
    assert missing.status_code == 422
    assert "heading" in missing.get_json()["error"]["message"]
    unknown = as_user("editor").post(
        "slides", {**base, "kind": "text", "fields": {"heading": "X", "colour": "red"}}
    )
    assert "colour" in unknown.get_json()["error"]["message"]
    bad_url = as_user("editor").post(
        "slides", {**base, "kind": "qr", "fields": {"heading": "X", "url": "javascript:alert(1)"}}
    )
    assert bad_url.status_code == 422
    no_media = as_user("editor").post("slides", {**base, "kind": "image"})
    assert "media" in no_media.get_json()["error"]["message"]
    pictogram = as_user("editor").post(
        "slides", {**base, "kind": "text", "pictogram": "unicorn", "fields": {"heading": "X"}}
    )
    assert "pictogram" in pictogram.get_json()["error"]["message"]


def test_validity_must_end_after_it_starts(as_user: Any, world: World) -> None:
    response = as_user("editor").post(
        "slides",
        {
            "title": "X",
            "location_id": world.locations["bibliotek"],
            "kind": "text",
            "fields": {"heading": "X"},
            "valid_from": "2026-12-24",
            "valid_until": "2026-12-01",
        },
    )
    assert response.status_code == 422
    assert "valid_until" in response.get_json()["error"]["message"]
