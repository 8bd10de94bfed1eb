"""Validation against the vendored subset of GitHub's REST OpenAPI description.

OpenAPI 3.0 schemas are JSON Schema draft 4 plus a few keywords; the one that changes meaning is
``nullable: true``, which becomes ``anyOf: [<schema>, {"type": "null"}]`` here. References are rewritten
to absolute URIs so any inline schema (a request body, a webhook payload) can be validated on its own.
"""

from __future__ import annotations

import copy
import datetime
import functools
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import referencing
import referencing.jsonschema
from jsonschema import Draft4Validator, FormatChecker
from jsonschema.exceptions import ValidationError

SUBSET_PATH = Path(__file__).resolve().parent.parent / "data" / "github" / "openapi-subset.json"
DOCUMENT_URI = "urn:github:openapi-subset"
JSON_MEDIA_TYPE = "application/json"
BASIC_ERROR = {"$ref": f"{DOCUMENT_URI}#/components/schemas/basic-error"}
_MAX_LINE = 300
# Places where GitHub's description says allOf but means anyOf (its own example breaks it); corrected on load.
ALL_OF_MEANS_ANY_OF = (
    # An installation's account is a user or an enterprise, as components/schemas/installation says.
    "/paths/~1app~1installations/get/responses/200/content/application~1json/schema/items/properties/account",
)
# Places where GitHub's description marks a key required that GitHub refuses alongside another one: a
# protection's ``required_status_checks`` takes exactly one of ``contexts`` or ``checks`` (the route checks).
REQUIRED_ONLY_ONE_OF = (
    (
        "/paths/~1repos~1{owner}~1{repo}~1branches~1{branch}~1protection/put/requestBody/content/"
        "application~1json/schema/properties/required_status_checks",
        "contexts",
    ),
)


# Places GitHub answers null where its description forgets ``nullable``: a label without a description
# (the same label is nullable in ``label``, ``pull-request`` and the webhooks' ``Label``).
NULLABLE = ("/components/schemas/pull-request-simple/properties/labels/items/properties/description",)


