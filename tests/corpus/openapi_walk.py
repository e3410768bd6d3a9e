"""Reading the OpenAPI document for the corpus: its operations, the schema of each
body (references resolved), and bodies with one hostile value put in one place."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from tests.corpus.corpus import Hostile

RAW_MARK = "\u0000raw\u0000"  # stands in a body for raw JSON text until it is spliced in
Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    operation_id: str
    parameters: tuple[dict[str, Any], ...]
    body_schema: dict[str, Any] | None  # the JSON body's schema, None when it takes none

    @property
    def resource(self) -> str:
        """The collection the path is under: `slides` for /api/v1/slides/{item_id}/submit."""
        return self.path.removeprefix("/api/v1/").split("/")[0]

    def query_names(self) -> list[str]:
        return [p["name"] for p in self.parameters if p["in"] == "query"]


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, operation in item.items():
            if method == "parameters":
                continue
            content = operation.get("requestBody", {}).get("content", {})
            schema = content.get("application/json", {}).get("schema")
            found.append(
                Operation(
                    method.upper(),
                    path,
                    operation["operationId"],
                    tuple(shared + operation.get("parameters", [])),
                    resolve(document, schema) if schema is not None else None,
                )
            )
    return found


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every `$ref` replaced by what it names (the schemas hold no cycles)."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return resolve(document, document["components"]["schemas"][name])
    resolved: dict[str, Any] = {}
    for key, value in schema.items():
        if isinstance(value, dict):
            resolved[key] = (
                resolve(document, value)
                if key != "properties"
                else {name: resolve(document, sub) for name, sub in value.items()}
            )
        elif isinstance(value, list):
            resolved[key] = [resolve(document, v) if isinstance(v, dict) else v for v in value]
        else:
            resolved[key] = value
    return resolved


def takes_text(schema: dict[str, Any]) -> bool:
    """Whether a field's schema allows a string somewhere (directly, nullable, in a list
    or as an object's values)."""
    if schema.get("type") == "string" or "enum" in schema or "pattern" in schema:
        return True
    return any(
        takes_text(sub)
        for sub in [
            *schema.get("anyOf", []),
            *schema.get("oneOf", []),
            *schema.get("allOf", []),
            *([schema["items"]] if isinstance(schema.get("items"), dict) else []),
            *(
                [schema["additionalProperties"]]
                if isinstance(schema.get("additionalProperties"), dict)
                else []
            ),
        ]
    )


def places(base: Any, schema: dict[str, Any] | None) -> list[Path]:
    """Every leaf, object and list of the valid body, and every field the schema names
    that it lacks."""
    found: list[Path] = []

    def walk(path: Path, value: Any) -> None:
        if path and isinstance(value, dict | list) and value:
            found.append(path)  # the whole object or list, then each of its leaves
        if isinstance(value, dict) and value:
            for key, sub in value.items():
                walk((*path, key), sub)
        elif isinstance(value, list) and value:
            for index, sub in enumerate(value):
                walk((*path, index), sub)
        else:
            found.append(path)

    walk((), base)
    for name in (schema or {}).get("properties", {}):
        if (name,) not in found and not any(p[:1] == (name,) for p in found):
            found.append((name,))
    return found


def field_schema(schema: dict[str, Any] | None, path: Path) -> dict[str, Any]:
    """The schema of the top-level field `path` starts in (enough to tell text fields)."""
    properties = (schema or {}).get("properties", {})
    return properties.get(path[0], {}) if path else {}


def with_value(base: Any, path: Path, hostile: Hostile) -> str:
    """The JSON text of `base` with `hostile` put at `path`."""
    body: Any = copy.deepcopy(base)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = RAW_MARK if hostile.raw else hostile.value
    text = json.dumps(body)  # ASCII: a lone surrogate travels escaped
    if hostile.raw:
        text = text.replace(json.dumps(RAW_MARK), hostile.value)
    return text


def without(base: dict[str, Any], name: str) -> dict[str, Any]:
    return {key: value for key, value in base.items() if key != name}


def paths_of(document: dict[str, Any]) -> Iterator[str]:
    yield from document["paths"]
