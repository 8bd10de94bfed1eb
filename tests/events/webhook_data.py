"""Test data for the event parser: the @octokit examples, our own fixtures, and their schemas."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

DATA = Path(__file__).resolve().parent.parent / "data"
FIXTURES = DATA / "webhooks"


@cache
def examples() -> dict[str, list[dict[str, Any]]]:
    """Example payloads by event name, from @octokit/webhooks-examples."""
    events = json.loads((DATA / "webhook-examples.json").read_text())
    return {event["name"]: event["examples"] for event in events}


def all_examples() -> Iterator[tuple[str, dict[str, Any]]]:
    for name, payloads in examples().items():
        for payload in payloads:
            yield name, payload


def example(name: str, action: str | None = None, index: int = 0) -> dict[str, Any]:
    """A deep copy of the ``index``-th example of ``name`` with ``action``, safe to mutate."""
    matching = [p for p in examples()[name] if action is None or p.get("action") == action]
    copied: dict[str, Any] = json.loads(json.dumps(matching[index]))
    return copied


def fixture_names() -> list[str]:
    """Our own payloads, named ``<event>.<action>[.<variant>].json``."""
    return sorted(path.name for path in FIXTURES.glob("*.json"))


def fixture(file_name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((FIXTURES / file_name).read_text())
    return loaded


@cache
def _schemas() -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DATA / "webhook-schemas.json").read_text())
    return document


def webhook_validator(event: str, action: str) -> jsonschema.Draft4Validator:
    """A validator for one webhook, from GitHub's OpenAPI 3.0 description made plain JSON Schema."""
    key = f"{event}-{action}".replace("_", "-")
    document = {
        "allOf": [_schemas()["webhooks"][key]],
        "components": openapi_to_json_schema(_schemas()["components"]),
    }
    return jsonschema.Draft4Validator(document)


def openapi_to_json_schema(node: Any) -> Any:
    """Rewrite OpenAPI 3.0 ``nullable: true`` as JSON Schema; everything else maps as is.

    OpenAPI 3.0 schemas are draft-4-like and ignore siblings of ``$ref``, as ``Draft4Validator`` does.
    """
    if isinstance(node, list):
        return [openapi_to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {
        key: openapi_to_json_schema(value)
        for key, value in node.items()
        if not (key == "nullable" and isinstance(value, bool))
    }
    if node.get("nullable") is not True:
        return converted
    if "type" in converted:
        converted["type"] = [converted["type"], "null"]
        if "enum" in converted and None not in converted["enum"]:
            converted["enum"] = [*converted["enum"], None]
        return converted
    return {"anyOf": [{"type": "null"}, converted]}


def thaw(value: Any) -> Any:
    """Turn a frozen payload back into plain dicts and lists, to compare it with what was sent."""
    if isinstance(value, Mapping):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    return value
