"""The OpenAPI 3.0 to JSON Schema conversion and the validation helpers tests use on bodies they build."""

from __future__ import annotations

import copy

import pytest

from tests.github_double.schema import (
    SchemaViolation,
    convert,
    openapi,
    validate_request,
    validate_response,
    validate_webhook,
)


def _example(name: str) -> dict:  # type: ignore[type-arg]
    return copy.deepcopy(openapi().document["components"]["examples"][name]["value"])


def test_nullable_becomes_a_null_alternative_and_refs_become_absolute() -> None:
    converted = convert(
        {"type": "string", "nullable": True, "enum": ["a"], "items": {"$ref": "#/components/x"}}
    )
    assert converted == {
        "anyOf": [
            {"type": "string", "enum": ["a"], "items": {"$ref": "urn:github:openapi-subset#/components/x"}},
            {"type": "null"},
        ]
    }


def test_a_property_named_nullable_is_left_alone() -> None:
    assert convert({"properties": {"nullable": {"type": "boolean"}}}) == {
        "properties": {"nullable": {"type": "boolean"}}
    }


def test_request_bodies_are_checked_against_the_operation() -> None:
    validate_request("checks/create", {"name": "guard", "head_sha": "a" * 40})
    with pytest.raises(SchemaViolation, match='"head_sha" wasn\'t supplied'):
        validate_request("checks/create", {"name": "guard"})
    with pytest.raises(SchemaViolation, match="is not one of"):
        validate_request("checks/create", {"name": "guard", "head_sha": "a" * 40, "conclusion": "passed"})


def test_check_run_updates_need_a_conclusion_when_completed() -> None:
    validate_request("checks/update", {"status": "completed", "conclusion": "success"})
    with pytest.raises(SchemaViolation):
        validate_request("checks/update", {"status": "completed"})


def test_timestamps_must_be_iso_8601_with_a_zone() -> None:
    validate_request(
        "checks/create", {"name": "g", "head_sha": "a" * 40, "started_at": "2024-05-04T01:14:52Z"}
    )
    with pytest.raises(SchemaViolation, match="date-time"):
        validate_request("checks/create", {"name": "g", "head_sha": "a" * 40, "started_at": "yesterday"})


def test_responses_are_checked_per_status_and_errors_against_basic_error() -> None:
    validate_response("checks/create", 201, _example("check-run"))
    validate_response("checks/list-for-ref", 404, {"message": "Not Found", "documentation_url": "x"})
    broken = _example("check-run")
    del broken["head_sha"]
    with pytest.raises(SchemaViolation, match="head_sha"):
        validate_response("checks/create", 201, broken)
    with pytest.raises(SchemaViolation, match="not a documented response"):
        validate_response("checks/create", 204, None)


def test_webhook_payloads_are_checked_by_event_and_action() -> None:
    validate_webhook("check_run", "completed", _example("check-run-completed"))
    validate_webhook("ping", None, _example("ping"))
    payload = _example("check-run-completed")
    payload["check_run"]["status"] = "finished"
    with pytest.raises(SchemaViolation, match=r"check_run\.completed payload"):
        validate_webhook("check_run", "completed", payload)


@pytest.mark.parametrize(
    ("event", "action"),
    [
        ("push", None),
        ("pull_request", "synchronize"),
        ("pull_request_review", "submitted"),
        ("workflow_run", "requested"),
        ("workflow_job", "queued"),
        ("deployment_protection_rule", "requested"),
        ("branch_protection_rule", "edited"),
        ("repository_ruleset", "edited"),
        ("repository", "renamed"),
        ("installation", "new_permissions_accepted"),
        ("installation_repositories", "added"),
        ("check_run", "requested_action"),
        ("check_suite", "requested"),
        ("merge_group", "checks_requested"),
        ("ping", None),
    ],
)
def test_every_handled_webhook_event_has_a_schema(event: str, action: str | None) -> None:
    assert (
        openapi()
        .webhook_schema(event, action)["$ref"]
        .startswith("urn:github:openapi-subset#/components/schemas/")
    )


def test_unknown_operations_and_events_say_how_to_add_them() -> None:
    with pytest.raises(KeyError, match="vendor_github_openapi"):
        validate_request("repos/delete", {})
    with pytest.raises(KeyError, match="vendor_github_openapi"):
        openapi().webhook_schema("star", "created")
