"""The public mirror: `/public/<location>`, its live fragment and its RSS feed hold
exactly the public slides shown now on displays of public locations, and the alerts
reaching them; nothing internal ever shows, and slide text cannot become markup."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

import pytest
from defusedxml.ElementTree import fromstring
from flask import Flask
from flask.testing import FlaskClient

from signage.content.renditions import RenditionWorker
from signage.db import Database
from signage.public.cache import PublicViews
from signage.realtime import RecordingNotifier, public_pages_publisher, socketio
from signage.scheduling.propagator import Propagator
from tests import media_files as files
from tests.factories import World

XSS_HEADING = '<script>alert("heading")</script>'
XSS_BODY = "<img src=x onerror=alert(1)> & more"
RFC822 = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$")


# -- the world: public and internal places, public and internal slides ------------------
@dataclass
class Mirror:
    open_house: int  # public, with English and Arabic variants, everywhere
    staff_rota: int  # internal, everywhere
    xss: int  # public, with markup in its text, everywhere
    care_home_news: int  # public, but only on the (internal) care home's screen


def make_slide(as_user: Any, world: World, title: str, **extra: Any) -> int:
    admin = as_user("admin")
    data = {"title": title, "location_id": world.locations["kommune"], "kind": "text"}
    created = admin.post("slides", data | {"fields": {"heading": title}} | extra)
    assert created.status_code == 201, created.get_json()
    slide_id = int(created.get_json()["id"])
    admin.post(f"slides/{slide_id}/submit")
    assert admin.post(f"slides/{slide_id}/approve").status_code == 200
    return slide_id


def play(
    as_user: Any, world: World, slug: str, slides: list[int], target: str, region: str = "main"
) -> None:
    admin = as_user("admin")
    playlist = admin.post(
        "playlists",
        {
            "slug": slug,
            "name": slug,
            "location_id": world.locations["kommune"],
            "items": [{"slide_id": s, "duration": 10} for s in slides],
        },
    )
    assert playlist.status_code == 201, playlist.get_json()
    scheduled = admin.post(
        "schedules",
        {
            "playlist_id": playlist.get_json()["id"],
            "target": {"location_id": world.locations[target]},
            "region": region,
        },
    )
    assert scheduled.status_code == 201, scheduled.get_json()


def make_public(as_user: Any, world: World, *slugs: str) -> None:
    for slug in slugs:
        answer = as_user("admin").patch(f"locations/{world.locations[slug]}", {"public": True})
        assert answer.status_code == 200, answer.get_json()


@pytest.fixture
def mirror(as_user: Any, world: World) -> Mirror:
    """kommune (internal) → kultur (public) → bibliotek (public, one screen);
    kommune → social (public) → plejehjem (internal, one screen)."""
    make_public(as_user, world, "kultur", "bibliotek", "social")
    found = Mirror(
        open_house=make_slide(
            as_user,
            world,
            "Åbent hus",
            public=True,
            fields={"heading": "Åbent hus", "body": "Kom og se biblioteket"},
            variants={
                "en": {"heading": "Open house", "body": "Come and see the library"},
                "ar": {"heading": "يوم مفتوح"},
            },
        ),
        staff_rota=make_slide(
            as_user, world, "Intern vagtplan", fields={"heading": "Vagtplan for personalet"}
        ),
        xss=make_slide(
            as_user, world, "Markup", public=True, fields={"heading": XSS_HEADING, "body": XSS_BODY}
        ),
        care_home_news=make_slide(as_user, world, "Plejehjemmets nyhed", public=True),
    )
    play(as_user, world, "alle", [found.open_house, found.staff_rota, found.xss], "kommune")
    play(as_user, world, "pleje", [found.care_home_news], "plejehjem")
    return found


# -- reading a page ---------------------------------------------------------------------
@dataclass
class Element:
    tag: str
    attrs: dict[str, str]


@dataclass
class Parsed(HTMLParser):
    elements: list[Element] = field(default_factory=list)
    text: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append(Element(tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def find(self, tag: str, **attrs: str) -> list[Element]:
        return [
            e
            for e in self.elements
            if e.tag == tag and all(e.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def ids(self, prefix: str) -> list[int]:
        return [
            int(e.attrs["id"].removeprefix(prefix))
            for e in self.elements
            if e.tag == "article" and e.attrs.get("id", "").startswith(prefix)
        ]


def parse(html: str) -> Parsed:
    parsed = Parsed()
    parsed.feed(html)
    return parsed


def page(client: FlaskClient, path: str) -> tuple[str, Parsed]:
    response = client.get(path)
    assert response.status_code == 200, response.data[:300]
    html = response.get_data(as_text=True)
    return html, parse(html)


def rss_items(client: FlaskClient, slug: str) -> list[Any]:
    response = client.get(f"/public/{slug}/feed.xml")
    assert response.status_code == 200
    return list(fromstring(response.data).find("channel").iter("item"))


# -- what is public ---------------------------------------------------------------------
def test_the_page_holds_exactly_the_public_slides_of_public_locations(
    client: FlaskClient, mirror: Mirror
) -> None:
    _html, parsed = page(client, "/public/bibliotek")
    assert parsed.ids("slide-") == [mirror.open_house, mirror.xss]


def test_a_location_covers_the_public_places_below_it(client: FlaskClient, mirror: Mirror) -> None:
    _html, parsed = page(client, "/public/kultur")
    assert parsed.ids("slide-") == [mirror.open_house, mirror.xss]


def test_a_public_place_whose_screens_are_all_internal_shows_nothing(
    client: FlaskClient, mirror: Mirror
) -> None:
    html, parsed = page(client, "/public/social")  # its only screen is at the care home
    assert parsed.ids("slide-") == []
    assert "Plejehjemmets nyhed" not in html


def test_the_mirror_lists_the_public_content_of_every_region_of_the_layout(
    client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    admin = as_user("admin")
    display = world.displays["bibliotek"]
    assert admin.patch(f"displays/{display}", {"layout": "main-side-ticker"}).status_code == 200
    side = make_slide(as_user, world, "Dagens møder", public=True)
    ticker = make_slide(as_user, world, "Nyt fra kommunen", public=True)
    elsewhere = make_slide(as_user, world, "Uden sted", public=True)
    play(as_user, world, "side", [side], "bibliotek", region="side")
    play(as_user, world, "ticker", [ticker], "bibliotek", region="ticker")
    make_public(as_user, world, "plejehjem")
    admin.patch(f"displays/{world.displays['plejehjem']}", {"layout": "main-ticker"})
    play(as_user, world, "nowhere", [elsewhere], "plejehjem", region="side")

    html, parsed = page(client, "/public/bibliotek")
    english, _parsed = page(client, "/public/bibliotek?lang=en")
    titles = [item.findtext("title") for item in rss_items(client, "bibliotek")]

    assert parsed.ids("slide-") == [mirror.open_house, mirror.xss, side, ticker]
    # Each slide outside the main area says where it shows, in the page's language.
    assert re.findall(r'<p class="regions">([^<]*)</p>', html) == ["Sidekolonne", "Nyhedsbånd"]
    assert re.findall(r'<p class="regions">([^<]*)</p>', english) == ["Side column", "News ticker"]
    assert {"Dagens møder", "Nyt fra kommunen"} <= set(titles)
    # A region the screen's layout lacks shows nothing, so the mirror lists nothing.
    care_home = page(client, "/public/social")[1].ids("slide-")
    assert sorted(care_home) == sorted([mirror.open_house, mirror.xss, mirror.care_home_news])
    assert elsewhere not in parsed.ids("slide-")


def test_internal_slides_never_appear_in_page_fragment_or_feed(
    client: FlaskClient, mirror: Mirror
) -> None:
    for slug in ("bibliotek", "kultur", "social"):
        for path in ("", "/live", "/feed.xml"):
            text = client.get(f"/public/{slug}{path}").get_data(as_text=True)
            for internal in ("Intern vagtplan", "Vagtplan for personalet", "Plejehjemmets nyhed"):
                assert internal not in text, f"{internal!r} leaked at /public/{slug}{path}"


@pytest.mark.parametrize("slug", ["kommune", "plejehjem", "ingen-steder"])
@pytest.mark.parametrize("path", ["", "/live", "/feed.xml"])
def test_internal_and_missing_places_answer_the_same_not_found(
    client: FlaskClient, mirror: Mirror, slug: str, path: str
) -> None:
    response = client.get(f"/public/{slug}{path}")
    assert response.status_code == 404
    nowhere = client.get(f"/public/ingen-steder{path}")
    # An internal place's existence does not leak: the pages differ only in the address
    # their language links repeat.
    address = f"/public/{slug}".encode()
    assert response.data.replace(address, b"/public/ingen-steder") == nowhere.data


def test_the_index_lists_the_public_places_only(client: FlaskClient, mirror: Mirror) -> None:
    _html, parsed = page(client, "/public/")
    links = {e.attrs["href"] for e in parsed.find("a") if e.attrs["href"].startswith("/public/")}
    assert {"/public/kultur", "/public/bibliotek", "/public/social"} <= links
    assert not {"/public/kommune", "/public/plejehjem"} & links
    # Places are named with their public ancestors only: "Kommune" is internal.
    assert "Kultur › Bibliotek" in parsed.text
    assert not [text for text in parsed.text if "Kommune" in text]


def test_a_slide_made_public_appears_and_made_internal_disappears(
    client: FlaskClient, as_user: Any, mirror: Mirror
) -> None:
    assert (
        as_user("admin").patch(f"slides/{mirror.staff_rota}", {"public": True}).status_code == 200
    )
    assert mirror.staff_rota in page(client, "/public/bibliotek")[1].ids("slide-")
    assert (
        as_user("admin").patch(f"slides/{mirror.open_house}", {"public": False}).status_code == 200
    )
    assert mirror.open_house not in page(client, "/public/bibliotek")[1].ids("slide-")


def test_a_place_made_internal_answers_not_found_at_once(
    client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    assert client.get("/public/bibliotek").status_code == 200
    as_user("admin").patch(f"locations/{world.locations['bibliotek']}", {"public": False})
    assert client.get("/public/bibliotek").status_code == 404
    # Its parent's page no longer covers its screen either.
    assert page(client, "/public/kultur")[1].ids("slide-") == []


# -- alerts -----------------------------------------------------------------------------
def send_alert(as_user: Any, world: World, title: str, target: str, **extra: Any) -> int:
    sent = as_user("communicator").post(
        "alerts",
        {
            "title": title,
            "body": "Brug indgangen mod parken",
            "severity": "warning",
            "targets": {"location_ids": [world.locations[target]]},
            **extra,
        },
    )
    assert sent.status_code == 201, sent.get_json()
    return int(sent.get_json()["id"])


def test_active_alerts_reaching_the_screens_show_until_cleared(
    client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    here = send_alert(
        as_user, world, "Vandskade", "bibliotek", variants={"en": {"title": "Water damage"}}
    )
    elsewhere = send_alert(as_user, world, "Strømsvigt på plejehjemmet", "plejehjem")
    html, parsed = page(client, "/public/bibliotek")
    assert parsed.ids("alert-") == [here]
    assert "Water damage" in html
    assert "Strømsvigt" not in page(client, "/public/social")[0]
    guids = [item.findtext("guid") for item in rss_items(client, "bibliotek")]
    assert guids[0] == f"infotavle-alert-{here}"

    assert as_user("communicator").post(f"alerts/{here}/clear").status_code == 200
    assert page(client, "/public/bibliotek")[1].ids("alert-") == []
    assert elsewhere


# -- the feed ---------------------------------------------------------------------------
def test_the_feed_is_rss_2_with_the_same_items_as_the_page(
    client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    alert = send_alert(as_user, world, "Vandskade", "kultur")
    response = client.get("/public/bibliotek/feed.xml")
    assert response.mimetype == "application/rss+xml"
    rss = fromstring(response.data)  # well-formed, without DTD or entities
    assert rss.tag == "rss"
    assert rss.get("version") == "2.0"
    channel = rss.find("channel")
    for required in ("title", "link", "description"):
        assert (channel.findtext(required) or "").strip(), f"channel lacks <{required}>"
    assert channel.findtext("link") == "http://localhost/public/bibliotek"
    assert channel.findtext("language") == "da"
    items = list(channel.iter("item"))
    for item in items:
        for required in ("title", "link", "description", "guid", "pubDate"):
            assert (item.findtext(required) or "").strip(), f"an item lacks <{required}>"
        assert RFC822.match(item.findtext("pubDate")), item.findtext("pubDate")
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        assert item.find("guid").get("isPermaLink") == "false"
    _html, parsed = page(client, "/public/bibliotek")
    on_page = [f"#alert-{i}" for i in parsed.ids("alert-")]
    on_page += [f"#slide-{i}" for i in parsed.ids("slide-")]
    assert [item.findtext("link").rpartition("/bibliotek")[2] for item in items] == on_page
    assert on_page[0] == f"#alert-{alert}"


def test_feed_descriptions_are_escaped_html_with_the_language_variants(
    client: FlaskClient, mirror: Mirror
) -> None:
    raw = client.get("/public/bibliotek/feed.xml").get_data(as_text=True)
    assert "<description>&lt;article" in raw  # HTML as text, as RSS readers expect
    open_house = next(
        i for i in rss_items(client, "bibliotek") if i.findtext("title") == "Åbent hus"
    )
    description = open_house.findtext("description")
    assert '<div lang="en" dir="ltr">' in description
    assert '<div lang="ar" dir="rtl">' in description
    assert "Come and see the library" in description


# -- markup in slide text ---------------------------------------------------------------
def test_markup_in_slide_text_shows_as_text_on_the_page(
    client: FlaskClient, mirror: Mirror
) -> None:
    for path in ("/public/bibliotek", "/public/bibliotek/live"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;heading&#34;)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in html


def test_markup_in_slide_text_reaches_feed_readers_as_text(
    client: FlaskClient, mirror: Mirror
) -> None:
    item = next(i for i in rss_items(client, "bibliotek") if i.findtext("title") == XSS_HEADING)
    # The title is plain text; the description is HTML in which the markup is escaped.
    description = item.findtext("description")
    assert "<img src=x" not in description
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in description
    parsed = parse(description)
    assert not parsed.find("script")
    assert [e.attrs.get("src") for e in parsed.find("img")] == []


@pytest.mark.slow
def test_a_picture_shows_with_its_alt_text_escaped_and_its_renditions(
    client: FlaskClient, as_user: Any, world: World, worker: RenditionWorker, mirror: Mirror
) -> None:
    media = as_user("admin").upload(
        files.jpeg(2000, 1000), "udstilling.jpg", world.locations["kommune"]
    )
    assert media.status_code == 201, media.get_json()
    alt = '"><script>alert("alt")</script>'
    picture = make_slide(
        as_user, world, "Udstilling", kind="image", public=True,
        media_id=media.get_json()["id"], alt=alt, fields={"caption": "Udstilling i salen"},
    )  # fmt: skip
    play(as_user, world, "billeder", [picture], "bibliotek")
    worker.run_once()
    html, parsed = page(client, "/public/bibliotek")
    assert picture in parsed.ids("slide-")
    (image,) = [e for e in parsed.find("img") if "picture" in e.attrs.get("class", "")]
    assert image.attrs["alt"] == alt  # the parser unescapes it: the page held it escaped
    assert '<script>alert("alt")' not in html
    sha = media.get_json()["sha256"]
    assert image.attrs["src"] == f"/media/{sha}/1920x1080-fit.webp"
    widths = [part.split()[-1] for part in image.attrs["srcset"].split(", ")]
    assert widths == ["480w", "1080w", "1920w"]  # the thumbnail, portrait and landscape fits
    with client.get(image.attrs["src"]) as served:
        assert served.status_code == 200
    described = next(
        i for i in rss_items(client, "bibliotek") if i.findtext("title") == "Udstilling"
    )
    (feed_image,) = parse(described.findtext("description")).find("img")
    assert feed_image.attrs["src"] == f"http://localhost/media/{sha}/1920x1080-fit.webp"
    assert feed_image.attrs["alt"] == alt


# -- languages and markup ---------------------------------------------------------------
def test_the_page_is_danish_by_default_and_english_on_request(
    client: FlaskClient, mirror: Mirror
) -> None:
    response = client.get("/public/bibliotek")
    html = response.get_data(as_text=True)
    assert parse(html).find("html")[0].attrs["lang"] == "da"
    assert "På skærmene nu" in html
    assert "Set-Cookie" not in response.headers  # citizens get no cookie
    english = client.get("/public/bibliotek?lang=en").get_data(as_text=True)
    assert parse(english).find("html")[0].attrs["lang"] == "en"
    assert "On the screens now" in english
    # Links keep the language asked for.
    assert 'href="/public/bibliotek/feed.xml?lang=en"' in english


def test_each_language_a_slide_has_is_offered_with_its_direction(
    client: FlaskClient, mirror: Mirror
) -> None:
    _html, parsed = page(client, "/public/bibliotek?lang=en")
    variants = {(e.attrs["lang"], e.attrs["dir"]) for e in parsed.find("details")}
    assert variants == {("en", "ltr"), ("ar", "rtl")}
    # The slides' own text is Danish on the English page, and says so.
    bases = {e.attrs["lang"] for e in parsed.elements if "base" in e.attrs.get("class", "")}
    assert bases == {"da"}
    assert "العربية" in "".join(parsed.text)


def test_the_page_has_landmarks_headings_and_a_polite_status(
    client: FlaskClient, mirror: Mirror
) -> None:
    response = client.get("/public/bibliotek")
    parsed = parse(response.get_data(as_text=True))
    assert [e.tag for e in parsed.elements if e.tag in ("header", "nav", "main", "footer")] == [
        "header",
        "nav",
        "main",
        "footer",
    ]
    assert len(parsed.find("h1")) == 1
    assert parsed.find("p", id="status", role="status")
    assert parsed.find("time")
    assert not [e for e in parsed.find("script") if "src" not in e.attrs]  # no inline script
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


# -- cost -------------------------------------------------------------------------------
def test_a_view_is_resolved_once_until_something_changes(
    app: Flask, client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    views = PublicViews()
    app.extensions["signage.public_views"] = views
    for path in ("/public/bibliotek", "/public/bibliotek/live", "/public/bibliotek/feed.xml"):
        assert client.get(path).status_code == 200
    assert views.resolved == 1
    send_alert(as_user, world, "Vandskade", "bibliotek")
    assert "Vandskade" in client.get("/public/bibliotek/live").get_data(as_text=True)
    assert views.resolved == 2


def test_a_view_is_kept_while_changes_reach_only_other_screens(
    app: Flask, client: FlaskClient, as_user: Any, world: World, mirror: Mirror
) -> None:
    views = PublicViews()
    app.extensions["signage.public_views"] = views
    assert client.get("/public/bibliotek").status_code == 200
    elsewhere = make_slide(as_user, world, "Kun på plejehjemmet", public=True)
    play(as_user, world, "kun-pleje", [elsewhere], "plejehjem")
    assert client.get("/public/bibliotek").status_code == 200
    assert views.resolved == 1  # the care home's screen is not the library's
    here = make_slide(as_user, world, "Ny på biblioteket", public=True)
    play(as_user, world, "kun-bib", [here], "bibliotek")
    assert here in page(client, "/public/bibliotek")[1].ids("slide-")
    assert views.resolved == 2


# -- brand ------------------------------------------------------------------------------
def test_the_brand_sheet_carries_the_palette_and_nothing_else(
    client: FlaskClient, as_user: Any
) -> None:
    changed = as_user("admin").patch(
        "brand", {"palette": {"primary": "#123456"}, "font": "x; } body { display: none"}
    )
    assert changed.status_code == 200, changed.get_json()
    css = client.get("/public/brand.css")
    assert css.mimetype == "text/css"
    text = css.get_data(as_text=True)
    assert "--brand-primary: #123456;" in text
    assert "display: none" not in text


# -- live updates -----------------------------------------------------------------------
def test_a_page_listens_only_for_a_public_place(app: Flask, mirror: Mirror) -> None:
    refused = socketio.test_client(app, namespace="/public", auth={"location": "plejehjem"})
    assert not refused.is_connected("/public")
    page_socket = socketio.test_client(app, namespace="/public", auth={"location": "bibliotek"})
    assert page_socket.is_connected("/public")
    page_socket.disconnect("/public")


def test_a_place_made_internal_refuses_new_listeners_at_once(
    app: Flask, as_user: Any, world: World, mirror: Mirror
) -> None:
    first = socketio.test_client(app, namespace="/public", auth={"location": "bibliotek"})
    assert first.is_connected("/public")
    first.disconnect("/public")
    as_user("admin").patch(f"locations/{world.locations['bibliotek']}", {"public": False})
    later = socketio.test_client(app, namespace="/public", auth={"location": "bibliotek"})
    assert not later.is_connected("/public")


def test_propagation_tells_the_pages_above_rebuilt_screens_even_when_manifests_stay(
    database: Database, as_user: Any, world: World, mirror: Mirror
) -> None:
    heard = RecordingNotifier()
    propagator = Propagator(
        database, "Europe/Copenhagen", "da", rebuilt=public_pages_publisher(heard)
    )
    propagator.run_once()
    heard.sent.clear()
    # A public flag is not in the manifest: no kiosk hears of it, the pages must.
    as_user("admin").patch(f"slides/{mirror.care_home_news}", {"public": False})
    assert propagator.run_once() == []
    chain = ("plejehjem", "social", "kommune")
    assert heard.sent == [
        ("refresh", {}, f"content:{world.locations[slug]}", "/public")
        for slug in sorted(chain, key=lambda slug: world.locations[slug])
    ]


def test_an_alert_tells_the_pages_it_reaches_to_refresh_with_nothing_more(
    app: Flask, as_user: Any, world: World, mirror: Mirror
) -> None:
    library = socketio.test_client(app, namespace="/public", auth={"location": "bibliotek"})
    social = socketio.test_client(app, namespace="/public", auth={"location": "social"})
    library.get_received("/public")
    social.get_received("/public")
    send_alert(as_user, world, "Vandskade", "kultur")
    heard = library.get_received("/public")
    assert [(m["name"], m["args"]) for m in heard] == [("refresh", [{}])]
    assert social.get_received("/public") == []
    library.disconnect("/public")
    social.disconnect("/public")
