"""A property-based run over the JSON API: for every operation of /api/openapi.json with
a body or query parameters, Hypothesis draws bodies and queries from the operation's own
schemas (and past them), within its default budget of examples. No 500, ever; a refusal
is a 4xx with the error body and stores nothing."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signage.api.openapi import build_openapi
from signage.schemas import MAX_ID
from tests.corpus.checks import Fingerprint, assert_error
from tests.corpus.conftest import Populated
from tests.corpus.openapi_walk import Operation, operations
from tests.corpus.schema_strategies import from_schema

OPERATIONS = {op.operation_id: op for op in operations(build_openapi())}
# Deleting is left out: the run changes only what the corpus made, and a deletion drawn
# early would leave later examples nothing to aim at.
DRAWN = sorted(
    op.operation_id
    for op in OPERATIONS.values()
    if op.method != "DELETE" and (op.body_schema or op.query_names())
)
# The default budget (100 examples an operation), without the deadline: a slow example
# on a busy machine is not what this run looks for. Derandomised, so that CI draws the
# same examples every run (a finding is reproducible, and a build does not fail on a
# draw no one can repeat); drop `derandomize` to explore further by hand.
BUDGET = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], derandomize=True)


def item_ids(populated: Populated, operation: Operation) -> st.SearchStrategy[int]:
    """The corpus's own object, one that does not exist, or one past the id range; never
    the seeded municipality's (a drawn change to the admin's grant would end the run)."""
    own = populated.ids.get(operation.resource, 999_999)
    return st.sampled_from([own, own, own, 999_999, MAX_ID + 1])


def queries(operation: Operation) -> st.SearchStrategy[dict[str, str]]:
    parameters = [p for p in operation.parameters if p["in"] == "query"]
    as_text = {
        p["name"]: from_schema(p.get("schema", {})).map(
            lambda v: v if isinstance(v, str) else json.dumps(v)
        )
        for p in parameters
    }
    return st.fixed_dictionaries({}, optional=as_text)


def send(populated: Populated, method: str, path: str, body: Any) -> None:
    before = populated.fingerprint.take()
    data = None if body is None else json.dumps(body)
    response = populated.client().open(
        path,
        method=method,
        data=data,
        content_type="application/json",
        headers={"Authorization": f"Bearer {populated.world.tokens['admin']}"},
    )
    assert response.status_code < 500, (method, path, data, response.get_data(as_text=True))
    if response.status_code >= 400:
        assert_error(response, response.status_code)
        moved = Fingerprint.moved(before, populated.fingerprint.take())
        assert not moved, f"refused with {response.status_code} but stored {moved}"


@pytest.mark.parametrize("operation_id", DRAWN)
def test_no_drawn_request_is_a_500_and_no_refused_one_stores_anything(
    operation_id: str, populated: Populated
) -> None:
    operation = OPERATIONS[operation_id]
    bodies = from_schema(operation.body_schema) if operation.body_schema else st.none()

    @BUDGET
    @given(item_id=item_ids(populated, operation), query=queries(operation), body=bodies)
    def run(item_id: int, query: dict[str, str], body: Any) -> None:
        path = operation.path.replace("{item_id}", str(item_id))
        if query:
            path += "?" + "&".join(
                f"{k}={quote(v, safe='', errors='surrogatepass')}" for k, v in query.items()
            )
        send(populated, operation.method, path, body)

    run()
