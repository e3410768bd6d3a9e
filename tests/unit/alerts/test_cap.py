"""CAP 1.2 reading over the shared corpus of real alerts (valid, invalid and hostile),
and our alerts written back out as CAP. The corpus is read in place and never copied;
these tests skip when it is absent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from signage.alerts import cap
from tests.shared import CAP_CORPUS, NO_CAP_CORPUS

CORPUS = CAP_CORPUS
needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=NO_CAP_CORPUS)


def corpus(folder: str) -> list[Path]:
    return sorted((CORPUS / folder).glob("*.xml")) if CORPUS.is_dir() else []


@needs_corpus
@pytest.mark.parametrize("path", corpus("valid") + corpus("signed"), ids=lambda p: p.name)
def test_every_valid_alert_of_the_corpus_is_read(path: Path) -> None:
    alert = cap.parse(path.read_bytes())
    assert alert.identifier
    assert alert.sent.tzinfo is not None
    if alert.msg_type in ("Update", "Cancel"):
        assert alert.references
    for info in alert.infos:
        title, _body = cap.text_of(info)
        assert title
        assert cap.severity_of(info) in ("info", "warning", "critical")


@needs_corpus
@pytest.mark.parametrize(
    "path",
    [*corpus("invalid"), *(CORPUS / "mpl-1.1").glob("invalid-*.xml"),
     CORPUS / "mpl-1.1" / "se-smhi-alerts-wrapper-nonstandard-root.xml"],
    ids=lambda p: p.name,
)  # fmt: skip
def test_every_invalid_or_hostile_document_of_the_corpus_is_refused(path: Path) -> None:
    with pytest.raises(cap.CapError):
        cap.parse(path.read_bytes())


@needs_corpus
def test_the_eight_languages_of_a_real_alert_are_all_read() -> None:
    alert = cap.parse((CORPUS / "valid" / "de-dwd-heavy-rain-update-8-languages.xml").read_bytes())
    assert [info.language for info in alert.infos] == [
        "de",
        "en",
        "fr",
        "es",
        "ar",
        "ru",
        "tr",
        "pl",
    ]
    assert alert.msg_type == "Update"


@needs_corpus
def test_a_latin_1_alert_keeps_its_accents() -> None:
    alert = cap.parse((CORPUS / "valid" / "us-usgs-earthquake-iso-8859-1-signed.xml").read_bytes())
    assert any(
        "Usulután" in area.description for info in alert.infos for area in info.areas
    ) or any("Usulután" in (info.description + info.headline) for info in alert.infos)


@needs_corpus
def test_a_cancel_without_info_names_what_it_cancels() -> None:
    alert = cap.parse((CORPUS / "valid" / "us-ipaws-cancel-no-info-signed.xml").read_bytes())
    assert alert.msg_type == "Cancel"
    assert alert.infos == ()
    assert alert.references[0].identifier


ALERT = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>DK-TEST-1</identifier><sender>beredskab@gladsaxe.dk</sender>
  <sent>2026-11-27T10:00:00+01:00</sent><status>Actual</status>
  <msgType>{msg_type}</msgType><scope>Public</scope>{references}
  <info><language>da-DK</language><category>Safety</category><event>Evakuering</event>
    <urgency>Immediate</urgency><severity>Extreme</severity><certainty>Observed</certainty>
    <headline>Forlad bygningen</headline><description>Brand i kælderen.</description>
    <instruction>Gå til samlingspladsen.</instruction>
    <area><areaDesc>Rådhuset</areaDesc>
      <geocode><valueName>NUTS3</valueName><value>DK012</value></geocode></area>
  </info>
</alert>"""


def document(msg_type: str = "Alert", references: str = "") -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    return ALERT.format(msg_type=msg_type, references=refs).encode()


