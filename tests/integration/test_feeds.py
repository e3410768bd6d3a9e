"""Feeds end to end: the /api/v1/feeds collection and its scope, the push endpoint and
what it refuses, the refresh sweep against a real HTTP server serving the fixtures
(RSS 2.0, Atom, iCalendar, CAP), failures that keep the last good items, and feed slides
whose items reach the manifest as plain text and follow every change.

Names never resolve for real: the guard's resolver is replaced, and the only host
contacted is this test's own server on 127.0.0.1, let through as an admin would let an
intranet through (SIGNAGE_FETCH_ALLOW)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from signage.accounts.models import User
from signage.accounts.permissions import Scope
from signage.accounts.services import create_token
from signage.alerts.models import Alert
from signage.db import Database
from signage.feeds.jobs import FeedRefresher
from signage.net import fetch
from signage.net.fetch import FetchPolicy
from signage.realtime import RecordingNotifier
from signage.scheduling.models import Manifest
from signage.scheduling.propagator import Propagator
from tests.conftest import Api
from tests.factories import World
from tests.httpd import Answer, Site, serving
from tests.integration.test_cap import document as cap_document
from tests.integration.test_propagation import playlist_on

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "feeds"
NOW = datetime(2026, 3, 20, 11, 0, tzinfo=UTC)  # a Friday before the change to summer time
ALLOW_LOOPBACK = FetchPolicy(allow=(ipaddress.ip_network("127.0.0.1/32"),))
NAMES = {
    "news.example.org": ["127.0.0.1"],  # this test's own server, under a public-looking name
    "intranet.example.org": ["10.0.0.1"],
    "www.gladsaxe.dk": ["93.184.216.34"],
}


@pytest.fixture
def names(monkeypatch: pytest.MonkeyPatch) -> None:
    def resolve(host: str, _port: int) -> list[str]:
        if host not in NAMES:
            raise OSError(f"{host}: no such name in this test")
        return NAMES[host]

    monkeypatch.setattr(fetch, "resolve", resolve)


@pytest.fixture
def site(names: None, app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    """A real HTTP server serving the fixtures, reachable as news.example.org."""
    monkeypatch.setattr(fetch, "_configured", ALLOW_LOOPBACK)  # after the app set its own
    with serving() as found:
        for name in ("news-rss2.xml", "news-atom.xml", "meetings.ics"):
            found.answers[f"/{name}"] = Answer(body=(FIXTURES / name).read_bytes())
        yield found


@pytest.fixture
def refresher(database: Database) -> FeedRefresher:
    return FeedRefresher(
        database, lambda: NOW, "Europe/Copenhagen", "da", None, ALLOW_LOOPBACK, RecordingNotifier()
    )


def feed_url(site: Site, path: str) -> str:
    return f"http://news.example.org:{site.port}{path}"


def create_feed(api: Api, world: World, **fields: Any) -> dict[str, Any]:
    payload = {"name": "Nyheder", "location_id": world.locations["bibliotek"], **fields}
    response = api.post("feeds", payload)
    assert response.status_code == 201, response.get_json()
    return response.get_json()  # type: ignore[no-any-return]


def scoped_token(database: Database, world: World, user: str, scope: str) -> str:
    with database.transaction() as session:
        found = session.get(User, world.users[user])
        assert found is not None
        return create_token(session, found, scope=scope)


def feed_slide(as_user: Any, world: World, kind: str, feed_id: int, count: str = "5") -> int:
    admin = as_user("admin")
    slide = admin.post(
        "slides",
        {
            "title": "Feed",
            "location_id": world.locations["bibliotek"],
            "kind": kind,
            "fields": {"heading": "Nyt fra kommunen", "feed": str(feed_id), "count": count},
        },
    )
    assert slide.status_code == 201, slide.get_json()
    slide_id: int = slide.get_json()["id"]
    admin.post(f"slides/{slide_id}/submit")
    assert admin.post(f"slides/{slide_id}/approve").status_code == 200
    playlist_on(as_user, world, "bibliotek", slide_id, f"feed-{slide_id}")
    return slide_id


def manifest_of(database: Database, world: World, clock: datetime = NOW) -> dict[str, Any]:
    Propagator(database, "Europe/Copenhagen", "da", clock=lambda: clock).run_once()
    with database.sessions() as session:
        body = session.scalar(
            select(Manifest.body).where(Manifest.display_id == world.displays["bibliotek"])
        )
    assert body is not None
    return {"text": body, **json.loads(body)}


# -- the collection and its scope ---------------------------------------------------------
def test_an_editor_manages_feeds_of_their_own_location_only(as_user: Any, world: World) -> None:
    editor, other = as_user("editor"), as_user("other_editor")
    feed = create_feed(editor, world, kind="push")
    assert (feed["kind"], feed["url"], feed["status"], feed["items"]) == (
        "push",
        None,
        "waiting",
        [],
    )
    assert editor.get(f"feeds/{feed['id']}").status_code == 200
    assert other.get(f"feeds/{feed['id']}").status_code == 404
    assert feed["id"] not in [f["id"] for f in other.get("feeds").get_json()["items"]]
    assert other.patch(f"feeds/{feed['id']}", {"name": "Mit"}).status_code == 404
    elsewhere = {"name": "X", "location_id": world.locations["bibliotek"], "kind": "push"}
    assert other.post("feeds", elsewhere).status_code == 403
    assert as_user("viewer").post("feeds", elsewhere).status_code == 403
    assert as_user("viewer").get(f"feeds/{feed['id']}").status_code == 200
    renamed = editor.patch(f"feeds/{feed['id']}", {"name": "Intranettet", "refresh_s": 300})
    assert renamed.get_json()["name"] == "Intranettet"
    assert editor.delete(f"feeds/{feed['id']}").status_code == 204


def test_a_cap_feed_sends_alerts_so_it_needs_a_communicator(
    as_user: Any, world: World, names: None
) -> None:
    cap = {"kind": "cap", "url": "https://www.gladsaxe.dk/beredskab/cap.xml"}
    refused = as_user("editor").post(
        "feeds", {"name": "Beredskab", "location_id": world.locations["bibliotek"], **cap}
    )
    assert refused.status_code == 403
    created = create_feed(as_user("communicator"), world, name="Beredskab", **cap)
    assert created["refresh_s"] == 60


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("file:///etc/passwd", "only http:// and https://"),
        ("gopher://www.gladsaxe.dk/", "only http:// and https://"),
        ("http://169.254.169.254/latest/meta-data/", "cloud metadata"),
        ("http://127.0.0.1:6379/", "loopback"),
        ("https://intranet.example.org/nyheder.rss", "10.0.0.1"),
        ("https://nowhere.example.org/rss", "does not resolve"),
    ],
)
def test_a_feed_address_the_server_may_not_fetch_is_refused_when_saved(
    as_user: Any, world: World, names: None, url: str, says: str
) -> None:
    response = as_user("editor").post(
        "feeds",
        {"name": "N", "location_id": world.locations["bibliotek"], "kind": "rss", "url": url},
    )
    assert response.status_code == 422
    assert says in response.get_json()["error"]["message"]


def test_a_fetched_feed_needs_an_address(as_user: Any, world: World) -> None:
    response = as_user("editor").post(
        "feeds", {"name": "N", "location_id": world.locations["bibliotek"], "kind": "ical"}
    )
    assert response.status_code == 422
    assert "needs the address" in response.get_json()["error"]["message"]


# -- pushing ------------------------------------------------------------------------------
def test_the_intranet_pushes_items_with_a_feed_push_token_and_markup_is_stripped(
    as_user: Any, world: World, database: Database, client: Any
) -> None:
    feed = create_feed(as_user("editor"), world, kind="push")
    intranet = Api(client, scoped_token(database, world, "editor", Scope.FEED_PUSH))
    response = intranet.post(
        f"feeds/{feed['id']}/items",
        {
            "items": [
                {
                    "title": "<b>Kantinen</b> holder lukket<script>alert(1)</script>",
                    "summary": "<p>Fredag &amp; lørdag</p><img src=x onerror=alert(2)>",
                    "published": "2026-03-20T08:00:00+01:00",
                },
                {
                    "title": "Personalemøde",
                    "starts": "2026-03-24T14:00:00+01:00",
                    "ends": "2026-03-24T15:00:00+01:00",
                    "place": "Kantinen",
                },
            ]
        },
    )
    assert response.status_code == 200, response.get_json()
    items = response.get_json()["items"]
    assert items[0] == {
        "title": "Kantinen holder lukket",
        "summary": "Fredag & lørdag",
        "published": "2026-03-20T08:00:00+01:00",
    }
    assert items[1]["starts"] == "2026-03-24T14:00:00+01:00"
    assert response.get_json()["status"] == "ok"
    # The same token may do nothing else.
    assert intranet.get("feeds").status_code == 403
    assert intranet.post("feeds", {"name": "X"}).status_code == 403


def test_the_push_endpoint_refuses_other_tokens_and_callers(
    as_user: Any, world: World, database: Database, client: Any
) -> None:
    feed = create_feed(as_user("editor"), world, kind="push")
    path = f"feeds/{feed['id']}/items"
    body = {"items": [{"title": "Hej"}]}
    assert Api(client, None).post(path, body).status_code == 401
    assert Api(client, "not-a-token").post(path, body).status_code == 401
    for scope in (Scope.CAP_INGEST, Scope.METRICS_READ):
        token = scoped_token(database, world, "communicator", scope)
        assert Api(client, token).post(path, body).status_code == 403
    # A push token of an editor elsewhere finds no such feed.
    elsewhere = scoped_token(database, world, "other_editor", Scope.FEED_PUSH)
    assert Api(client, elsewhere).post(path, body).status_code == 404
    assert as_user("other_editor").post(path, body).status_code == 404
    assert as_user("viewer").post(path, body).status_code == 403
    assert as_user("editor").post(path, body).status_code == 200
    with database.sessions() as session:
        assert session.get(User, world.users["editor"]) is not None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"items": "Hej"}, 422),
        ({"items": [{"summary": "no title"}]}, 422),
        ({"items": [{"title": ""}]}, 422),
        ({"items": [{"title": "x", "published": "yesterday"}]}, 422),
        ({"items": [{"title": "x", "starts": "2026-03-24T14:00:00"}]}, 422),  # no offset
        (
            {
                "items": [
                    {
                        "title": "x",
                        "starts": "2026-03-24T14:00:00+01:00",
                        "ends": "2026-03-24T13:00:00+01:00",
                    }
                ]
            },
            422,
        ),
        ({"items": [{"title": "x", "colour": "red"}]}, 422),
        ({"items": [{"title": f"{n}"} for n in range(51)]}, 422),
        ({"items": [{"title": "x", "summary": "y" * 5000}]}, 422),
        ({"items": [{"title": "x" * 900, "summary": "y" * 3900} for _ in range(60)]}, 413),
        ({}, 422),
    ],
)
def test_the_push_endpoint_refuses_bad_bodies_and_keeps_the_items(
    as_user: Any, world: World, body: dict[str, Any], status: int
) -> None:
    editor = as_user("editor")
    feed = create_feed(editor, world, kind="push")
    path = f"feeds/{feed['id']}/items"
    assert editor.post(path, {"items": [{"title": "Før"}]}).status_code == 200
    response = editor.post(path, body)
    assert response.status_code == status
    assert response.get_json()["error"]["message"]
    assert editor.get(f"feeds/{feed['id']}").get_json()["items"] == [{"title": "Før"}]


def test_the_push_endpoint_refuses_what_is_not_json_and_feeds_that_are_fetched(
    as_user: Any, world: World, names: None
) -> None:
    editor = as_user("editor")
    push = create_feed(editor, world, kind="push")
    not_json = editor.post(f"feeds/{push['id']}/items", data="items", content_type="text/plain")
    assert not_json.status_code == 400
    fetched = create_feed(editor, world, kind="rss", url="https://www.gladsaxe.dk/nyheder.rss")
    response = editor.post(f"feeds/{fetched['id']}/items", {"items": [{"title": "x"}]})
    assert response.status_code == 409


# -- the refresh sweep --------------------------------------------------------------------
def test_the_sweep_fetches_rss_atom_and_ics_into_plain_text_items(
    as_user: Any, world: World, site: Site, refresher: FeedRefresher
) -> None:
    editor = as_user("editor")
    rss = create_feed(editor, world, kind="rss", url=feed_url(site, "/news-rss2.xml"))
    atom = create_feed(editor, world, kind="rss", url=feed_url(site, "/news-atom.xml"))
    ics = create_feed(editor, world, kind="ical", url=feed_url(site, "/meetings.ics"))
    assert refresher.run_once() == "3 refreshed, 0 failed"
    news = editor.get(f"feeds/{rss['id']}").get_json()
    assert news["status"] == "ok"
    assert news["items"][0]["summary"] == (
        "Byrådet har vedtaget en ny cykelsti. Arbejdet begynder i maj."
    )
    assert news["items"][1]["title"] == "Borgerservice holder lukket 2. april"
    hr = editor.get(f"feeds/{atom['id']}").get_json()["items"]
    assert [item["title"] for item in hr] == [
        "Trivselsundersøgelsen 2026 er åben",
        "Nye regler for kørselsgodtgørelse",
    ]
    events = editor.get(f"feeds/{ics['id']}").get_json()["items"]
    council = [e["starts"] for e in events if e["title"] == "Byrådsmøde"]
    # Weekly at 17:00 local, across the change to summer time on 29 March; 17 March is
    # an EXDATE and 7 April moved to 8 April.
    assert council == [
        "2026-03-24T17:00:00+01:00",
        "2026-03-31T17:00:00+02:00",
        "2026-04-14T17:00:00+02:00",
        "2026-04-21T17:00:00+02:00",
        "2026-04-28T17:00:00+02:00",
    ]
    assert "Aflyst: Borgermøde om skoledistrikter" not in [e["title"] for e in events]
    assert "Personalesag (fortroligt)" not in [e["title"] for e in events]
    for feed in (news["items"], hr, events):
        text = json.dumps(feed, ensure_ascii=False)
        assert "<" not in text.replace("Spørgsmål < 5", "")
        assert "script" not in text.lower()
        assert "onerror" not in text.lower()
    # Nothing is fetched again before the refresh interval has passed.
    before = len(site.seen)
    assert refresher.run_once() == "0 due"
    assert len(site.seen) == before


def test_a_failing_feed_keeps_its_last_good_items_and_records_the_error(
    as_user: Any, world: World, site: Site, database: Database
) -> None:
    editor = as_user("editor")
    feed = create_feed(editor, world, kind="rss", url=feed_url(site, "/news-rss2.xml"))
    clock = [NOW]

    def refresh() -> str:
        return FeedRefresher(
            database, lambda: clock[0], "Europe/Copenhagen", "da", None, ALLOW_LOOPBACK
        ).run_once()

    assert refresh() == "1 refreshed, 0 failed"
    good = editor.get(f"feeds/{feed['id']}").get_json()
    for answer, code in (
        (Answer(500, b"Internal Server Error"), "status"),
        (Answer(200, b"<html><body>Vedligeholdelse</body></html>"), "not_a_feed"),
        (Answer(302, headers={"Location": "http://intranet.example.org/rss"}), "blocked"),
    ):
        site.answers["/news-rss2.xml"] = answer
        clock[0] += timedelta(minutes=16)
        assert refresh() == "0 refreshed, 1 failed"
        failing = editor.get(f"feeds/{feed['id']}").get_json()
        assert failing["status"] == "failing"
        assert failing["error"]["code"] == code
        assert failing["error"]["message"]
        assert failing["items"] == good["items"]
        assert failing["ok_at"] == good["ok_at"]
    site.answers["/news-rss2.xml"] = Answer(body=(FIXTURES / "news-atom.xml").read_bytes())
    clock[0] += timedelta(minutes=16)
    assert refresh() == "1 refreshed, 0 failed"
    recovered = editor.get(f"feeds/{feed['id']}").get_json()
    assert (recovered["status"], recovered["error"]) == ("ok", None)
    assert recovered["items"][0]["title"] == "Trivselsundersøgelsen 2026 er åben"


def test_an_unchanged_feed_is_asked_for_with_its_etag(
    as_user: Any, world: World, site: Site, refresher: FeedRefresher, database: Database
) -> None:
    body = (FIXTURES / "news-rss2.xml").read_bytes()
    site.answers["/news-rss2.xml"] = Answer(body=body, headers={"ETag": '"v1"'})
    feed = create_feed(as_user("editor"), world, kind="rss", url=feed_url(site, "/news-rss2.xml"))
    refresher.run_once()
    site.answers["/news-rss2.xml"] = Answer(304)
    later = FeedRefresher(
        database, lambda: NOW + timedelta(hours=1), "Europe/Copenhagen", "da", None, ALLOW_LOOPBACK
    )
    assert later.run_once() == "1 refreshed, 0 failed"
    again = as_user("editor").get(f"feeds/{feed['id']}").get_json()
    assert len(again["items"]) == 3
    assert again["status"] == "ok"


def test_a_cap_feed_polled_from_its_address_becomes_alerts(
    as_user: Any, world: World, site: Site, refresher: FeedRefresher, database: Database
) -> None:
    site.answers["/cap.xml"] = Answer(
        body=cap_document("DK-FEED-1", expires=NOW + timedelta(hours=2))
    )
    feed = create_feed(
        as_user("communicator"), world, name="Beredskab", kind="cap", url=feed_url(site, "/cap.xml")
    )
    assert refresher.run_once() == "1 refreshed, 0 failed"
    with database.sessions() as session:
        alerts = list(session.scalars(select(Alert).where(Alert.source == "cap")))
    assert [alert.title for alert in alerts] == ["Forlad bygningen"]
    assert isinstance(refresher.notifier, RecordingNotifier)
    assert any(event == "alert" for event, *_ in refresher.notifier.sent)
    items = as_user("communicator").get(f"feeds/{feed['id']}").get_json()["items"]
    assert [item["title"] for item in items] == ["Forlad bygningen"]
    # Polled again, the same alert is not sent twice.
    FeedRefresher(
        database,
        lambda: NOW + timedelta(minutes=2),
        "Europe/Copenhagen",
        "da",
        None,
        ALLOW_LOOPBACK,
    ).run_once()
    with database.sessions() as session:
        assert len(list(session.scalars(select(Alert)))) == 1


# -- feed slides and the manifest ----------------------------------------------------------
def test_feed_items_reach_the_manifest_as_plain_text_and_every_push_propagates(
    as_user: Any, world: World, database: Database
) -> None:
    editor = as_user("editor")
    feed = create_feed(editor, world, kind="push")
    slide_id = feed_slide(as_user, world, "feed_news", feed["id"], count="2")
    # Nothing to show yet: the slide waits.
    assert str(slide_id) not in manifest_of(database, world)["slides"]
    editor.post(
        f"feeds/{feed['id']}/items",
        {
            "items": [
                {"title": "Første <script>alert('kiosk')</script>nyhed"},
                {"title": "&lt;img src=x onerror=alert(1)&gt;Anden", "summary": "<i>kursiv</i>"},
                {"title": "Tredje (ikke vist: count er 2)"},
            ]
        },
    )
    first = manifest_of(database, world)
    shown = first["slides"][str(slide_id)]
    assert shown["kind"] == "feed_news"
    assert shown["items"] == [{"title": "Første nyhed"}, {"title": "Anden", "summary": "kursiv"}]
    assert "<" not in json.dumps(shown)
    assert "script" not in first["text"].lower()
    assert "onerror" not in first["text"].lower()
    editor.post(f"feeds/{feed['id']}/items", {"items": [{"title": "Ny overskrift"}]})
    second = manifest_of(database, world)
    assert second["slides"][str(slide_id)]["items"] == [{"title": "Ny overskrift"}]
    with database.sessions() as session:
        version = session.scalar(
            select(Manifest.version).where(Manifest.display_id == world.displays["bibliotek"])
        )
    assert version is not None


def test_an_events_slide_shows_the_next_meetings_soonest_first(
    as_user: Any, world: World, site: Site, refresher: FeedRefresher, database: Database
) -> None:
    ics = create_feed(as_user("editor"), world, kind="ical", url=feed_url(site, "/meetings.ics"))
    refresher.run_once()
    slide_id = feed_slide(as_user, world, "feed_events", ics["id"], count="3")
    # On 25 March at noon the meeting of the 24th is over.
    later = NOW + timedelta(days=5, hours=1)
    items = manifest_of(database, world, later)["slides"][str(slide_id)]["items"]
    assert [(i["title"], i["starts"]) for i in items] == [
        ("Teknik- og Miljøudvalget", "2026-03-26T16:00:00+01:00"),
        ("Byrådsmøde", "2026-03-31T17:00:00+02:00"),
        ("Skærtorsdag – Rådhuset er lukket", "2026-04-02"),
    ]


def test_a_feed_slide_must_name_a_feed_its_template_can_show(
    as_user: Any, world: World, names: None
) -> None:
    editor = as_user("editor")
    news = create_feed(editor, world, kind="rss", url="https://www.gladsaxe.dk/nyheder.rss")
    theirs = create_feed(
        as_user("other_editor"), world, kind="push", location_id=world.locations["plejehjem"]
    )

    def slide(kind: str, feed: str) -> Any:
        return editor.post(
            "slides",
            {
                "title": "F",
                "location_id": world.locations["bibliotek"],
                "kind": kind,
                "fields": {"heading": "H", "feed": feed},
            },
        )

    assert slide("feed_events", str(news["id"])).status_code == 422
    assert slide("feed_news", str(theirs["id"])).status_code == 422
    assert slide("feed_news", "abc").status_code == 422
    assert slide("feed_news", str(news["id"])).status_code == 201
    deleted = editor.delete(f"feeds/{news['id']}")
    assert deleted.status_code == 409


# -- web page slides ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("http://192.168.1.1/", 422),
        ("http://169.254.169.254/latest/meta-data/", 422),
        ("https://intranet.example.org/drift", 422),
        ("http://[::1]:8000/console", 422),
        ("https://nowhere.example.org/", 422),
        ("https://www.gladsaxe.dk/borgerservice", 201),
    ],
)
def test_a_web_page_slide_may_not_point_screens_at_a_private_address(
    as_user: Any, world: World, names: None, url: str, status: int
) -> None:
    response = as_user("editor").post(
        "slides",
        {
            "title": "Side",
            "location_id": world.locations["bibliotek"],
            "kind": "webpage",
            "fields": {"url": url},
        },
    )
    assert response.status_code == status, response.get_json()
