"""Every @octokit example of the modelled events parses into its type, with the values a policy reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from guard.events import (
    PARSERS,
    BranchProtectionRuleEvent,
    CheckRunEvent,
    CheckSuiteEvent,
    Event,
    InstallationEvent,
    InstallationRepositoriesEvent,
    IssueCommentEvent,
    MergeGroupEvent,
    PingEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
    PushEvent,
    RepositoryEvent,
    WorkflowJobEvent,
    WorkflowRunEvent,
    parse_event,
)
from tests.events.webhook_data import all_examples, example, examples, thaw

EXPECTED_TYPES: dict[str, type[Event]] = {
    "push": PushEvent,
    "pull_request": PullRequestEvent,
    "pull_request_review": PullRequestReviewEvent,
    "workflow_run": WorkflowRunEvent,
    "workflow_job": WorkflowJobEvent,
    "branch_protection_rule": BranchProtectionRuleEvent,
    "repository": RepositoryEvent,
    "installation": InstallationEvent,
    "installation_repositories": InstallationRepositoriesEvent,
    "check_run": CheckRunEvent,
    "issue_comment": IssueCommentEvent,
    "check_suite": CheckSuiteEvent,
    "merge_group": MergeGroupEvent,
    "ping": PingEvent,
}
EXAMPLES = list(all_examples())


def test_the_trimmed_examples_cover_every_modelled_event_that_has_examples() -> None:
    assert set(examples()) == set(EXPECTED_TYPES)
    assert set(EXPECTED_TYPES) | {"deployment_protection_rule", "repository_ruleset"} == set(PARSERS)
    assert len(EXAMPLES) == 114


@pytest.mark.parametrize(
    ("name", "payload"), EXAMPLES, ids=[f"{n}-{p.get('action')}-{i}" for i, (n, p) in enumerate(EXAMPLES)]
)
def test_every_example_parses_into_its_type_and_keeps_the_payload(name: str, payload: dict[str, Any]) -> None:
    event = parse_event(name, payload)

    assert type(event) is EXPECTED_TYPES[name]
    assert event.name == name
    assert event.action == payload.get("action")
    assert thaw(event.payload) == payload
    if "installation" in payload:
        assert event.installation_id == payload["installation"]["id"]
    if "repository" in payload:
        assert event.repository is not None
        assert event.repository.full_name == payload["repository"]["full_name"]


def test_push_of_a_new_branch_lists_the_touched_files() -> None:
    event = parse_event("push", example("push", index=4))

    assert isinstance(event, PushEvent)
    assert (event.ref, event.branch, event.tag) == ("refs/heads/master", "master", None)
    assert (event.created, event.deleted, event.forced) == (True, False, False)
    assert event.before == "0" * 40
    assert event.after == "6113728f27ae82c7b1a177c8d03f9e96e0adf246"
    assert event.touched_paths == ("README.md",)
    assert event.commits[0].author.username == "Codertocat"
    assert event.head_commit is not None
    assert event.head_commit.id == event.after
    assert event.pusher.name == "Codertocat"
    assert event.sender is not None
    assert event.sender.login == "Codertocat"


def test_push_deleting_a_tag_has_no_head_commit() -> None:
    event = parse_event("push", example("push", index=1))

    assert isinstance(event, PushEvent)
    assert (event.tag, event.branch, event.deleted) == ("simple-tag", None, True)
    assert event.head_commit is None
    assert event.after == "0" * 40


def test_pull_request_synchronize_carries_the_new_head() -> None:
    event = parse_event("pull_request", example("pull_request", "synchronize"))

    assert isinstance(event, PullRequestEvent)
    assert event.number == 2
    assert event.before == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert event.after == event.pull_request.head.sha == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    pull = event.pull_request
    assert (pull.state, pull.draft, pull.merged) == ("open", False, False)
    assert pull.head.repo is not None
    assert pull.head.repo.full_name == "Codertocat/Hello-World"
    assert pull.base.ref == "master"
    assert pull.from_fork is False
    assert pull.user.login == "Codertocat"


def test_closed_pull_request_reports_merge_fields() -> None:
    event = parse_event("pull_request", example("pull_request", "closed"))

    assert isinstance(event, PullRequestEvent)
    pull = event.pull_request
    assert (pull.state, pull.merged, pull.merged_by) == ("closed", False, None)
    assert pull.merge_commit_sha == "c4295bd74fb0f4fda03689c3df3f2803b658fd85"
    assert pull.changed_files == 1
    assert event.previous_base_ref is None


def test_dismissed_review_keeps_reviewer_commit_and_time() -> None:
    event = parse_event("pull_request_review", example("pull_request_review", "dismissed"))

    assert isinstance(event, PullRequestReviewEvent)
    review = event.review
    assert (review.id, review.state) == (237895671, "dismissed")
    assert review.user is not None
    assert review.user.login == "Codertocat"
    assert review.commit_id == "ec26c3e57ca3a959ca5aad62de7213c562f8c821"
    assert review.submitted_at == datetime(2019, 5, 15, 15, 20, 38, tzinfo=UTC)
    assert event.organization == "Octocoders"
    assert event.pull_request.number == 2
    assert event.pull_request.merged is None  # review payloads do not say


def test_workflow_run_from_the_same_repository_is_not_a_fork() -> None:
    event = parse_event("workflow_run", example("workflow_run", "requested", 0))

    assert isinstance(event, WorkflowRunEvent)
    run = event.workflow_run
    assert (run.id, run.event, run.status) == (289782451, "repository_dispatch", "queued")
    assert (run.path, run.run_attempt, run.workflow_id) == (".github/workflows/test.yml", 1, 2823525)
    assert run.head_sha == "3484a3fb816e0859fd6e1cea078d76385ff50625"
    assert run.triggering_actor is not None
    assert run.triggering_actor.login == "Codertocat"
    assert run.from_fork is False


def test_workflow_run_without_its_own_path_takes_the_workflow_path() -> None:
    event = parse_event("workflow_run", example("workflow_run", "completed", 0))

    assert isinstance(event, WorkflowRunEvent)
    assert event.workflow_run.path == ".github/workflows/syntax.yml"
    assert event.workflow_run.actor is None


def test_workflow_job_waiting_for_an_environment_has_its_deployment() -> None:
    event = parse_event("workflow_job", example("workflow_job", "queued", 1))

    assert isinstance(event, WorkflowJobEvent)
    job = event.workflow_job
    assert (job.id, job.run_id, job.status) == (12877621891, 4747967848, "waiting")
    assert job.labels == ("self-hosted", "k8s")
    assert (job.runner_name, job.runner_group_name) == (None, None)
    assert job.workflow_name == "Env Test"
    assert event.deployment is not None
    assert (event.deployment.environment, event.deployment.ref) == ("Test", "main")


def test_workflow_job_on_a_self_hosted_runner_names_runner_and_group() -> None:
    event = parse_event("workflow_job", example("workflow_job", "in_progress", 0))

    assert isinstance(event, WorkflowJobEvent)
    job = event.workflow_job
    assert job.labels == ("gpu", "db-app", "dc-03")
    assert (job.runner_name, job.runner_group_name) == ("my runner", "my runner group")
    assert job.runner_group_id == 2
    assert job.run_attempt is None  # older payloads omit it


def test_check_run_requested_action_names_the_button_and_the_app() -> None:
    event = parse_event("check_run", example("check_run", "requested_action"))

    assert isinstance(event, CheckRunEvent)
    assert event.requested_action == "lgtm|26764"
    run = event.check_run
    assert (run.name, run.head_sha) == ("API Review", "5bd5f196a46b8222fb7484f05faba41a73cf34bd")
    assert run.app is not None
    assert (run.app.id, run.app.slug) == (25811, "electron-cation")
    assert run.check_suite_id == 1604239627
    pull = run.pull_requests[0]
    assert (pull.number, pull.head.ref, pull.base.ref) == (26764, "miniak/event-process-id", "master")
    assert pull.from_fork is False


def test_check_suite_requested_has_head_and_app() -> None:
    event = parse_event("check_suite", example("check_suite", "requested"))

    assert isinstance(event, CheckSuiteEvent)
    suite = event.check_suite
    assert (suite.id, suite.head_branch, suite.status) == (118578174, "master", "queued")
    assert suite.head_sha == suite.after == "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"
    assert suite.app is not None
    assert (suite.app.id, suite.app.name) == (29310, "octocoders-linter")
    assert event.installation_id == 957387


def test_merge_group_names_the_queue_head_and_base() -> None:
    event = parse_event("merge_group", example("merge_group"))

    assert isinstance(event, MergeGroupEvent)
    group = event.merge_group
    assert group.head_sha == "2ffea6db159f6b6c47a24e778fb9ef40cf6b1c7d"
    assert group.head_ref.startswith("refs/heads/gh-readonly-queue/main/pr-104-")
    assert (group.base_ref, group.base_sha) == ("refs/heads/main", "380387fbc80638b734a49e1be1c4dfec1c01b33c")
    assert (event.organization, event.installation_id) == ("octo-org", 1)


def test_edited_branch_protection_rule_reports_previous_settings() -> None:
    event = parse_event("branch_protection_rule", example("branch_protection_rule", "edited", 1))

    assert isinstance(event, BranchProtectionRuleEvent)
    rule = event.rule
    assert (rule.name, rule.id, rule.repository_id) == ("production", 21796960, 259377789)
    assert rule.required_status_checks == ("basic-CI",)
    assert rule.allow_force_pushes_enforcement_level == "off"
    assert event.changes["allow_force_pushes_enforcement_level"] == "everyone"
    assert event.changes["required_approving_review_count"] == 2
    assert event.sender.login == "Codertocat"


def test_repository_edited_reports_the_previous_default_branch() -> None:
    event = parse_event("repository", example("repository", "edited", 1))

    assert isinstance(event, RepositoryEvent)
    assert event.previous_default_branch == "main"
    assert event.repository.default_branch == "master"
    assert dict(event.changes) == {"default_branch": "main"}


def test_repository_renamed_reports_the_previous_name() -> None:
    event = parse_event("repository", example("repository", "renamed"))

    assert isinstance(event, RepositoryEvent)
    assert event.previous_name == "Hello-World"
    assert event.previous_default_branch is None


def test_installation_created_names_account_permissions_and_repositories() -> None:
    event = parse_event("installation", example("installation", "created", 1))

    assert isinstance(event, InstallationEvent)
    installation = event.installation
    assert (installation.id, installation.app_id) == (957387, 29310)
    assert installation.repository_selection == "selected"
    assert installation.account is not None
    assert installation.account.login == "Codertocat"
    assert installation.permissions["administration"] == "write"
    assert [repo.full_name for repo in event.repositories] == ["Codertocat/Hello-World"]
    assert event.requester is not None
    assert event.requester.login == "Codertocat"
    assert event.installation_id == 957387


def test_suspended_installation_says_when_and_by_whom() -> None:
    event = parse_event("installation", example("installation", "suspend"))

    assert isinstance(event, InstallationEvent)
    assert event.installation.suspended_at == datetime(2021, 4, 29, 2, 32, 50, tzinfo=UTC)
    assert event.installation.suspended_by is not None
    assert event.installation.suspended_by.login == "Codertocat"


def test_installation_repositories_removed_lists_the_lost_repository() -> None:
    event = parse_event("installation_repositories", example("installation_repositories", "removed"))

    assert isinstance(event, InstallationRepositoriesEvent)
    assert [repo.full_name for repo in event.repositories_removed] == ["octocat/Hello-World"]
    assert event.repositories_added == ()
    assert (event.repository_selection, event.installation.id) == ("selected", 2)


def test_ping_from_an_app_webhook_carries_the_app_id() -> None:
    event = parse_event("ping", example("ping", index=2))

    assert isinstance(event, PingEvent)
    assert event.zen == "Anything added dilutes everything else."
    assert event.hook_id == 109948940
    assert event.hook is not None
    assert (event.hook.app_id, event.hook.content_type) == (29310, "json")
    assert event.action is None


def test_ping_from_an_organization_webhook_has_no_repository() -> None:
    event = parse_event("ping", example("ping", index=3))

    assert isinstance(event, PingEvent)
    assert event.repository is None
    assert event.organization == "Octocoders"
    assert event.hook is not None
    assert event.hook.type == "Organization"
