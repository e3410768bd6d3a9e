"""CAP 1.2 through the API: an alerting system's token sends Alert, Update and Cancel;
hostile and broken documents are refused and store nothing; /cap.xml publishes the
alerts that reach public screens. The shared corpus of real alerts runs through the
ingest service when it is there."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from signage.accounts.models import User
from signage.accounts.permissions import Scope
from signage.accounts.services import create_token, system_principal
from signage.alerts import cap, ingest
from signage.alerts.models import Alert
from signage.db import Database, utcnow
from signage.errors import ValidationFailed
from signage.screens.models import Location
from tests.conftest import Api
from tests.factories import World, add_user
from tests.shared import CAP_CORPUS, NO_CAP_CORPUS

CORPUS = CAP_CORPUS
SENDER = "beredskab@gladsaxe.dk"


def document(
    identifier: str = "DK-1",
    msg_type: str = "Alert",
    references: str = "",
    status: str = "Actual",
    expires: datetime | None = None,
    area: str = "Bibliotek",
) -> bytes:
    expires = expires or utcnow() + timedelta(hours=2)
    refs = f"<references>{references}</references>" if references else ""
    infos = "".join(
        f"""<info><language>{lang}</language><category>Safety</category>
        <event>{event}</event><urgency>Immediate</urgency><severity>Extreme</severity>
        <certainty>Observed</certainty><headline>{headline}</headline>
        <description>{body}</description><expires>{expires.isoformat(timespec="seconds")}</expires>
        <area><areaDesc>{area}</areaDesc></area></info>"""
        for lang, event, headline, body in (
            ("da-DK", "Evakuering", "Forlad bygningen", "Brand i kælderen"),
            ("en-GB", "Evacuation", "Leave the building", "Fire in the basement"),
            ("uk-UA", "Евакуація", "Залиште будівлю", "Пожежа в підвалі"),
        )
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier><sender>{SENDER}</sender>
  <sent>{utcnow().isoformat(timespec="seconds")}</sent><status>{status}</status>
  <msgType>{msg_type}</msgType><scope>Public</scope>{refs}{infos}
</alert>""".encode()


def reference(identifier: str) -> str:
    return f"{SENDER},{identifier},2026-11-27T10:00:00+01:00"


@pytest.fixture
def feed(client: FlaskClient, database: Database, world: World) -> Api:
    """The API as an alerting system: a token with only the cap:ingest scope."""
    with database.transaction() as session:
        user = session.get(User, world.users["communicator"])
        assert user is not None
        token = create_token(session, user, scope=Scope.CAP_INGEST)
    return Api(client, token)


def send(api: Api, xml: bytes, content_type: str = "application/cap+xml") -> Any:
    return api.post("cap", data=xml, content_type=content_type)


def test_an_alert_an_update_and_a_cancel_from_an_alerting_system(feed: Api, as_user: Any) -> None:
    first = send(feed, document("DK-1"))
    assert first.status_code == 201, first.json
    alert = first.json["alert"]
    assert (first.json["status"], alert["severity"], alert["source"]) == (
        "created",
        "critical",
        "cap",
    )
    assert alert["title"] == "Forlad bygningen"  # our language's <info> is the base text
    assert alert["variants"] == {
        "en": {"title": "Leave the building", "body": "Fire in the basement"},
        "uk": {"title": "Залиште будівлю", "body": "Пожежа в підвалі"},
    }
    assert alert["targets"] == {"all": True}  # no SIGNAGE_CAP_AREAS: every screen

    again = send(feed, document("DK-1"))
    assert (again.status_code, again.json["status"]) == (200, "unchanged")

    update = send(feed, document("DK-2", "Update", reference("DK-1")))
    assert (update.status_code, update.json["cleared"]) == (201, [alert["id"]])
    replacement = update.json["alert"]["id"]

    cancel = send(feed, document("DK-3", "Cancel", reference("DK-2")))
    assert (cancel.status_code, cancel.json["status"]) == (200, "cancelled")
    assert cancel.json["cleared"] == [replacement]
    listed = as_user("communicator").get("alerts").json["items"]
    assert [a["id"] for a in listed if a["cleared_at"] is None] == []


def test_test_and_exercise_alerts_are_accepted_but_never_shown(
    feed: Api, database: Database
) -> None:
    answer = send(feed, document("DK-9", status="Exercise"))
    assert (answer.status_code, answer.json["status"], answer.json["alert"]) == (
        200,
        "ignored",
        None,
    )
    assert count_alerts(database) == 0


def count_alerts(database: Database) -> int:
    with database.sessions() as session:
        return int(session.scalar(select(func.count()).select_from(Alert)) or 0)


@pytest.mark.parametrize(
    ("xml", "status", "phrase"),
    [
        (b"<alert>not closed", 422, "well-formed"),
        (b'<alert xmlns="urn:oasis:names:tc:emergency:alerts:1.2"/>', 422, "namespace"),
        (document().replace(b"<scope>Public</scope>", b""), 422, "scope"),
        (document("DK-5", "Update"), 422, "references"),
        (b'<?xml version="1.0"?><!DOCTYPE lol [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">'
         b'<!ENTITY c "&b;&b;&b;&b;">]><alert>&c;</alert>', 422, "DTD"),
        (b'<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><alert>&xxe;</alert>',
         422, "DTD"),
        (document(expires=utcnow() - timedelta(hours=1)), 422, "expired"),
    ],
)  # fmt: skip
def test_broken_and_hostile_cap_is_refused_and_stores_nothing(
    feed: Api, database: Database, xml: bytes, status: int, phrase: str
) -> None:
    answer = send(feed, xml)
    assert answer.status_code == status, answer.json
    assert phrase in answer.json["error"]["message"]
    assert count_alerts(database) == 0
    assert send(feed, document("DK-after")).status_code == 201  # still serving


