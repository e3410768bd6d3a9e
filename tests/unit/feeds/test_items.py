"""Feed documents to plain-text items: no markup survives, however it is dressed up;
calendars keep their wall-clock times across DST; CAP sources are found in their forms."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from signage.feeds.items import FeedError, event_items, news_items, plain_text, shown_items
from signage.feeds.jobs import cap_documents

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "feeds"
CPH = ZoneInfo("Europe/Copenhagen")


@pytest.mark.parametrize(
    ("html", "text"),
    [
        ("<p>Et</p><p>To</p>", "Et To"),
        ("Byrådet <strong>vedtog</strong> det.", "Byrådet vedtog det."),
        ("<script>alert(1)</script>Hej", "Hej"),
        ("&lt;script&gt;alert(1)&lt;/script&gt;Hej", "Hej"),
        ("&amp;lt;b&amp;gt;fed&amp;lt;/b&amp;gt;", "fed"),
        ("<style>body{display:none}</style>Synlig", "Synlig"),
        ("<img src=x onerror=alert(1)>Billede", "Billede"),
        ("a < b &amp; c > d", "a < b & c > d"),
        ("Linje\x00med\x07styretegn", "Linjemedstyretegn"),
        (None, ""),
    ],
)
def test_plain_text_keeps_the_words_and_drops_every_kind_of_markup(
    html: str | None, text: str
) -> None:
    assert plain_text(html, 200) == text


def test_long_text_is_shortened_at_a_word_with_an_ellipsis() -> None:
    shortened = plain_text("ord " * 100, 50)
    assert len(shortened) <= 50
    assert shortened.endswith("ord…")


def test_a_string_that_looks_like_a_path_is_never_opened_as_a_file() -> None:
    with pytest.raises(FeedError) as refused:
        news_items(b"/etc/passwd")
    assert refused.value.code == "not_a_feed"


def test_rss_and_atom_fixtures_become_items_without_markup() -> None:
    for name in ("news-rss2.xml", "news-atom.xml"):
        items = news_items((FIXTURES / name).read_bytes())
        assert items
        for item in items:
            for value in item.values():
                assert "<" not in value.replace("Spørgsmål < 5", "")
                assert "script" not in value.lower()


def test_floating_calendar_times_are_read_in_the_feeds_zone() -> None:
    calendar = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:1\r\n"
        b"DTSTAMP:20260301T000000Z\r\nDTSTART:20260401T090000\r\nDTEND:20260401T100000\r\n"
        b"SUMMARY:Morgenm\xc3\xb8de\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    items = event_items(calendar, datetime(2026, 3, 20, tzinfo=UTC), CPH)
    assert items == [
        {
            "title": "Morgenmøde",
            "starts": "2026-04-01T09:00:00+02:00",
            "ends": "2026-04-01T10:00:00+02:00",
            "all_day": False,
        }
    ]


def test_something_that_is_not_a_calendar_is_refused() -> None:
    with pytest.raises(FeedError) as refused:
        event_items(b"<html>no</html>", datetime(2026, 3, 20, tzinfo=UTC), CPH)
    assert refused.value.code == "not_a_calendar"


def test_an_events_slide_drops_what_has_ended_and_orders_the_rest() -> None:
    items = [
        {"title": "Senere", "starts": "2026-03-26T16:00:00+01:00"},
        {
            "title": "Forbi",
            "starts": "2026-03-19T16:00:00+01:00",
            "ends": "2026-03-19T17:00:00+01:00",
        },
        {
            "title": "I gang",
            "starts": "2026-03-20T11:00:00+01:00",
            "ends": "2026-03-20T14:00:00+01:00",
        },
        {"title": "Nyhed uden tid"},
    ]
    now = datetime(2026, 3, 20, 12, 0, tzinfo=CPH)
    shown = shown_items("feed_events", items, 5, now, CPH)
    assert [item["title"] for item in shown] == ["I gang", "Senere"]
    assert shown_items("feed_news", items, 2, now, CPH) == items[:2]


def test_cap_sources_are_read_as_one_alert_inline_alerts_or_links() -> None:
    alert = (
        b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>1</identifier></alert>'
    )
    assert cap_documents(alert) == ([alert], [])
    atom = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><content type="application/cap+xml">'
        + alert
        + b"</content></entry></feed>"
    )
    inline, links = cap_documents(atom)
    assert len(inline) == 1
    assert b"urn:oasis:names:tc:emergency:cap:1.2" in inline[0]
    assert links == []
    linked = (
        b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link type="application/cap+xml" '
        b'href="https://varsling.example.dk/cap/42.xml"/></entry></feed>'
    )
    assert cap_documents(linked) == ([], ["https://varsling.example.dk/cap/42.xml"])
    for hostile in (b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><x>&e;</x>", b"nope"):
        with pytest.raises(FeedError):
            cap_documents(hostile)