def test_an_alert_is_read_with_its_text_severity_and_area() -> None:
    alert = cap.parse(document())
    (info,) = alert.infos
    assert (alert.identifier, alert.status, info.language) == ("DK-TEST-1", "Actual", "da")
    assert cap.text_of(info) == ("Forlad bygningen", "Brand i kælderen.\n\nGå til samlingspladsen.")
    assert cap.severity_of(info) == "critical"
    assert info.areas[0].geocodes == (("NUTS3", "DK012"),)


@pytest.mark.parametrize(
    ("severity", "urgency", "ours"),
    [
        ("Extreme", "Immediate", "critical"),
        ("Severe", "Expected", "critical"),
        ("Severe", "Future", "warning"),
        ("Moderate", "Immediate", "warning"),
        ("Minor", "Immediate", "info"),
        ("Unknown", "Unknown", "info"),
    ],
)
def test_severity_and_urgency_map_to_our_severity(severity: str, urgency: str, ours: str) -> None:
    xml = document().replace(b"<severity>Extreme", f"<severity>{severity}".encode())
    xml = xml.replace(b"<urgency>Immediate", f"<urgency>{urgency}".encode())
    assert cap.severity_of(cap.parse(xml).infos[0]) == ours


def test_an_update_needs_references_and_reads_them() -> None:
    with pytest.raises(cap.CapError, match="references"):
        cap.parse(document("Update"))
    alert = cap.parse(
        document("Update", "beredskab@gladsaxe.dk,DK-TEST-0,2026-11-27T09:00:00+01:00")
    )
    assert alert.references == (
        cap.Reference("beredskab@gladsaxe.dk", "DK-TEST-0", "2026-11-27T09:00:00+01:00"),
    )


@pytest.mark.parametrize(
    ("xml", "problem"),
    [
        (b"", "well-formed"),
        (b"<alert>", "well-formed"),
        (b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1"/>', "namespace"),
        (b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa">'
         b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><a>&b;</a>', "DTD"),
        (b'<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>', "DTD"),
        (document().replace(b"<scope>Public</scope>", b""), "scope"),
        (document().replace(b"<certainty>Observed</certainty>", b""), "certainty"),
        (document().replace(b"Immediate", b"Now"), "urgency"),
        (document().replace(b"+01:00</sent>", b"Z</sent>"), "sent"),
        (document().replace(b"<category>Safety</category>", b""), "category"),
        (b" " * (cap.MAX_DOCUMENT_BYTES + 1), "larger"),
    ],
)  # fmt: skip
def test_broken_and_hostile_documents_are_refused_with_a_reason(xml: bytes, problem: str) -> None:
    with pytest.raises(cap.CapError, match=problem):
        cap.parse(xml)


def test_areas_map_to_locations_by_geocode_or_name_with_a_default() -> None:
    mapping = cap.AreaMap.from_mapping(
        {"geocodes": {"NUTS3=DK012": ["gladsaxe"]}, "areas": {"rådhuset": "raadhuset"},
         "default": ["gladsaxe"]}
    )  # fmt: skip
    (info,) = cap.parse(document()).infos
    assert mapping.locations(info.areas) == ("raadhuset", "gladsaxe")
    assert mapping.locations([cap.Area("Et andet sted")]) == ("gladsaxe",)
    assert cap.AreaMap().locations(info.areas) == ()


def test_our_alert_written_as_cap_reads_back() -> None:
    sent = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    published = cap.Published(
        identifier="infotavle-7", sent=sent, severity="critical", title="Forlad bygningen",
        body="Brand", language="da", variants={"en": {"title": "Leave the building"}},
        expires=None, areas=("Rådhuset",),
    )  # fmt: skip
    alert = cap.parse(cap.render(published, "infotavle@gladsaxe.dk"))
    assert [(i.language, i.headline) for i in alert.infos] == [
        ("da", "Forlad bygningen"),
        ("en", "Leave the building"),
    ]
    assert cap.severity_of(alert.infos[0]) == "critical"
    assert alert.sent == sent
