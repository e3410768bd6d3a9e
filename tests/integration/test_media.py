"""Media uploads end to end: typed by content, inspected in a child process, renditions
made by the real worker pool, served immutable with ranges."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from PIL import Image, ImageCms
from sqlalchemy import func, select

from signage.app import create_app
from signage.config import MB, MediaLimits, Settings
from signage.content import media as media_service
from signage.content.models import Media, Rendition
from signage.content.renditions import RenditionWorker
from signage.db import Database, utcnow
from signage.realtime import RecordingNotifier
from tests import media_files as files
from tests.conftest import Api
from tests.factories import World

pytestmark = pytest.mark.slow


def upload(api: Api, data: bytes, filename: str, location_id: int) -> Any:
    return api.upload(data, filename, location_id)


@pytest.fixture
def editor(as_user: Any) -> Api:
    return as_user("editor")


@pytest.fixture
def library(world: World) -> int:
    return world.locations["bibliotek"]


def uploaded_and_made(api: Api, worker: RenditionWorker, data: bytes, name: str, where: int) -> Any:
    response = upload(api, data, name, where)
    assert response.status_code == 201, response.get_json()
    worker.run_once()
    return api.get(f"media/{response.get_json()['id']}").get_json()


def get_file(api: Api, url: str, **kwargs: Any) -> Any:
    """Buffered, so the served file is closed before the response is looked at."""
    return api.client.get(url, buffered=True, **kwargs)


def fetch(api: Api, media: dict[str, Any], name: str, ext: str) -> Any:
    response = get_file(api, f"/media/{media['sha256']}/{name}.{ext}")
    assert response.status_code == 200, (name, ext, response.status_code)
    return response


def picture(api: Api, media: dict[str, Any], name: str, ext: str) -> Image.Image:
    return Image.open(io.BytesIO(fetch(api, media, name, ext).data))


ACCEPTED = [
    ("photo.jpg", files.jpeg, "image", "image/jpeg", ("webp", "jpg")),
    ("logo.png", files.png_with_alpha, "image", "image/png", ("webp", "png")),
    ("photo.webp", files.webp, "image", "image/webp", ("webp", "jpg")),
    ("photo.avif", files.avif, "image", "image/avif", ("webp", "jpg")),
    ("IMG_0001.HEIC", files.heic, "image", "image/heic", ("webp", "jpg")),
    ("blink.gif", files.animated_gif, "image", "image/gif", ("webp", "gif")),
    ("plakat.pdf", files.pdf, "pdf", "application/pdf", ("webp", "jpg")),
    ("film.mp4", lambda: files.video("mp4"), "video", "video/mp4", ("mp4",)),
    ("film.webm", lambda: files.video("webm"), "video", "video/webm", ("webm",)),
]


@pytest.mark.parametrize(("name", "make", "kind", "mime", "formats"), ACCEPTED)
def test_every_accepted_type_is_stored_and_gets_ready_renditions(
    editor: Api,
    worker: RenditionWorker,
    library: int,
    name: str,
    make: Any,
    kind: str,
    mime: str,
    formats: tuple[str, ...],
) -> None:
    response = upload(editor, make(), name, library)
    assert response.status_code == 201
    body = response.get_json()
    assert (body["kind"], body["mime"], body["status"]) == (kind, mime, "processing")
    assert body["renditions"]
    assert {r["status"] for r in body["renditions"]} == {"pending"}

    worker.run_once()
    media = editor.get(f"media/{body['id']}").get_json()

    assert media["status"] == "ready"
    assert {r["status"] for r in media["renditions"]} == {"ready"}
    assert {r["ext"] for r in media["renditions"]} >= set(formats)
    assert media["thumbnail"] is not None
    for rendition in media["renditions"]:
        response = get_file(editor, rendition["url"])
        assert response.status_code == 200
        assert response.mimetype == rendition["mime"]
        if rendition["mime"].startswith("image/"):
            size = Image.open(io.BytesIO(response.data)).size
            assert size == (rendition["width"], rendition["height"])
            assert max(size) <= 3840


@pytest.mark.parametrize("orientation", range(1, 9))
def test_photos_end_upright_whatever_their_exif_orientation(
    editor: Api, worker: RenditionWorker, library: int, orientation: int
) -> None:
    media = uploaded_and_made(editor, worker, files.phone_photo(orientation), "foto.jpg", library)

    upright = picture(editor, media, "1920x1080-fit", "jpg").convert("RGB")

    assert (media["width"], media["height"]) == (300, 200)
    assert upright.size == (300, 200)  # never upscaled
    for (x, y), corner in {
        (40, 40): "top_left",
        (260, 40): "top_right",
        (40, 160): "bottom_left",
        (260, 160): "bottom_right",
    }.items():
        expected = files.QUADRANTS[corner]
        assert all(abs(a - b) < 30 for a, b in zip(upright.getpixel((x, y)), expected, strict=True))


def test_no_rendition_carries_exif_or_gps(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    media = uploaded_and_made(editor, worker, files.phone_photo(6), "gps.jpg", library)

    for rendition in media["renditions"]:
        data = get_file(editor, rendition["url"]).data
        image = Image.open(io.BytesIO(data))
        assert not image.getexif(), rendition["name"]
        assert b"Exif" not in data
        assert b"Telefon" not in data
        assert "icc_profile" not in image.info


def test_cmyk_and_adobe_rgb_photos_end_in_srgb(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    cmyk = uploaded_and_made(editor, worker, files.cmyk_jpeg(), "tryk.jpg", library)
    colour = (200, 60, 60)
    adobe = uploaded_and_made(editor, worker, files.adobe_rgb_jpeg(colour), "adobe.jpg", library)

    cyan = picture(editor, cmyk, "1920x1080-fit", "jpg")
    assert cyan.mode == "RGB"
    red, green, blue = cyan.getpixel((100, 50))
    assert red < 60
    assert green > 180
    assert blue > 180

    converted = picture(editor, adobe, "1920x1080-fit", "jpg").getpixel((100, 50))
    # What a colour-managed viewer shows for the Adobe RGB pixel, in sRGB:
    source = ImageCms.ImageCmsProfile(io.BytesIO(files.adobe_rgb()))
    srgb = ImageCms.createProfile("sRGB")
    expected = ImageCms.profileToProfile(Image.new("RGB", (1, 1), colour), source, srgb)
    assert expected is not None
    assert all(abs(a - b) <= 4 for a, b in zip(converted, expected.getpixel((0, 0)), strict=True))
    assert abs(converted[0] - colour[0]) > 10  # the pixel was converted, not copied


def test_an_animated_gif_stays_animated(editor: Api, worker: RenditionWorker, library: int) -> None:
    media = uploaded_and_made(editor, worker, files.animated_gif(3), "blink.gif", library)

    assert media["animated"] is True
    for ext in ("webp", "gif"):
        rendition = picture(editor, media, "1920x1080-fit", ext)
        assert getattr(rendition, "n_frames", 1) == 3


def test_a_pdf_gives_one_draft_slide_and_one_image_per_page(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    response = upload(editor, files.pdf(3), "Plakat.pdf", library)
    media = response.get_json()
    worker.run_once()
    media = editor.get(f"media/{media['id']}").get_json()

    assert media["pages"] == 3
    assert len(media["slide_ids"]) == 3
    for page, slide_id in enumerate(media["slide_ids"], start=1):
        slide = editor.get(f"slides/{slide_id}").get_json()
        assert slide["latest"]["kind"] == "pdf_page"
        assert slide["latest"]["fields"] == {"page": str(page)}
        assert slide["latest"]["status"] == "draft"
        assert slide["title"] == f"Plakat – side {page}"
    colours = [
        picture(editor, media, f"p{n}-1920x1080-fit", "jpg").getpixel((5, 5)) for n in (1, 2, 3)
    ]
    assert [c.index(max(c)) for c in colours] == [0, 1, 2]  # red, green, blue pages


def test_a_video_is_measured_and_served_with_byte_ranges(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    media = uploaded_and_made(editor, worker, files.video("mp4", seconds=2), "film.mp4", library)

    assert media["duration_s"] == pytest.approx(2.0, abs=0.2)
    assert (media["width"], media["height"]) == (320, 240)
    url = f"/media/{media['sha256']}/original.mp4"
    whole = get_file(editor, url)
    part = get_file(editor, url, headers={"Range": "bytes=100-199"})

    assert whole.headers["Accept-Ranges"] == "bytes"
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole.data)}"
    assert part.data == whole.data[100:200]
    assert part.mimetype == "video/mp4"


def test_renditions_are_served_immutable_with_a_strong_etag(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    media = uploaded_and_made(editor, worker, files.jpeg(), "photo.jpg", library)
    url = f"/media/{media['sha256']}/thumb.webp"

    first = get_file(editor, url)
    again = get_file(editor, url, headers={"If-None-Match": first.headers["ETag"]})

    assert first.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert first.headers["X-Content-Type-Options"] == "nosniff"
    assert first.headers["Content-Type"] == "image/webp"
    assert first.headers["ETag"].startswith('"')  # strong, not W/
    assert again.status_code == 304


@pytest.mark.parametrize(
    "path",
    [
        "/media/{sha}/../../secret_key.jpg",
        "/media/{sha}/%2e%2e%2fsecret_key.jpg",
        "/media/{sha}/thumb.html",
        "/media/{sha}/original.jpg",
        "/media/{sha}/thumb",
        "/media/ABCDEF/thumb.webp",
        "/media/{sha}/thumb.webp%00.html",
        "/media/{sha}/9999x9999-fit.webp",
    ],
)
def test_media_paths_outside_the_renditions_are_not_found(
    editor: Api, worker: RenditionWorker, library: int, path: str
) -> None:
    media = uploaded_and_made(editor, worker, files.jpeg(), "photo.jpg", library)

    response = get_file(editor, path.format(sha=media["sha256"]))

    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


def test_the_same_file_twice_is_stored_once(
    editor: Api, library: int, settings: Settings, database: Database
) -> None:
    first = upload(editor, files.jpeg(), "a.jpg", library)
    second = upload(editor, files.jpeg(), "b.jpg", library)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.get_json()["id"] == second.get_json()["id"]
    assert len(list((settings.media_dir / "originals").rglob("*"))) == 2  # one folder, one file
    assert not any((settings.media_dir / "incoming").iterdir())


HOSTILE = [
    ("bomb.png", files.decompression_bomb, 415, "megapixels"),
    ("huge.jpg", lambda: files.jpeg_claiming(65_000, 65_000), 415, "megapixels"),
    ("cut.jpg", files.truncated_jpeg, 415, "damaged or incomplete"),
    ("page.jpg", files.html, 415, "HTML"),
    ("drawing.svg", files.svg_with_script, 415, "SVG"),
    ("funny.gif", files.gif_script_polyglot, 415, "after its end"),
    ("archive.png", files.zip_archive, 415, "ZIP"),
    ("empty.jpg", lambda: b"", 400, "empty"),
    ("../../etc/passwd\x00.jpg", files.jpeg, 400, "plain name"),
    ("long.pdf", lambda: files.pdf(500, (20, 20)), 415, "500 pages"),
    ("active.pdf", files.pdf_with_javascript_and_attachment, 415, "JavaScript"),
]


@pytest.mark.parametrize(("name", "make", "status", "phrase"), HOSTILE)
def test_hostile_uploads_are_refused_clearly_and_leave_nothing_behind(
    editor: Api,
    library: int,
    settings: Settings,
    database: Database,
    name: str,
    make: Any,
    status: int,
    phrase: str,
) -> None:
    response = upload(editor, make(), name, library)

    assert response.status_code == status
    error = response.get_json()["error"]
    assert phrase in error["message"]
    assert "Traceback" not in error["message"]
    assert "/work" not in error["message"]
    with database.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Media)) == 0
    assert not list((settings.media_dir / "originals").rglob("*.*"))
    assert not any((settings.media_dir / "incoming").iterdir())
    assert editor.client.get("/healthz").status_code == 200
    assert upload(editor, files.jpeg(), "fine.jpg", library).status_code == 201


def test_a_body_over_the_limit_is_refused_before_it_is_read(
    settings: Settings, world: World
) -> None:
    limits = MediaLimits(max_image_bytes=1 * MB, max_video_bytes=2 * MB)
    app = create_app(settings.with_overrides(media=limits))
    api = Api(app.test_client(), world.tokens["editor"])
    library = world.locations["bibliotek"]
    padding = b"\0" * (MB + MB // 2)

    too_big_for_an_image = upload(api, files.jpeg() + padding, "big.jpg", library)
    too_big_for_anything = upload(api, files.jpeg() + padding * 3, "bigger.jpg", library)

    assert too_big_for_an_image.status_code == 413
    assert "at most 1 MB" in too_big_for_an_image.get_json()["error"]["message"]
    assert too_big_for_anything.status_code == 413
    assert too_big_for_anything.get_json()["error"]["code"] == "payload_too_large"
    app.extensions["signage.db"].dispose()


def test_uploads_need_an_editor_grant_on_the_location(as_user: Any, world: World) -> None:
    elsewhere = upload(as_user("other_editor"), files.jpeg(), "a.jpg", world.locations["bibliotek"])
    viewer = upload(as_user("viewer"), files.jpeg(), "a.jpg", world.locations["bibliotek"])
    nowhere = upload(as_user("editor"), files.jpeg(), "a.jpg", 999_999)

    assert elsewhere.status_code == 403
    assert viewer.status_code == 403
    assert nowhere.status_code == 404


@pytest.mark.parametrize(
    ("kwargs", "phrase"),
    [
        ({"json": {"file": "x"}}, "multipart/form-data"),
        ({"data": {"location_id": "1"}, "content_type": "multipart/form-data"}, "field 'file'"),
        (
            {"data": {"file": (io.BytesIO(b"x"), "a.jpg")}, "content_type": "multipart/form-data"},
            "location_id",
        ),
        (
            {
                "data": {"file": (io.BytesIO(b"x"), "a.jpg"), "location_id": "²"},
                "content_type": "multipart/form-data",
            },
            "location_id",
        ),
    ],
)
def test_malformed_upload_requests_get_a_400(
    editor: Api, kwargs: dict[str, Any], phrase: str
) -> None:
    response = editor.call("POST", "media", **kwargs)

    assert response.status_code == 400
    assert phrase in response.get_json()["error"]["message"]


def test_media_in_use_cannot_be_deleted_until_its_slides_are_gone(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    media = uploaded_and_made(editor, worker, files.jpeg(), "photo.jpg", library)
    slide = editor.post(
        "slides",
        {"location_id": library, "title": "Foto", "kind": "image", "media_id": media["id"]},
    ).get_json()

    refused = editor.delete(f"media/{media['id']}")
    assert refused.status_code == 409
    assert refused.get_json()["error"]["details"]["slides"] == [
        {"id": slide["id"], "title": "Foto"}
    ]

    assert editor.delete(f"slides/{slide['id']}").status_code == 204
    assert editor.delete(f"media/{media['id']}").status_code == 204
    assert editor.get(f"media/{media['id']}").status_code == 404


def test_a_slide_needs_media_of_its_kind(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    video = uploaded_and_made(editor, worker, files.video("webm"), "film.webm", library)
    pdf = uploaded_and_made(editor, worker, files.pdf(2), "to.pdf", library)

    as_image = editor.post(
        "slides", {"location_id": library, "title": "x", "kind": "image", "media_id": video["id"]}
    )
    page_three = editor.post(
        "slides",
        {
            "location_id": library,
            "title": "x",
            "kind": "pdf_page",
            "media_id": pdf["id"],
            "fields": {"page": "3"},
        },
    )

    assert as_image.status_code == 422
    assert "needs a image media, not a video" in as_image.get_json()["error"]["message"]
    assert page_three.status_code == 422
    assert "no page 3" in page_three.get_json()["error"]["message"]


def test_a_slide_that_fills_the_screen_gets_fill_renditions(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    media = uploaded_and_made(editor, worker, files.jpeg(600, 300), "bred.jpg", library)
    assert not [r for r in media["renditions"] if r["name"].endswith("-fill")]

    editor.post(
        "slides",
        {
            "location_id": library,
            "title": "Fyldt",
            "kind": "image",
            "media_id": media["id"],
            "fields": {"fit": "fill"},
        },
    )
    worker.run_once()
    media = editor.get(f"media/{media['id']}").get_json()

    portrait = picture(editor, media, "1080x1920-fill", "jpg")
    assert portrait.size == (169, 300)  # the source's height, cut to the screen's shape
    assert media["status"] == "ready"


def test_a_display_with_a_new_resolution_gets_renditions(
    as_user: Any, editor: Api, worker: RenditionWorker, library: int, database: Database
) -> None:
    media = uploaded_and_made(editor, worker, files.jpeg(2000, 1000), "stor.jpg", library)
    with database.transaction() as session:
        worker.plan_for_new_screens(session)  # the sweep has seen today's screens

    created = as_user("manager").post(
        "displays", {"name": "Smal", "location_id": library, "resolution": [1280, 720]}
    )
    assert created.status_code == 201
    with database.transaction() as session:
        assert worker.plan_for_new_screens(session) > 0
    worker.run_once()
    media = editor.get(f"media/{media['id']}").get_json()

    assert picture(editor, media, "1280x720-fit", "webp").size == (1280, 640)


def test_progress_reaches_the_console_room_of_the_location(
    editor: Api, worker: RenditionWorker, library: int
) -> None:
    uploaded_and_made(editor, worker, files.pdf(2), "to.pdf", library)

    assert isinstance(worker.notifier, RecordingNotifier)
    events = [e for e in worker.notifier.sent if e[0] == "media_progress"]
    assert {(room, namespace) for _, _, room, namespace in events} == {
        (f"location:{library}", "/console")
    }
    readies = [payload["ready"] for _, payload, _, _ in events]
    assert readies == sorted(readies)
    assert len(set(readies)) >= 3
    assert events[-1][1]["status"] == "ready"
    assert events[-1][1]["ready"] == events[-1][1]["total"]


def test_a_rendition_that_cannot_be_made_fails_the_media_with_a_reason(
    editor: Api, worker: RenditionWorker, library: int, settings: Settings
) -> None:
    body = upload(editor, files.jpeg(), "photo.jpg", library).get_json()
    for stored in (settings.media_dir / "originals").rglob("*"):
        if stored.is_file():
            stored.write_bytes(b"\xff\xd8\xff broken since upload")

    worker.run_once()
    media = editor.get(f"media/{body['id']}").get_json()

    assert media["status"] == "failed"
    assert "could not be converted" in media["error"]
    assert worker.run_once() == 0  # nothing pending is retried forever


def test_unused_media_is_collected_after_the_grace_period(
    editor: Api, worker: RenditionWorker, library: int, database: Database, settings: Settings
) -> None:
    unused = uploaded_and_made(editor, worker, files.jpeg(), "unused.jpg", library)
    used = uploaded_and_made(editor, worker, files.webp(), "used.webp", library)
    editor.post(
        "slides", {"location_id": library, "title": "x", "kind": "image", "media_id": used["id"]}
    )
    grace = timedelta(hours=1)

    def collect(at: Any) -> tuple[int, int]:
        with database.transaction() as session:
            return media_service.collect_unused(session, settings.media_dir, at, grace)

    now = utcnow()
    assert collect(now) == (0, 0)  # first seen unused: the grace period starts
    assert collect(now + timedelta(minutes=59)) == (0, 0)
    assert collect(now + timedelta(hours=2)) == (1, 1)

    assert editor.get(f"media/{unused['id']}").status_code == 404
    assert get_file(editor, unused["thumbnail"]).status_code == 404
    assert get_file(editor, used["thumbnail"]).status_code == 200
    with database.sessions() as session:
        kept = session.scalars(select(Rendition.media_id).distinct()).all()
    assert kept == [used["id"]]


def test_media_lists_only_what_the_caller_may_read(
    as_user: Any, editor: Api, world: World, library: int
) -> None:
    upload(editor, files.jpeg(), "bibliotek.jpg", library)
    upload(as_user("other_editor"), files.webp(), "plejehjem.webp", world.locations["plejehjem"])

    mine = editor.get("media").get_json()["items"]
    everything = as_user("admin").get("media").get_json()["items"]

    assert [m["filename"] for m in mine] == ["bibliotek.jpg"]
    assert sorted(m["filename"] for m in everything) == ["bibliotek.jpg", "plejehjem.webp"]


def test_a_job_over_its_time_limit_fails_its_media_and_the_pool_starts_anew(
    editor: Api, library: int, database: Database, settings: Settings
) -> None:
    slow = upload(editor, files.pdf(3, (2000, 2000)), "tung.pdf", library).get_json()
    fine = upload(editor, files.jpeg(), "let.jpg", library).get_json()
    impatient = RenditionWorker(database, settings.media_dir, timeout_s=0.001)
    patient = RenditionWorker(database, settings.media_dir)
    try:
        impatient.run_once()
        patient.run_once()
    finally:
        impatient.close()
        patient.close()

    failed = editor.get(f"media/{slow['id']}").get_json()
    assert failed["status"] == "failed"
    assert "took longer than 0.001 s" in failed["error"]
    assert editor.get(f"media/{fine['id']}").get_json()["status"] == "ready"


def test_an_imported_file_edited_afterwards_leaves_the_stored_original_alone(
    tmp_path: Any, settings: Settings, database: Database, library: int
) -> None:
    source = tmp_path / "plakat.jpg"
    source.write_bytes(files.jpeg())
    with database.transaction() as session:
        media, _ = media_service.register_file(
            session, settings.media_dir, MediaLimits(), source, source.name, library
        )
        sha256 = media.sha256

    source.write_bytes(files.webp())  # in place: the same inode

    stored = settings.media_dir / "originals" / sha256[:2] / sha256
    assert stored.read_bytes() == files.jpeg()