class SchemaViolation(AssertionError):
    """A body that does not match GitHub's schema; ``errors`` holds one line per problem."""

    def __init__(self, what: str, errors: list[str]) -> None:
        super().__init__(f"{what} does not match GitHub's schema:\n" + "\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class Operation:
    """One REST operation of the subset: where it lives and what it accepts."""

    operation_id: str
    method: str
    template: str
    parameters: tuple[dict[str, Any], ...]
    request_schema: dict[str, Any] | None
    request_required: bool
    responses: dict[str, dict[str, Any] | None]
    documentation_url: str


def convert(node: Any) -> Any:
    """OpenAPI 3.0 schema keywords to JSON Schema: ``nullable`` and absolute ``$ref`` URIs."""
    if isinstance(node, list):
        return [convert(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {k: convert(v) for k, v in node.items() if not (k == "nullable" and isinstance(v, bool))}
    ref = converted.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        converted["$ref"] = DOCUMENT_URI + ref
    if node.get("nullable") is True:
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def _pointer(document: Any, pointer: str) -> Any:
    node = document
    for part in pointer.lstrip("/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def apply_errata(document: dict[str, Any]) -> dict[str, Any]:
    """The document with the known mistakes (``ALL_OF_MEANS_ANY_OF``, ``REQUIRED_ONLY_ONE_OF``, ``NULLABLE``)
    corrected."""
    fixed = copy.deepcopy(document)
    for pointer in ALL_OF_MEANS_ANY_OF:
        try:
            node = _pointer(fixed, pointer)
        except KeyError:
            continue
        if "allOf" in node:
            node["anyOf"] = node.pop("allOf")
    for pointer, key in REQUIRED_ONLY_ONE_OF:
        try:
            node = _pointer(fixed, pointer)
        except KeyError:
            continue
        node["required"] = [name for name in node.get("required", []) if name != key]
    for pointer in NULLABLE:
        try:
            _pointer(fixed, pointer)["nullable"] = True
        except KeyError:
            continue
    return fixed


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if "T" not in value.upper():
        return False
    try:
        parsed = datetime.datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        return False
    return parsed.tzinfo is not None


def _format_checker() -> FormatChecker:
    checker = FormatChecker(formats=())
    checker.checks("date-time")(_is_date_time)
    return checker


class OpenApi:
    """The converted subset with lookups and validators for operations and webhooks."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = convert(apply_errata(document))
        resource = referencing.jsonschema.DRAFT4.create_resource(self.document)
        self._registry: referencing.Registry[Any] = referencing.Registry().with_resource(
            DOCUMENT_URI, resource
        )
        self._formats = _format_checker()
        self.operations = {op.operation_id: op for op in self._read_operations()}
        self.app_events = frozenset(document["info"]["x-vendored"].get("app_events", []))

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        """Follow a ``$ref`` to a parameter, response or header component."""
        while "$ref" in node:
            kind, name = node["$ref"].rsplit("/", 2)[-2:]
            node = self.document["components"][kind][name]
        return node

    def _media_schema(self, container: dict[str, Any] | None) -> dict[str, Any] | None:
        if container is None:
            return None
        media = self._resolve(container).get("content", {}).get(JSON_MEDIA_TYPE)
        return None if media is None else media.get("schema")

    def _read_operations(self) -> Iterable[Operation]:
        for template, item in self.document["paths"].items():
            shared = tuple(self._resolve(p) for p in item.get("parameters", []))
            for method, op in item.items():
                if method == "parameters":
                    continue
                body = op.get("requestBody")
                yield Operation(
                    operation_id=op["operationId"],
                    method=method.upper(),
                    template=template,
                    parameters=shared + tuple(self._resolve(p) for p in op.get("parameters", [])),
                    request_schema=self._media_schema(body),
                    request_required=bool(body and body.get("required")),
                    responses={code: self._media_schema(r) for code, r in op["responses"].items()},
                    documentation_url=op.get("externalDocs", {}).get("url", "https://docs.github.com/rest"),
                )

    def operation(self, operation_id: str) -> Operation:
        try:
            return self.operations[operation_id]
        except KeyError:
            raise KeyError(
                f"{operation_id} is not in the vendored subset; re-run vendor_github_openapi"
            ) from None

    def errors(self, schema: dict[str, Any], instance: Any) -> list[str]:
        """One readable line per way ``instance`` breaks ``schema`` (empty when it conforms)."""
        validator = _validator(self, json.dumps(schema, sort_keys=True))
        return sorted(describe(error) for error in validator.iter_errors(instance))

    def request_errors(self, operation_id: str, body: Any) -> list[str]:
        op = self.operation(operation_id)
        if op.request_schema is None:
            return []
        if body is None:
            return ["For 'body', nil is not an object."] if op.request_required else []
        return self.errors(op.request_schema, body)

    def response_errors(self, operation_id: str, status: int, body: Any) -> list[str]:
        op = self.operation(operation_id)
        if str(status) in op.responses and (op.responses[str(status)] is not None or status < 400):
            schema = op.responses[str(status)]
        elif status >= 400:
            # GitHub sends its error body even where the description documents an error without content.
            schema = BASIC_ERROR
        else:
            return [f"status {status} is not a documented response of {operation_id}"]
        if schema is None:
            return [] if body is None else [f"status {status} of {operation_id} has no body, got one"]
        return self.errors(schema, body)

    def webhook_schema(self, event: str, action: str | None) -> dict[str, Any]:
        """The JSON payload schema GitHub documents for ``event`` with ``action``."""
        wanted = event.replace("_", "-") + ("/" + action.replace("_", "-") if action else "")
        for item in self.document["x-webhooks"].values():
            if item["post"]["operationId"] == wanted:
                schema = self._media_schema(item["post"]["requestBody"])
                if schema is not None:
                    return schema
        raise KeyError(f"webhook {wanted} is not in the vendored subset; re-run vendor_github_openapi")


@functools.cache
def _validator(api: OpenApi, schema_json: str) -> Draft4Validator:
    return Draft4Validator(json.loads(schema_json), registry=api._registry, format_checker=api._formats)


def describe(error: ValidationError) -> str:
    """A GitHub-style line for one validation error, the offending value shortened."""
    where = "/".join(str(part) for part in error.absolute_path) or "body"
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        line = f"For '{where}', \"{missing}\" wasn't supplied."
    elif error.validator == "maxItems":
        count = len(error.instance) if isinstance(error.instance, list) else "too many"
        line = f"For '{where}', {count} items is more than the maximum of {error.validator_value}."
    else:
        line = f"For '{where}', {error.message}"
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."


@functools.cache
def openapi() -> OpenApi:
    """The vendored subset, loaded once per process."""
    return OpenApi(json.loads(SUBSET_PATH.read_text(encoding="utf-8")))


def validate_request(operation_id: str, body: Any) -> None:
    """Raise ``SchemaViolation`` if ``body`` is not an acceptable request body for the operation."""
    errors = openapi().request_errors(operation_id, body)
    if errors:
        raise SchemaViolation(f"request body for {operation_id}", errors)


def validate_response(operation_id: str, status: int, body: Any) -> None:
    """Raise ``SchemaViolation`` if ``body`` is not what GitHub documents for that status."""
    errors = openapi().response_errors(operation_id, status, body)
    if errors:
        raise SchemaViolation(f"{status} response of {operation_id}", errors)


def validate_webhook(event: str, action: str | None, payload: Any) -> None:
    """Raise ``SchemaViolation`` if ``payload`` is not a valid ``event``/``action`` delivery."""
    api = openapi()
    errors = api.errors(api.webhook_schema(event, action), payload)
    if errors:
        raise SchemaViolation(f"{event}.{action} payload" if action else f"{event} payload", errors)
