"""Hypothesis strategies for webhook payloads, generated from GitHub's webhook schemas (the vendored subset).

``payloads(event, action)`` follows the converted OpenAPI schema of that delivery: every required
property, a chance of each optional one, enums, formats (date-time, uri), nullable values, ``allOf``
merged and ``anyOf``/``oneOf`` chosen among. Strings come from an alphabet with the characters that
break naive code (NUL, lone surrogates, line and paragraph separators, right-to-left marks, long runs).
``hostile(payload)`` then swaps values for ones of the wrong type or absurd size. Depth is capped:
beyond it a value is ``None``, which the schema may refuse and the guard must still handle.

hypothesis-jsonschema was not used: it does not follow these schemas' remote ``$ref`` URIs, and merging
GitHub's large ``allOf`` schemas up front makes it slow enough to time out Hypothesis' health checks.
"""

from __future__ import annotations

import functools
import json
from typing import Any

from hypothesis import strategies as st

from tests.github_double.schema import DOCUMENT_URI, openapi

MAX_DEPTH = 7
ODD = "\x00\x07\x1b\u2028\u2029\u200f\u202e\ufeff\ud800\udfffé世👩‍💻/\\\"'<>&%${}*~"
TEXT = st.text(alphabet=st.characters(codec=None) | st.sampled_from(ODD), max_size=24)


def webhook_kinds() -> list[tuple[str, str | None]]:
    """Every (event, action) the vendored subset has a payload schema for."""
    found = []
    for item in openapi().document["x-webhooks"].values():
        event, _, action = item["post"]["operationId"].partition("/")
        found.append((event.replace("-", "_"), action.replace("-", "_") or None))
    return sorted(found, key=lambda pair: (pair[0], pair[1] or ""))


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        pointer = schema["$ref"].removeprefix(DOCUMENT_URI + "#/")
        node: Any = openapi().document
        for part in pointer.split("/"):
            node = node[part]
        schema = node
    return schema


def _merged(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """``allOf`` as one object schema: properties and required lists united, the last type winning."""
    merged: dict[str, Any] = {"properties": {}, "required": []}
    for resolved in (_resolve(p) for p in parts):
        part = _merged(resolved["allOf"]) if "allOf" in resolved else resolved
        for key, value in part.items():
            if key == "properties":
                merged["properties"].update(value)
            elif key == "required":
                merged["required"] += value
            else:
                merged[key] = value
    return merged


def payloads(event: str, action: str | None) -> st.SearchStrategy[dict[str, Any]]:
    schema = openapi().webhook_schema(event, action)
    return _strategy(json.dumps(schema, sort_keys=True), 0).filter(lambda value: isinstance(value, dict))


@functools.cache
def _strategy(schema_json: str, depth: int) -> st.SearchStrategy[Any]:
    schema = _resolve(json.loads(schema_json))
    if depth > MAX_DEPTH:
        return st.none()
    if "allOf" in schema:
        schema = _merged(schema["allOf"])
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        return st.one_of([_child(choice, depth) for choice in choices])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_strategy(json.dumps({**schema, "type": k}, sort_keys=True), depth) for k in kind])
    return _typed(schema, kind, depth)


def _child(schema: dict[str, Any], depth: int) -> st.SearchStrategy[Any]:
    return _strategy(json.dumps(schema, sort_keys=True), depth + 1)


def _typed(schema: dict[str, Any], kind: str | None, depth: int) -> st.SearchStrategy[Any]:
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties", {})
        required = set(schema.get("required", ()))
        return st.fixed_dictionaries(
            {name: _child(s, depth) for name, s in properties.items() if name in required},
            optional={name: _child(s, depth) for name, s in properties.items() if name not in required},
        )
    if kind == "array":
        return st.lists(_child(schema.get("items", {}), depth), max_size=3)
    return _scalar(schema, kind)


def _scalar(schema: dict[str, Any], kind: str | None) -> st.SearchStrategy[Any]:
    if kind == "integer":
        return st.integers(schema.get("minimum", -(2**63)), schema.get("maximum", 2**63 - 1))
    if kind == "number":
        return st.floats(allow_nan=False, allow_infinity=False)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "string":
        return _string(schema.get("format"))
    return st.none() | st.booleans() | st.integers() | TEXT


def _string(form: str | None) -> st.SearchStrategy[str]:
    if form == "date-time":
        return st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())
    if form == "uri":
        return st.sampled_from(["https://github.com/acme/widgets", "http://127.0.0.1:1/x", "ftp://x", "::"])
    return TEXT


HOSTILE_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
    st.sampled_from(["x" * 70_000, "\x00" * 300, "../../etc/passwd", "refs/heads/" + "a/" * 200]),
    st.lists(TEXT, max_size=3),
    st.dictionaries(TEXT, TEXT, max_size=3),
)


def _slots(value: Any) -> list[tuple[Any, Any]]:
    found: list[tuple[Any, Any]] = []
    stack = [value]
    while stack:
        node = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, item in items:
            found.append((node, key))
            stack.append(item)
    return found


@st.composite
def hostile(draw: st.DrawFn, payload: dict[str, Any]) -> dict[str, Any]:
    """``payload`` with up to three values replaced by values of the wrong type or absurd size."""
    slots = _slots(payload)
    if slots:
        for _ in range(draw(st.integers(0, 3), label="replacements")):
            container, key = draw(st.sampled_from(slots))
            container[key] = draw(HOSTILE_VALUES)
    return payload
