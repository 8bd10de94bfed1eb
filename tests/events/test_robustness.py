"""What parsing tolerates (new actions, new fields, absent optional blocks) and what it refuses, clearly."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from guard.events import (
    PARSERS,
    EventError,
    GenericEvent,
    InstallationEvent,
    MergeGroupEvent,
    PingEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
    PushEvent,
    RepositoryRulesetEvent,
    WorkflowRunEvent,
    parse_event,
)
from guard.events.payload import MAX_DEPTH
from tests.events.webhook_data import example, fixture


def _refusal(name: str, payload: object) -> EventError:
    with pytest.raises(EventError) as caught:
        parse_event(name, payload)  # type: ignore[arg-type]
    return caught.value


def test_an_unknown_action_is_kept_as_sent() -> None:
    payload = example("pull_request", "opened")
    payload["action"] = "stacked_on_something_new"

    event = parse_event("pull_request", payload)

    assert isinstance(event, PullRequestEvent)
    assert event.action == "stacked_on_something_new"


def test_new_fields_anywhere_do_not_change_the_event() -> None:
    payload = example("workflow_run", "requested")
    baseline = parse_event("workflow_run", payload)
    payload["brand_new_block"] = {"nested": [1, {"x": None}]}
    payload["workflow_run"]["new_flag"] = True
    payload["workflow_run"]["head_repository"]["new_field"] = "value"
    payload["sender"]["new_field"] = 3.5

    event = parse_event("workflow_run", payload)

    assert event == baseline
    assert event.payload["brand_new_block"]["nested"][1]["x"] is None  # type: ignore[index, call-overload]


def test_a_delivery_without_installation_has_no_installation_id() -> None:
    event = parse_event("push", example("push", index=0))

    assert "installation" not in event.payload
    assert event.installation_id is None


@pytest.mark.parametrize(
    ("name", "payload", "expected"),
    [
        ("repository_ruleset", fixture("repository_ruleset.deleted.org.json"), RepositoryRulesetEvent),
        ("ping", example("ping", index=3), PingEvent),
    ],
)
def test_events_that_may_lack_a_repository_parse_without_one(
    name: str, payload: dict[str, Any], expected: type
) -> None:
    payload.pop("installation", None)

    event = parse_event(name, payload)

    assert isinstance(event, expected)
    assert event.repository is None
    assert event.installation_id is None


def test_merge_group_without_repository_and_sender_still_parses() -> None:
    payload = example("merge_group")
    del payload["repository"], payload["sender"], payload["organization"]

    event = parse_event("merge_group", payload)

    assert isinstance(event, MergeGroupEvent)
    assert (event.repository, event.sender, event.organization) == (None, None, None)


@pytest.mark.parametrize(
    ("name", "payload", "remove", "message"),
    [
        ("push", example("push", index=4), ("ref",), "push event: 'ref' is missing"),
        (
            "push",
            example("push", index=4),
            ("commits", 0, "id"),
            "push event: 'commits[0].id' is missing",
        ),
        (
            "pull_request",
            example("pull_request", "opened"),
            ("pull_request", "head", "sha"),
            "pull_request event: 'pull_request.head.sha' is missing",
        ),
        (
            "pull_request_review",
            example("pull_request_review", "submitted"),
            ("sender",),
            "pull_request_review event: 'sender' is missing",
        ),
        (
            "workflow_job",
            example("workflow_job", "queued"),
            ("workflow_job", "run_id"),
            "workflow_job event: 'workflow_job.run_id' is missing",
        ),
        (
            "deployment_protection_rule",
            fixture("deployment_protection_rule.requested.fork.json"),
            ("environment",),
            "deployment_protection_rule event: 'environment' is missing",
        ),
        (
            "repository_ruleset",
            fixture("repository_ruleset.created.json"),
            ("repository_ruleset", "enforcement"),
            "repository_ruleset event: 'repository_ruleset.enforcement' is missing",
        ),
    ],
)
def test_a_missing_required_field_is_named_by_its_path(
    name: str, payload: dict[str, Any], remove: tuple[str | int, ...], message: str
) -> None:
    parent: Any = payload
    for step in remove[:-1]:
        parent = parent[step]
    del parent[remove[-1]]

    error = _refusal(name, payload)

    assert str(error) == message
    assert error.event == name
    assert f"'{error.path}'" in message


@pytest.mark.parametrize(
    ("name", "payload", "change", "message"),
    [
        ("check_run", example("check_run"), {"sender": "x"}, "'sender' is a string, expected an object"),
        ("ping", example("ping"), {"hook_id": True}, "'hook_id' is a boolean, expected an integer"),
        ("push", example("push", index=4), {"forced": None}, "'forced' is null, expected a boolean"),
        ("push", example("push", index=4), {"commits": {}}, "'commits' is an object, expected an array"),
        ("ping", example("ping"), {"hook_id": 1.5}, "'hook_id' is a number, expected an integer"),
    ],
)
def test_a_field_of_the_wrong_type_is_refused_with_what_was_expected(
    name: str, payload: dict[str, Any], change: dict[str, Any], message: str
) -> None:
    payload.update(change)

    assert str(_refusal(name, payload)) == f"{name} event: {message}"


def test_a_file_list_entry_that_is_not_a_path_is_refused() -> None:
    payload = example("push", index=4)
    payload["commits"][0]["added"] = ["README.md", 7]

    error = _refusal("push", payload)

    assert str(error) == "push event: 'commits[0].added[1]' is an integer, expected a string"


def test_a_timestamp_without_time_zone_is_refused() -> None:
    payload = example("pull_request_review", "submitted")
    payload["review"]["submitted_at"] = "2019-05-15T15:20:38"

    error = _refusal("pull_request_review", payload)

    assert error.path == "review.submitted_at"
    assert "expected an ISO 8601 timestamp with a time zone" in str(error)


def test_a_callback_url_without_a_run_id_is_refused() -> None:
    payload = fixture("deployment_protection_rule.requested.fork.json")
    payload["deployment_callback_url"] = "https://api.github.com/repos/octo-org/octo-repo/deployments/7"

    error = _refusal("deployment_protection_rule", payload)

    assert error.path == "deployment_callback_url"
    assert "names no workflow run" in str(error)


def test_a_workflow_run_with_no_path_anywhere_is_refused() -> None:
    payload = example("workflow_run", "completed", 0)
    del payload["workflow"]

    assert str(_refusal("workflow_run", payload)) == "workflow_run event: 'workflow_run.path' is missing"


@pytest.mark.parametrize("payload", [[1, 2], "text", None, 3])
def test_a_payload_that_is_not_an_object_is_refused(payload: object) -> None:
    assert str(_refusal("push", payload)).startswith("push event: payload is ")


def test_a_value_that_is_not_json_is_refused() -> None:
    payload = example("ping")
    payload["hook"]["events"] = {"push"}

    assert str(_refusal("ping", payload)) == "ping event: 'hook.events' is a set, which is not a JSON value"


def test_absurdly_deep_nesting_is_refused() -> None:
    payload = example("ping")
    deep: dict[str, Any] = {}
    payload["extra"] = deep
    for _ in range(MAX_DEPTH + 1):
        deep["a"] = {}
        deep = deep["a"]

    assert f"nested deeper than {MAX_DEPTH} levels" in str(_refusal("ping", payload))


def test_an_unknown_event_parses_into_a_generic_event() -> None:
    payload = example("pull_request", "opened")
    payload["installation"] = {"id": 42}

    event = parse_event("pull_request_review_thread", payload)

    assert isinstance(event, GenericEvent)
    assert (event.name, event.action, event.installation_id) == ("pull_request_review_thread", "opened", 42)
    assert event.repository is not None
    assert event.repository.full_name == "Codertocat/Hello-World"
    assert event.sender is not None
    assert event.sender.login == "Codertocat"


def test_an_empty_payload_of_an_unknown_event_parses() -> None:
    event = parse_event("security_advisory", {})

    assert isinstance(event, GenericEvent)
    assert (event.action, event.repository, event.sender, event.organization) == (None, None, None, None)


def test_events_and_their_payload_cannot_be_changed() -> None:
    event = parse_event("push", example("push", index=4))
    assert isinstance(event, PushEvent)

    with pytest.raises(dataclasses.FrozenInstanceError):
        event.ref = "refs/heads/evil"  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.payload["ref"] = "refs/heads/evil"  # type: ignore[index]
    assert isinstance(event.commits, tuple)
    assert isinstance(event.commits[0].added, tuple)


def test_changing_the_input_after_parsing_does_not_reach_the_event() -> None:
    payload = example("push", index=4)
    event = parse_event("push", payload)

    payload["ref"] = "refs/heads/evil"
    payload["commits"][0]["added"].append(".github/workflows/evil.yml")

    assert isinstance(event, PushEvent)
    assert event.payload["ref"] == "refs/heads/master"
    assert event.payload["commits"][0]["added"] == ("README.md",)  # type: ignore[index, call-overload]


def test_review_states_are_lower_case_whatever_the_sender_wrote() -> None:
    payload = example("pull_request_review", "submitted")
    payload["review"]["state"] = "APPROVED"

    event = parse_event("pull_request_review", payload)

    assert isinstance(event, PullRequestReviewEvent)
    assert event.review.state == "approved"


def test_retargeted_pull_request_reports_the_previous_base() -> None:
    payload = example("pull_request", "opened")
    payload["action"] = "edited"
    payload["changes"] = {
        "base": {"ref": {"from": "develop"}, "sha": {"from": "a" * 40}},
        "title": {"from": "x"},
    }

    event = parse_event("pull_request", payload)

    assert isinstance(event, PullRequestEvent)
    assert (event.previous_base_ref, event.previous_base_sha) == ("develop", "a" * 40)
    assert event.pull_request.base.ref == "master"
    assert dict(event.changes) == {"base.ref": "develop", "base.sha": "a" * 40, "title": "x"}


def test_pull_request_whose_head_fork_was_deleted_counts_as_a_fork() -> None:
    payload = example("pull_request", "closed")
    payload["pull_request"]["head"]["repo"] = None

    event = parse_event("pull_request", payload)

    assert isinstance(event, PullRequestEvent)
    assert event.pull_request.head.repo is None
    assert event.pull_request.from_fork is True


def test_workflow_run_without_head_repository_counts_as_a_fork() -> None:
    payload = example("workflow_run", "requested")
    payload["workflow_run"]["head_repository"] = None

    event = parse_event("workflow_run", payload)

    assert isinstance(event, WorkflowRunEvent)
    assert event.workflow_run.from_fork is True


def test_bot_senders_are_recognised() -> None:
    payload = example("push", index=4)
    payload["sender"].update(login="renovate[bot]", type="Bot")

    event = parse_event("push", payload)

    assert event.sender is not None
    assert (event.sender.login, event.sender.is_bot) == ("renovate[bot]", True)


def test_enterprise_installation_account_reads_as_an_enterprise_actor() -> None:
    payload = example("installation", "created")
    payload["installation"]["account"] = {"id": 77, "slug": "acme", "name": "ACME", "node_id": "E_1"}

    event = parse_event("installation", payload)

    assert isinstance(event, InstallationEvent)
    assert event.installation.account is not None
    assert (event.installation.account.login, event.installation.account.type) == ("acme", "Enterprise")


def test_every_modelled_event_is_registered_by_its_github_name() -> None:
    assert sorted(PARSERS) == sorted(
        [
            "push",
            "pull_request",
            "pull_request_review",
            "workflow_run",
            "workflow_job",
            "deployment_protection_rule",
            "branch_protection_rule",
            "repository_ruleset",
            "repository",
            "installation",
            "installation_repositories",
            "check_run",
            "issue_comment",
            "check_suite",
            "merge_group",
            "ping",
        ]
    )


def test_a_huge_bad_value_is_shortened_in_the_error() -> None:
    payload = fixture("deployment_protection_rule.requested.fork.json")
    payload["deployment_callback_url"] = "https://example.com/" + "x" * 100_000

    error = _refusal("deployment_protection_rule", payload)

    assert len(str(error)) < 200
    assert "https://example.com/xxx" in str(error)
