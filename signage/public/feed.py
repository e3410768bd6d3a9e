"""RSS 2.0 out: a channel and its items as XML bytes.

ElementTree writes every text escaped, so an item's HTML description arrives in the
document as text (`&lt;p&gt;…`), as RSS readers expect, and no markup a slide holds can
become the feed's own. Pure: values in, bytes out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from xml.etree.ElementTree import Element, SubElement, tostring

ATOM = "http://www.w3.org/2005/Atom"
TTL_MINUTES = 5  # how often readers may look again
# Characters XML 1.0 cannot hold at all, not even escaped.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class Channel:
    title: str
    link: str  # the page the feed mirrors
    description: str
    language: str
    self_link: str  # the feed's own address
    built: datetime


@dataclass(frozen=True)
class Item:
    guid: str  # stable while the item is unchanged; not an address
    title: str
    link: str
    description: str  # HTML
    published: datetime
    category: str


def rfc822(moment: datetime) -> str:
    """RSS 2.0 dates: RFC 822 with a four-digit year and a numeric offset."""
    return format_datetime(moment)


def xml_text(value: str) -> str:
    return NOT_XML.sub("", value)


def render(channel: Channel, items: Iterable[Item]) -> bytes:
    rss = Element("rss", {"version": "2.0", "xmlns:atom": ATOM})
    head = SubElement(rss, "channel")
    for name, value in (
        ("title", channel.title),
        ("link", channel.link),
        ("description", channel.description),
        ("language", channel.language),
        ("lastBuildDate", rfc822(channel.built)),
        ("generator", "Infotavle"),
        ("ttl", str(TTL_MINUTES)),
    ):
        SubElement(head, name).text = xml_text(value)
    SubElement(
        head,
        "atom:link",
        {"href": channel.self_link, "rel": "self", "type": "application/rss+xml"},
    )
    for item in items:
        entry = SubElement(head, "item")
        for name, value in (
            ("title", item.title),
            ("link", item.link),
            ("description", item.description),
        ):
            SubElement(entry, name).text = xml_text(value)
        SubElement(entry, "guid", {"isPermaLink": "false"}).text = xml_text(item.guid)
        SubElement(entry, "pubDate").text = rfc822(item.published)
        SubElement(entry, "category").text = xml_text(item.category)
    return bytes(tostring(rss, encoding="utf-8", xml_declaration=True))
