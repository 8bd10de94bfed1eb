"""Origin classification: fork heads, outsiders' comments and workflow_run ancestry, failing closed."""

from __future__ import annotations

import dataclasses

import pytest

from policies.fork_secrets.origin import Origin, RunFacts, classify, combine_upstream

RUN = RunFacts(
    id=7,
    repository="acme/widgets",
    repository_id=1,
    event="pull_request",
    status="queued",
    head_sha="a" * 40,
    head_commit_id="a" * 40,
    head_branch="patch",
    head_repository_id=1,
    head_repository="acme/widgets",
    path=".github/workflows/ci.yml",
    name="ci",
    run_attempt=1,
    actor="octocat",
    triggering_actor="octocat",
)
TRUSTED = Origin(False, "same-repository", "a push run")
FORKED = Origin(True, "fork-head", "its head is in mallory/widgets")


def run(**changes: object) -> RunFacts:
    return dataclasses.replace(RUN, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("facts", "can_write", "upstream", "untrusted", "rule"),
    [
        (run(), None, None, False, "same-repository"),
        (run(head_repository_id=2, head_repository="mallory/widgets"), None, None, True, "fork-head"),
        (run(event="pull_request_target", head_repository_id=2), None, None, True, "fork-head"),
        (run(head_repository_id=None, head_repository=None), None, None, True, "fork-head"),
        (run(run_attempt=3, triggering_actor="admin", head_repository_id=2), True, None, True, "fork-head"),
        (run(event="issue_comment", actor="stranger"), False, None, True, "outsider-trigger"),
        (run(event="issues", actor="someone"), None, None, True, "outsider-trigger"),
        (run(event="discussion_comment", actor="maintainer"), True, None, False, "writer-trigger"),
        (run(event="workflow_run"), None, None, True, "unknown-upstream"),
        (run(event="workflow_run"), None, FORKED, True, "fork-upstream"),
        (run(event="workflow_run"), None, TRUSTED, False, "trusted-upstream"),
        (run(event="push"), None, None, False, "same-repository"),
    ],
)
def test_classify(
    facts: RunFacts, can_write: bool | None, upstream: Origin | None, untrusted: bool, rule: str
) -> None:
    origin = classify(facts, actor_can_write=can_write, upstream=upstream)
    assert (origin.untrusted, origin.rule) == (untrusted, rule)


def test_an_outsider_trigger_names_the_actor_and_why() -> None:
    origin = classify(run(event="issue_comment", actor="stranger"), actor_can_write=None, upstream=None)
    assert origin.reason == "issue_comment caused by stranger, whose permission could not be read"


def test_any_untrusted_upstream_wins_and_none_seen_is_unknown() -> None:
    assert combine_upstream([TRUSTED, FORKED, TRUSTED]) == FORKED
    assert combine_upstream([TRUSTED]) == TRUSTED
    assert combine_upstream([]) is None


def test_a_pull_request_target_run_acts_for_the_head_commit() -> None:
    facts = run(event="pull_request_target", head_sha="b" * 40, head_commit_id="c" * 40)
    assert facts.pull_head_sha == "c" * 40
    assert facts.uses_default_branch
    assert run(event="pull_request").pull_head_sha == "a" * 40
    assert not run(event="pull_request").uses_default_branch


def test_origins_survive_the_state_store() -> None:
    assert Origin.from_json(FORKED.to_json()) == FORKED


def test_a_pull_request_from_a_fork_that_a_delivery_names_makes_a_pull_request_run_untrusted() -> None:
    target = run(event="pull_request_target")
    assert classify(target, actor_can_write=None, upstream=None, fork_pulls=(4,)).reason == (
        "it runs for pull request #4 from a fork"
    )
    assert not classify(run(event="push"), actor_can_write=None, upstream=None, fork_pulls=(4,)).untrusted
