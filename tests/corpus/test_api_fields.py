"""The corpus against every JSON operation the API document describes, and the kiosks'
JSON endpoints: each place of a valid body gets each hostile value, each query parameter
each hostile string. Accepted or refused, never a 500; refused, a 4xx with the error body
and nothing stored."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest

from signage.api.openapi import build_openapi
from tests.corpus.checks import Fingerprint, assert_error
from tests.corpus.conftest import Populated
from tests.corpus.corpus import Hostile, strings, values
from tests.corpus.openapi_walk import (
    Operation,
    Path,
    field_schema,
    operations,
    places,
    takes_text,
    with_value,
    without,
)
from tests.corpus.payloads import QUERY_VALUES, valid_bodies

DOCUMENT = build_openapi()
OPERATIONS = {op.operation_id: op for op in operations(DOCUMENT)}
WITH_BODIES = sorted(op.operation_id for op in OPERATIONS.values() if op.body_schema)
WITH_QUERIES = sorted(op.operation_id for op in OPERATIONS.values() if op.query_names())
# One string of each category stands in for the rest in fields that take no text, and
# one value of each kind for the values that are not text in fields that take text.
SAMPLES = tuple({h.category: h for h in reversed(strings())}.values())
WRONG_FOR_TEXT = tuple(
    {(h.category, h.value if h.raw else type(h.value).__name__): h for h in values()}.values()
)


class Probe:
    """Sends requests and collects what went wrong over a whole operation, so one run
    shows every problem. The database's fingerprint after one request is the one before
    the next (nothing else writes to the module's database)."""

    def __init__(self, populated: Populated, headers: dict[str, str]) -> None:
        self.populated, self.headers = populated, headers
        self.found: list[str] = []
        self.last = populated.fingerprint.take()

    def send(self, what: str, method: str, path: str, body: str | None = None) -> Any:
        response = self.populated.client().open(
            path, method=method, data=body, content_type="application/json", headers=self.headers
        )
        now = self.populated.fingerprint.take()
        status = response.status_code
        if status >= 500:
            self.found.append(f"{what}: {status} {response.get_data(as_text=True)[:200]}")
        elif status >= 400:
            try:
                assert_error(response, status)
            except AssertionError as exc:
                self.found.append(f"{what}: bad error body: {exc}")
            moved = Fingerprint.moved(self.last, now)
            if moved:
                self.found.append(f"{what}: refused with {status} but stored {moved}")
        self.last = now
        return response

    def assert_none(self) -> None:
        assert not self.found, f"{len(self.found)} problems:\n" + "\n".join(self.found[:40])


def url(populated: Populated, operation: Operation) -> str:
    item_id = populated.ids.get(operation.resource, 1)
    return operation.path.replace("{item_id}", str(item_id))


def admin_headers(populated: Populated) -> dict[str, str]:
    return {"Authorization": f"Bearer {populated.world.tokens['admin']}"}


def hostile_for(operation: Operation, place: Path) -> tuple[Hostile, ...]:
    """Every value for a text field of a create; elsewhere every value that is not text
    and one string of each category. A change takes the same field types as its create,
    and a password is hashed on purpose slowly, so those get the short list too."""
    schema = field_schema(operation.body_schema, place)
    short = operation.operation_id.endswith("_update") or place[:1] == ("password",)
    if short or (schema and not takes_text(schema)):
        return values() + SAMPLES
    return strings() + WRONG_FOR_TEXT


def test_the_served_document_is_the_one_the_corpus_walks(populated: Populated) -> None:
    served = populated.client().get("/api/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == DOCUMENT
    assert len(WITH_BODIES) >= 25


@pytest.mark.parametrize("operation_id", WITH_BODIES)
def test_every_place_of_a_body_takes_every_hostile_value_without_a_500_or_a_stored_refusal(
    operation_id: str, populated: Populated
) -> None:
    operation = OPERATIONS[operation_id]
    base = valid_bodies(populated)[operation_id]
    path, probe = url(populated, operation), Probe(populated, admin_headers(populated))
    for place in places(base, operation.body_schema):
        where = ".".join(map(str, place))
        for hostile in hostile_for(operation, place):
            body = with_value(base, place, hostile)
            probe.send(f"{where} = {hostile.label}", operation.method, path, body)
    probe.assert_none()


@pytest.mark.parametrize("operation_id", WITH_BODIES)
def test_missing_and_unknown_fields_are_refused_or_defaulted_never_a_500(
    operation_id: str, populated: Populated
) -> None:
    operation = OPERATIONS[operation_id]
    base = valid_bodies(populated)[operation_id]
    path, probe = url(populated, operation), Probe(populated, admin_headers(populated))
    bodies = {f"without {name}": without(base, name) for name in base}
    unknown = {f"unknown field {h.label}": {**base, h.value: 1} for h in SAMPLES}
    properties = (operation.body_schema or {}).get("properties", {})
    bodies["every field a script"] = dict.fromkeys(properties, "<script>alert(1)</script>")
    for what, body in (bodies | unknown).items():
        response = probe.send(what, operation.method, path, json.dumps(body))
        if what in unknown and response.status_code < 400:
            probe.found.append(f"{what}: an unknown field was accepted")
    probe.assert_none()


def query_string(values: dict[str, str]) -> str:
    # surrogatepass: a lone surrogate goes out as the bytes no UTF-8 decoder accepts
    return "&".join(f"{k}={quote(v, safe='', errors='surrogatepass')}" for k, v in values.items())


@pytest.mark.parametrize("operation_id", WITH_QUERIES)
def test_every_query_parameter_takes_every_hostile_string_without_a_500(
    operation_id: str, populated: Populated
) -> None:
    operation = OPERATIONS[operation_id]
    path, probe = url(populated, operation), Probe(populated, admin_headers(populated))
    names = operation.query_names()
    valid = {name: QUERY_VALUES[name] for name in names if name in QUERY_VALUES}
    # Parameters no operation reads (sorting, filtering by text) go through the same
    # request parsing everywhere: one list is enough to try them on.
    unknown = ["sort", "order", "filter", "q"] if operation_id == "slides_list" else []
    for name in [*names, *unknown]:
        for hostile in strings():
            if len(hostile.value) > 10_000:
                continue  # longer than any address a proxy passes on
            query = query_string({**valid, name: hostile.value})
            probe.send(f"?{name}={hostile.label}", "GET", f"{path}?{query}")
    probe.assert_none()


KIOSK_ENDPOINTS = {
    "player_heartbeat": "/player/api/heartbeat",
    "player_claim": "/player/api/claim",
    "player_plays": "/player/api/plays",
}


@pytest.mark.parametrize("name", sorted(KIOSK_ENDPOINTS))
def test_the_kiosk_endpoints_take_every_hostile_value_without_a_500(
    name: str, populated: Populated
) -> None:
    """Not in the API document: a kiosk's device token, bodies the player sends."""
    base = valid_bodies(populated)[name]
    probe = Probe(populated, {"Authorization": f"Bearer {populated.device_token}"})
    for place in places(base, None):
        where = ".".join(map(str, place))
        for hostile in strings() + values():
            body = with_value(base, place, hostile)
            probe.send(f"{where} = {hostile.label}", "POST", KIOSK_ENDPOINTS[name], body)
    probe.assert_none()
