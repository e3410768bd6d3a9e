"""CAP 1.2 (OASIS Common Alerting Protocol): read an alert safely, write ours out.

Reading uses defusedxml: a document type declaration, entities (internal or external)
and external references are refused before anything is resolved, so entity expansion,
XXE and XInclude tricks fail as invalid documents. What remains is checked against the
rules of CAP 1.2 that matter to us: the namespace, the mandatory elements, their values,
and `references` on `Update` and `Cancel`. Pure: no database, no clock.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

NS = "urn:oasis:names:tc:emergency:cap:1.2"
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # real alerts with inline audio reach ~100 KB
MAX_INFOS = 50
MAX_TEXT = 4000

STATUS = ("Actual", "Exercise", "System", "Test", "Draft")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
SCOPES = ("Public", "Restricted", "Private")
CATEGORIES = (
    "Geo", "Met", "Safety", "Security", "Rescue", "Fire", "Health", "Env", "Transport",
    "Infra", "CBRNE", "Other",
)  # fmt: skip
URGENCIES = ("Immediate", "Expected", "Future", "Past", "Unknown")
SEVERITIES = ("Extreme", "Severe", "Moderate", "Minor", "Unknown")
CERTAINTIES = ("Observed", "Likely", "Possible", "Unlikely", "Unknown")
ALERT_CHILDREN = frozenset(
    {
        "identifier", "sender", "sent", "status", "msgType", "source", "scope",
        "restriction", "addresses", "code", "note", "references", "incidents", "info",
    }
)  # fmt: skip
# CAP dateTime: always with a numeric offset ("Z" is not allowed).
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?[+-]\d{2}:\d{2}$")
LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:-[A-Za-z0-9]{1,8})*$")


class CapError(ValueError):
    """The document is not a CAP 1.2 alert we can accept; the message says why."""


@dataclass(frozen=True)
class Reference:
    sender: str
    identifier: str
    sent: str


@dataclass(frozen=True)
class Area:
    description: str
    geocodes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Info:
    language: str  # the primary subtag, lower case: "da", "en", "de"
    event: str
    urgency: str
    severity: str
    certainty: str
    categories: tuple[str, ...]
    headline: str = ""
    description: str = ""
    instruction: str = ""
    effective: datetime | None = None
    onset: datetime | None = None
    expires: datetime | None = None
    areas: tuple[Area, ...] = ()


@dataclass(frozen=True)
class CapAlert:
    identifier: str
    sender: str
    sent: datetime
    status: str
    msg_type: str
    scope: str
    references: tuple[Reference, ...] = ()
    infos: tuple[Info, ...] = field(default=())


def parse(document: bytes) -> CapAlert:
    """A CAP 1.2 alert from its XML bytes, or CapError naming the first problem."""
    if len(document) > MAX_DOCUMENT_BYTES:
        raise CapError(f"the document is larger than {MAX_DOCUMENT_BYTES // 1024} KB")
    try:
        root = fromstring(document, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise CapError(
            "the document declares a DTD or entities, which CAP alerts never need and "
            f"we do not read ({type(exc).__name__})"
        ) from exc
    except ParseError as exc:
        raise CapError(f"the document is not well-formed XML: {exc}") from exc
    if root.tag != _q("alert"):
        raise CapError(
            f"the root element is {_plain(root.tag)!r}; a CAP 1.2 alert is <alert> in the "
            f"namespace {NS}"
        )
    for child in root:
        tag = str(child.tag)
        if tag.startswith("{" + NS + "}") and _plain(tag) not in ALERT_CHILDREN:
            raise CapError(f"<alert> has an unknown element <{_plain(tag)}>")
    msg_type = _choice(root, "msgType", MSG_TYPES)
    references = _references(_text(root, "references", required=False))
    if msg_type in ("Update", "Cancel") and not references:
        raise CapError(f"a {msg_type} must name the alerts it replaces in <references>")
    infos = [_info(element) for element in root.findall(_q("info"))]
    if len(infos) > MAX_INFOS:
        raise CapError(f"more than {MAX_INFOS} <info> blocks")
    return CapAlert(
        identifier=_text(root, "identifier"),
        sender=_text(root, "sender"),
        sent=_sent(root),
        status=_choice(root, "status", STATUS),
        msg_type=msg_type,
        scope=_choice(root, "scope", SCOPES),
        references=tuple(references),
        infos=tuple(infos),
    )


def _q(name: str) -> str:
    return f"{{{NS}}}{name}"


def _plain(tag: Any) -> str:
    return str(tag).rsplit("}", 1)[-1]


def _text(parent: Element, name: str, *, required: bool = True) -> str:
    found = parent.findall(_q(name))
    if len(found) > 1:
        raise CapError(f"<{name}> appears more than once in <{_plain(parent.tag)}>")
    value = (found[0].text or "").strip() if found else ""
    if required and not value:
        raise CapError(f"<{_plain(parent.tag)}> lacks the mandatory element <{name}>")
    if len(value) > MAX_TEXT:
        return value[:MAX_TEXT]
    return value


def _choice(parent: Element, name: str, allowed: tuple[str, ...]) -> str:
    value = _text(parent, name)
    if value not in allowed:
        raise CapError(f"<{name}> is {value[:40]!r}; it must be one of {', '.join(allowed)}")
    return value


def _sent(root: Element) -> datetime:
    sent = _datetime(root, "sent")
    assert sent is not None  # noqa: S101 - a required element is never empty here
    return sent


def _datetime(parent: Element, name: str, *, required: bool = True) -> datetime | None:
    value = _text(parent, name, required=required)
    if not value:
        return None
    if not DATETIME.match(value):
        raise CapError(f"<{name}> {value[:40]!r} is not a CAP date and time with an offset")
    return datetime.fromisoformat(value)


def _references(value: str) -> list[Reference]:
    found = []
    for triplet in value.split():
        parts = triplet.split(",")
        if len(parts) != 3 or not all(parts):
            raise CapError(f"<references> holds {triplet[:80]!r}, not sender,identifier,sent")
        found.append(Reference(*parts))
    return found


def _info(element: Element) -> Info:
    language = _text(element, "language", required=False) or "en-US"
    matched = LANGUAGE.match(language)
    if matched is None:
        raise CapError(f"<language> {language[:20]!r} is not a language tag")
    categories = tuple((c.text or "").strip() for c in element.findall(_q("category")))
    if not categories:
        raise CapError("<info> lacks the mandatory element <category>")
    for category in categories:
        if category not in CATEGORIES:
            raise CapError(f"<category> {category[:40]!r} is not a CAP category")
    return Info(
        language=matched.group(1).lower(),
        event=_text(element, "event"),
        urgency=_choice(element, "urgency", URGENCIES),
        severity=_choice(element, "severity", SEVERITIES),
        certainty=_choice(element, "certainty", CERTAINTIES),
        categories=categories,
        headline=_text(element, "headline", required=False),
        description=_text(element, "description", required=False),
        instruction=_text(element, "instruction", required=False),
        effective=_datetime(element, "effective", required=False),
        onset=_datetime(element, "onset", required=False),
        expires=_datetime(element, "expires", required=False),
        areas=tuple(_area(area) for area in element.findall(_q("area"))),
    )


def _area(element: Element) -> Area:
    geocodes = tuple(
        (_text(code, "valueName"), _text(code, "value")) for code in element.findall(_q("geocode"))
    )
    return Area(_text(element, "areaDesc"), geocodes)


# -- from CAP to our alert ----------------------------------------------------------------
def severity_of(info: Info) -> str:
    """CAP severity and urgency to ours: a severe threat that is here or coming takes the
    whole screen; other real threats are a banner; the rest rotate in the ticker."""
    if info.severity in ("Extreme", "Severe") and info.urgency in ("Immediate", "Expected"):
        return "critical"
    if info.severity in ("Extreme", "Severe", "Moderate"):
        return "warning"
    return "info"


def text_of(info: Info) -> tuple[str, str]:
    """Title and body of one <info>: the headline (else the event), then what is
    happening and what to do."""
    title = (info.headline or info.event)[:200]
    body = "\n\n".join(part for part in (info.description, info.instruction) if part)
    return title, body[:MAX_TEXT]


@dataclass(frozen=True)
class AreaMap:
    """Which locations a CAP alert's areas reach: by geocode (`"NUTS3=DK012"`) or by
    area description (case-insensitive), with a default for alerts that match nothing
    (empty: such alerts reach no screen and are refused)."""

    geocodes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    descriptions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    default: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, raw: Mapping[str, Any]) -> AreaMap:
        def slugs(value: Any) -> tuple[str, ...]:
            items = [value] if isinstance(value, str) else list(value or [])
            return tuple(str(item) for item in items)

        return cls(
            geocodes={str(k): slugs(v) for k, v in (raw.get("geocodes") or {}).items()},
            descriptions={str(k).casefold(): slugs(v) for k, v in (raw.get("areas") or {}).items()},
            default=slugs(raw.get("default")),
        )

    def locations(self, areas: Iterable[Area]) -> tuple[str, ...]:
        found: list[str] = []
        for area in areas:
            keys = [self.descriptions.get(area.description.casefold(), ())]
            keys += [self.geocodes.get(f"{name}={value}", ()) for name, value in area.geocodes]
            for slugs in keys:
                found.extend(slug for slug in slugs if slug not in found)
        return tuple(found) or self.default


# -- our alerts as CAP ------------------------------------------------------------------
@dataclass(frozen=True)
class Published:
    """One active alert as /cap.xml shows it."""

    identifier: str
    sent: datetime
    severity: str
    title: str
    body: str
    language: str
    variants: Mapping[str, Mapping[str, str]]
    expires: datetime | None
    areas: tuple[str, ...]


CAP_SEVERITY = {"critical": ("Extreme", "Immediate"), "warning": ("Severe", "Expected")}


def render(alert: Published, sender: str) -> bytes:
    """A CAP 1.2 <alert> document for one of our alerts, one <info> per language."""
    return bytes(tostring(_alert_element(alert, sender), encoding="utf-8", xml_declaration=True))


ATOM = "http://www.w3.org/2005/Atom"


def render_feed(alerts: Iterable[Published], sender: str, feed_id: str, now: datetime) -> bytes:
    """An Atom feed of CAP 1.2 alerts, each whole inside its entry (the form alert
    aggregators read): CAP itself holds one alert a document."""
    feed = Element("feed", xmlns=ATOM)
    SubElement(feed, "id").text = feed_id
    SubElement(feed, "title").text = "Infotavle: active alerts"
    SubElement(feed, "updated").text = _cap_time(now)
    SubElement(SubElement(feed, "author"), "name").text = sender
    for alert in alerts:
        entry = SubElement(feed, "entry")
        SubElement(entry, "id").text = f"{feed_id}#{alert.identifier}"
        SubElement(entry, "title").text = alert.title
        SubElement(entry, "updated").text = _cap_time(alert.sent)
        content = SubElement(entry, "content", type="application/cap+xml")
        content.append(_alert_element(alert, sender))
    return bytes(tostring(feed, encoding="utf-8", xml_declaration=True))


def _alert_element(alert: Published, sender: str) -> Element:
    root = Element("alert", xmlns=NS)
    for name, value in (
        ("identifier", alert.identifier),
        ("sender", sender),
        ("sent", _cap_time(alert.sent)),
        ("status", "Actual"),
        ("msgType", "Alert"),
        ("scope", "Public"),
    ):
        SubElement(root, name).text = value
    texts = {alert.language: {"title": alert.title, "body": alert.body}}
    for language, variant in alert.variants.items():
        texts.setdefault(
            language,
            {"title": variant.get("title") or alert.title, "body": variant.get("body") or ""},
        )
    severity, urgency = CAP_SEVERITY.get(alert.severity, ("Minor", "Future"))
    for language, text in texts.items():
        info = SubElement(root, "info")
        for name, value in (
            ("language", language),
            ("category", "Safety"),
            ("event", text["title"]),
            ("urgency", urgency),
            ("severity", severity),
            ("certainty", "Observed"),
            ("headline", text["title"]),
            ("description", text["body"]),
        ):
            SubElement(info, name).text = value
        if alert.expires is not None:
            SubElement(info, "expires").text = _cap_time(alert.expires)
        for description in alert.areas:
            SubElement(SubElement(info, "area"), "areaDesc").text = description
    return root


def _cap_time(moment: datetime) -> str:
    """CAP dateTime: seconds, and a numeric offset instead of Z."""
    return moment.replace(microsecond=0).isoformat()
