"""The trigger model and what ``if:`` conditions really require."""

from __future__ import annotations

import pytest

from policies.workflows import fork_triggers, privileged_triggers
from policies.workflows.guards import Gate, condition


@pytest.mark.parametrize(
    ("on", "expected"),
    [
        ("on: pull_request_target", ("pull_request_target",)),
        ("on: [push, issue_comment, watch]", ("issue_comment", "watch")),
        (
            "on:\n  push:\n  workflow_run:\n    workflows: [CI]\n  pull_request:\n",
            ("workflow_run", "pull_request"),
        ),
        ("on:\n  schedule:\n    - cron: '0 0 * * *'\n  workflow_dispatch:\n", ()),
    ],
)
def test_fork_triggers_lists_what_an_outsider_can_cause(on: str, expected: tuple[str, ...]) -> None:
    assert fork_triggers(on + "\njobs: {}\n") == expected


def test_privileged_triggers_leave_out_pull_request() -> None:
    text = "on: [pull_request, pull_request_target, pull_request_review, issues]\njobs: {}\n"
    assert privileged_triggers(text) == ("pull_request_target", "pull_request_review", "issues")


def test_on_is_a_key_not_a_boolean() -> None:
    assert fork_triggers("'on': issues\njobs: {}\n") == ("issues",)
    assert fork_triggers("on:\n  issues:\n    types: [opened]\njobs: {}\n") == ("issues",)


@pytest.mark.parametrize(
    ("text", "gate"),
    [
        ("github.event.pull_request.head.repo.full_name == github.repository", Gate.SAME_REPO),
        ("${{ github.repository == github.event.pull_request.head.repo.full_name }}", Gate.SAME_REPO),
        ("!github.event.pull_request.head.repo.fork", Gate.SAME_REPO),
        ("github.event.pull_request.head.repo.fork == false", Gate.SAME_REPO),
        ("github.event.workflow_run.pull_requests[0] != null", Gate.SAME_REPO),
        ("github.event.comment.author_association == 'MEMBER'", Gate.TRUSTED_ACTOR),
        (
            'contains(fromJSON(\'["OWNER","MEMBER"]\'), github.event.comment.author_association)',
            Gate.TRUSTED_ACTOR,
        ),
        ("github.event.pull_request.user.login == 'dependabot[bot]'", Gate.TRUSTED_AUTHOR),
        ("github.actor == 'dependabot[bot]'", Gate.SPOOFABLE_ACTOR),
        ("contains(github.event.pull_request.labels.*.name, 'ok-to-test')", Gate.LABEL),
        ("github.event.label.name == 'ok-to-test'", Gate.LABEL_EVENT),
    ],
)
def test_recognised_gates(text: str, gate: Gate) -> None:
    event = "issue_comment" if "comment" in text else "pull_request_target"
    assert gate in condition(text, event).gates


@pytest.mark.parametrize(
    "text",
    [
        "startsWith(github.event.pull_request.head.ref, 'bot/')",
        "contains(github.event.comment.body, '/ok-to-test')",
        "github.event.pull_request.head.repo.full_name != github.repository",
        "github.event.pull_request.head.repo.full_name == github.repository"
        " || github.event.action == 'closed'",
        "${{ github.event.pull_request.head.repo.full_name == github.repository }} && true",
    ],
)
def test_checks_an_outsider_controls_are_not_gates(text: str) -> None:
    result = condition(text, "pull_request_target")
    assert result.runs
    assert not result.blocks_outsiders()


def test_event_name_comparisons_decide_which_triggers_reach_a_job() -> None:
    text = "github.event_name == 'push' || github.event.pull_request.head.repo.full_name == github.repository"
    assert condition(text, "push").state == "always"
    assert condition(text, "pull_request_target").gates == frozenset({Gate.SAME_REPO})
    assert not condition("github.event_name != 'pull_request_target'", "pull_request_target").runs


def test_activity_type_is_a_constant_when_known() -> None:
    text = "github.event.action == 'labeled' && contains(github.event.pull_request.labels.*.name, 'go')"
    assert not condition(text, "pull_request_target", "synchronize").runs
    assert condition(text, "pull_request_target", "labeled").gates == frozenset({Gate.LABEL})
