"""Our own payloads for events without examples: valid per GitHub's schema, and parsed as a policy needs."""

from __future__ import annotations

from typing import Any

import pytest

from guard.events import DeploymentProtectionRuleEvent, RepositoryRulesetEvent, WorkflowRunEvent, parse_event
from tests.events.webhook_data import fixture, fixture_names, openapi_to_json_schema, webhook_validator

FIXTURES = fixture_names()


def _event_and_action(file_name: str) -> tuple[str, str]:
    event, action = file_name.split(".")[:2]
    return event, action


def test_there_is_a_fixture_for_each_event_without_examples() -> None:
    assert {_event_and_action(name)[0] for name in FIXTURES} == {
        "deployment_protection_rule",
        "repository_ruleset",
        "workflow_run",
    }


@pytest.mark.parametrize("file_name", FIXTURES)
def test_fixture_is_valid_against_githubs_schema(file_name: str) -> None:
    validator = webhook_validator(*_event_and_action(file_name))

    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(fixture(file_name))]

    assert errors == []


@pytest.mark.parametrize(
    ("file_name", "path", "value", "complaint"),
    [
        ("workflow_run.requested.fork.json", ("workflow_run", "head_sha"), 5, "is not of type"),
        ("repository_ruleset.created.json", ("repository_ruleset", "rules", 0), {"type": "x"}, "not valid"),
        ("deployment_protection_rule.requested.fork.json", ("pull_requests", 0, "number"), None, "not of"),
    ],
)
def test_schema_check_rejects_a_broken_fixture(
    file_name: str, path: tuple[str | int, ...], value: object, complaint: str
) -> None:
    payload = fixture(file_name)
    parent: Any = payload
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value

    validator = webhook_validator(*_event_and_action(file_name))

    messages = [error.message for error in validator.iter_errors(payload)]

    assert any(complaint in message for message in messages)


def test_openapi_nullable_becomes_a_null_alternative() -> None:
    schema = {
        "properties": {
            "a": {"type": "string", "nullable": True, "enum": ["x"]},
            "b": {"$ref": "#/x", "nullable": True},
            "nullable": {"type": "boolean"},
        }
    }

    assert openapi_to_json_schema(schema) == {
        "properties": {
            "a": {"type": ["string", "null"], "enum": ["x", None]},
            "b": {"anyOf": [{"type": "null"}, {"$ref": "#/x"}]},
            "nullable": {"type": "boolean"},
        }
    }


def test_requested_run_from_a_fork_is_recognised_by_head_repository() -> None:
    event = parse_event("workflow_run", fixture("workflow_run.requested.fork.json"))

    assert isinstance(event, WorkflowRunEvent)
    run = event.workflow_run
    assert run.from_fork is True
    assert run.pull_requests == ()
    assert run.head_repository is not None
    assert (run.head_repository.full_name, run.head_repository.fork) == ("mallory/octo-repo", True)
    assert (run.repository.id, event.repository.id) == (300029405, 300029405)
    assert (run.event, run.head_branch, run.status) == ("pull_request", "main", "queued")
    assert run.actor is not None
    assert run.actor.login == "mallory"
    assert event.installation_id == 48151623


def test_rerun_of_a_fork_run_names_who_re_ran_it_and_the_reusable_workflows() -> None:
    event = parse_event("workflow_run", fixture("workflow_run.completed.fork-rerun.json"))

    assert isinstance(event, WorkflowRunEvent)
    run = event.workflow_run
    assert (run.run_attempt, run.conclusion) == (2, "success")
    assert run.actor is not None
    assert run.actor.login == "mallory"
    assert run.triggering_actor is not None
    assert run.triggering_actor.login == "monalisa"
    assert [(w.path, w.ref) for w in run.referenced_workflows] == [
        ("octo-org/shared-workflows/.github/workflows/lint.yml@v2", "refs/tags/v2")
    ]
    assert run.from_fork is True


def test_deployment_protection_rule_gives_the_run_to_answer_and_the_fork_pull_request() -> None:
    payload = fixture("deployment_protection_rule.requested.fork.json")

    event = parse_event("deployment_protection_rule", payload)

    assert isinstance(event, DeploymentProtectionRuleEvent)
    assert (event.environment, event.event, event.run_id) == ("production", "pull_request_target", 9876543219)
    assert event.deployment_callback_url.endswith("/actions/runs/9876543219/deployment_protection_rule")
    assert (event.ref, event.sha) == ("refs/heads/master", "8e1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d")
    assert event.deployment is not None
    assert event.deployment.creator is not None
    assert event.deployment.creator.is_bot
    (pull,) = event.pull_requests
    assert (pull.number, pull.head.repo_id, pull.base.repo_id) == (1347, 812345678, 300029405)
    assert pull.from_fork is True
    assert event.sender is not None
    assert event.sender.login == "mallory"


def test_ruleset_created_lists_rules_conditions_and_bypass_actors() -> None:
    event = parse_event("repository_ruleset", fixture("repository_ruleset.created.json"))

    assert isinstance(event, RepositoryRulesetEvent)
    ruleset = event.ruleset
    assert (ruleset.id, ruleset.name, ruleset.enforcement) == (1234567, "Protect default branch", "active")
    assert (ruleset.target, ruleset.source_type) == ("branch", "Repository")
    assert ruleset.source == "octo-org/octo-repo"
    assert ruleset.ref_name_include == ("~DEFAULT_BRANCH", "refs/heads/release/*")
    assert [rule.type for rule in ruleset.rules] == [
        "deletion",
        "non_fast_forward",
        "pull_request",
        "required_status_checks",
    ]
    assert ruleset.rules[2].parameters["required_approving_review_count"] == 2
    assert [(actor.actor_type, actor.actor_id) for actor in ruleset.bypass_actors] == [
        ("RepositoryRole", 5),
        ("Integration", 912345),
    ]
    assert event.changes.previous_enforcement is None
    assert event.changes.rules_deleted == ()


def test_weakened_ruleset_reports_what_was_removed() -> None:
    event = parse_event("repository_ruleset", fixture("repository_ruleset.edited.weakened.json"))

    assert isinstance(event, RepositoryRulesetEvent)
    changes = event.changes
    assert (changes.previous_enforcement, event.ruleset.enforcement) == ("active", "evaluate")
    assert [rule.type for rule in changes.rules_deleted] == ["pull_request"]
    assert [rule.type for rule in changes.rules_updated] == ["required_status_checks"]
    assert changes.conditions_changed is True
    assert changes.previous_name is None
    assert event.sender.login == "mallory"


def test_organization_ruleset_event_has_no_repository() -> None:
    event = parse_event("repository_ruleset", fixture("repository_ruleset.deleted.org.json"))

    assert isinstance(event, RepositoryRulesetEvent)
    assert event.repository is None
    assert event.organization == "octo-org"
    assert (event.ruleset.source_type, event.ruleset.source) == ("Organization", "octo-org")
    assert event.ruleset.conditions is not None