def test_cap_must_be_sent_as_xml_and_small(feed: Api) -> None:
    assert send(feed, document(), "application/json").status_code == 400
    big = b"<alert>" + b" " * (cap.MAX_DOCUMENT_BYTES + 1)
    assert send(feed, big).status_code in (400, 413)


def test_only_the_cap_scope_or_a_communicator_may_send_cap(
    feed: Api, as_user: Any, client: FlaskClient
) -> None:
    assert send(as_user("manager"), document("DK-m")).status_code == 403
    assert send(as_user("editor"), document("DK-e")).status_code == 403
    assert send(Api(client, None), document("DK-a")).status_code == 401
    assert send(as_user("communicator"), document("DK-c")).status_code == 201
    # The narrow token is good for nothing else.
    assert feed.get("displays").status_code == 403


def test_a_communicator_of_one_department_sends_cap_only_within_reach(
    app: Flask, client: FlaskClient, database: Database, world: World, feed: Api
) -> None:
    with database.transaction() as session:
        user = add_user(session, "kultur@example.dk", "communicator", world.locations["kultur"])
        local = Api(client, create_token(session, user))
    app.config["SIGNAGE"] = app.config["SIGNAGE"].with_overrides(
        cap_areas=cap.AreaMap.from_mapping(
            {"areas": {"bibliotek": ["bibliotek"], "plejehjem": ["plejehjem"]}}
        )
    )
    assert send(local, document("DK-k1", area="Bibliotek")).status_code == 201
    # Not to another department, and (as by hand) not to all screens.
    assert send(local, document("DK-k2", area="Plejehjem")).status_code == 403
    app.config["SIGNAGE"] = app.config["SIGNAGE"].with_overrides(cap_areas=None)
    assert send(local, document("DK-k3")).status_code == 403
    # Nor cancel what the alerting system sent to all screens.
    assert send(feed, document("DK-all")).status_code == 201
    cancel = document("DK-k4", msg_type="Cancel", references=reference("DK-all"))
    assert send(local, cancel).status_code == 403
    with database.sessions() as session:
        stored = session.execute(select(Alert.cap_identifier, Alert.cleared_at)).all()
    assert sorted(stored) == [(f"{SENDER},DK-all", None), (f"{SENDER},DK-k1", None)]


def test_areas_reach_the_locations_they_are_mapped_to(app: Flask, feed: Api, world: World) -> None:
    app.config["SIGNAGE"] = app.config["SIGNAGE"].with_overrides(
        cap_areas=cap.AreaMap.from_mapping({"areas": {"bibliotek": ["bibliotek"]}})
    )
    mapped = send(feed, document("DK-b", area="Bibliotek"))
    assert mapped.status_code == 201, mapped.json
    assert mapped.json["alert"]["targets"] == {"location_ids": [world.locations["bibliotek"]]}
    unmapped = send(feed, document("DK-x", area="Et andet sted"))
    assert unmapped.status_code == 422
    assert "SIGNAGE_CAP_AREAS" in unmapped.json["error"]["message"]


def test_the_cap_feed_publishes_alerts_of_public_screens_only(
    client: FlaskClient, as_user: Any, database: Database, world: World
) -> None:
    with database.transaction() as session:
        library = session.get(Location, world.locations["bibliotek"])
        assert library is not None
        library.public = True
    communicator = as_user("communicator")
    for title, location in (("Biblioteket er lukket", "bibliotek"), ("Kun personale", "plejehjem")):
        sent = communicator.post(
            "alerts",
            {"title": title, "severity": "warning",
             "targets": {"location_ids": [world.locations[location]]},
             "variants": {"en": {"title": "Closed"}}},
        )  # fmt: skip
        assert sent.status_code == 201, sent.json
    answer = client.get("/cap.xml")
    assert answer.status_code == 200
    assert answer.mimetype == "application/atom+xml"
    assert b"Kun personale" not in answer.data
    start = answer.data.index(b"<alert")
    end = answer.data.index(b"</alert>") + len(b"</alert>")
    published = cap.parse(answer.data[start:end])
    assert [(i.language, i.headline) for i in published.infos] == [
        ("da", "Biblioteket er lukket"),
        ("en", "Closed"),
    ]
    assert published.infos[0].areas[0].description == "Bibliotek"


needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason=NO_CAP_CORPUS)


@needs_corpus
@pytest.mark.parametrize(
    "path", sorted((CORPUS / "valid").glob("*.xml")) if CORPUS.is_dir() else [],
    ids=lambda p: p.name,
)  # fmt: skip
def test_every_real_alert_of_the_corpus_is_taken_in_at_the_time_it_was_sent(
    database: Database, world: World, path: Path
) -> None:
    message = cap.parse(path.read_bytes())
    now = message.sent
    base = message.infos[0] if message.infos else None
    if message.status == "Actual" and base and base.expires and base.expires <= now:
        # Some real updates end the moment they are sent (an all-clear): refused, clearly.
        with pytest.raises(ValidationFailed, match="expired"), database.transaction() as session:
            ingest.ingest(session, system_principal(session), path.read_bytes(), None, "da", now)
        return
    with database.transaction() as session:
        outcome = ingest.ingest(
            session, system_principal(session), path.read_bytes(), None, "da", now
        )
    if message.status != "Actual":
        assert outcome.action == "ignored"
    elif message.msg_type == "Cancel" or not message.infos:
        assert outcome.action == "cancelled"
    else:
        assert outcome.sent is not None
        languages = {info.language for info in message.infos}
        assert set(outcome.sent.variants) == languages - {message.infos[0].language}
