"""Checks API answers against ``docs/alerts-api.yaml``: the status is documented and the body matches."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import referencing
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from werkzeug.test import TestResponse

DOCUMENT = Path(__file__).resolve().parents[2] / "docs" / "alerts-api.yaml"
URI = "urn:pipeline-guard:alerts-api"


@functools.cache
def description() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(DOCUMENT.read_text())
    return loaded


@functools.cache
def _registry() -> referencing.Registry[Any]:
    resource = referencing.Resource.from_contents(
        description(), default_specification=referencing.jsonschema.DRAFT202012
    )
    return referencing.Registry().with_resource(URI, resource)


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local ``$ref`` (responses and bodies are shared through components)."""
    while "$ref" in node:
        target: Any = description()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def check(answer: TestResponse, path: str, method: str = "get") -> Any:
    """The answer's JSON body, after checking it against the documented response for its status."""
    responses = description()["paths"][path][method]["responses"]
    status = str(answer.status_code)
    assert status in responses, f"{method.upper()} {path} answered {status}, which is not documented"
    documented = _resolve(responses[status])
    media = answer.mimetype
    assert media in documented["content"], f"{status} answered {media}, not {list(documented['content'])}"
    schema = documented["content"][media]["schema"]
    if media != "application/json":
        return answer.get_data(as_text=True)
    body = answer.get_json()
    validator = Draft202012Validator(
        _absolute(schema),
        registry=_registry(),
        format_checker=FormatChecker(),
    )
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
    return body


def _absolute(node: Any) -> Any:
    if isinstance(node, list):
        return [_absolute(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _absolute(value) for key, value in node.items()}
    if isinstance(converted.get("$ref"), str) and converted["$ref"].startswith("#/"):
        converted["$ref"] = URI + converted["$ref"]
    return converted
