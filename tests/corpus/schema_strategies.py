"""Hypothesis strategies made from the JSON schemas of the API document: values that
follow a schema, values that break it a little (a bound passed, a field left out or added,
a wrong type), and now and then a value from the corpus."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from tests.corpus.corpus import everything

MAX_LIST = 4
# JSON values of no particular schema: what a confused client sends anywhere.
ANY_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
CORPUS = st.sampled_from([h.value for h in everything() if not h.raw])
ZONES = st.sampled_from(
    [UTC, timezone(timedelta(hours=1)), timezone(timedelta(hours=-9, minutes=-30))]
)


def instants() -> st.SearchStrategy[str]:
    # Hypothesis takes naive bounds and adds the zone itself.
    early, late = datetime(1800, 1, 1), datetime(9999, 1, 1)  # noqa: DTZ001
    moments = st.datetimes(min_value=early, max_value=late, timezones=ZONES)
    return moments.map(lambda moment: moment.isoformat())


def from_schema(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Mostly values of `schema` (bounds stretched by one), sometimes anything at all."""
    return st.one_of(_following(schema), _following(schema), _following(schema), ANY_JSON, CORPUS)


def _following(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([from_schema(sub) for sub in schema[key]])
    if "allOf" in schema:
        return from_schema(schema["allOf"][0])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_following({**schema, "type": k}) for k in kind])
    if kind == "array":
        items = schema.get("items", {})
        high = min(schema.get("maxItems", MAX_LIST), MAX_LIST)
        return st.lists(from_schema(items) if items else ANY_JSON, max_size=high + 1)
    if kind == "object" or "properties" in schema:
        return objects(schema)
    return _scalar(schema)


def _scalar(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    kind = schema.get("type")
    if kind == "null":
        return st.none()
    if kind == "boolean":
        return st.booleans()
    if kind == "integer":
        low, high = schema.get("minimum"), schema.get("maximum")
        return st.integers(None if low is None else low - 1, None if high is None else high + 1)
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "string":
        return _text(schema)
    return ANY_JSON


def _text(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return instants()
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True) | st.text(max_size=12)
    low = schema.get("minLength", 0)
    high = schema.get("maxLength")
    longest = min(low + 40, high + 1) if high is not None else low + 40
    stretched = st.text(min_size=max(low - 1, 0), max_size=longest)
    if high is not None and high < 5000:
        return stretched | st.text(min_size=high, max_size=high + 1)
    return stretched


def objects(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """The required properties (now and then one left out), some optional ones, now and
    then one the schema does not name."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = [name for name in schema.get("required", []) if name in properties]
    optional = {name: from_schema(sub) for name, sub in properties.items() if name not in required}
    extra = schema.get("additionalProperties")

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        value = {name: draw(from_schema(properties[name])) for name in required}
        if required and draw(st.integers(0, 9)) == 0:
            value.pop(draw(st.sampled_from(required)))
        if optional:
            chosen = draw(
                st.lists(st.sampled_from(sorted(optional)), max_size=len(optional), unique=True)
            )
            value |= {name: draw(optional[name]) for name in chosen}
        if isinstance(extra, dict):
            value |= draw(st.dictionaries(st.text(max_size=12), from_schema(extra), max_size=3))
        if draw(st.integers(0, 19)) == 0:
            value[draw(st.text(min_size=1, max_size=12))] = draw(ANY_JSON)
        return value

    return build()
