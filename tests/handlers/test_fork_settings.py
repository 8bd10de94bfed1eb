"""Fork safety, the settings audit: on installation and daily, each weak Actions setting is an alert."""

from __future__ import annotations

from tests.github_double import webhooks
from tests.github_double.double import GitHubDouble
from tests.github_double.shapes import repository_json
from tests.handlers.fork_world import REPO, World

ADMIN = "GET", "/repos/{owner}/{repo}/actions/permissions/workflow"


def _rules(world: World) -> dict[str, dict[str, object]]:
    return {a["rule"]: a for a in world.guard.alerts() if a["policy"] == "fork_secrets"}


def test_an_installation_audits_each_repository_and_alerts_each_weak_setting_with_its_fix(
    world: World,
) -> None:
    world.double.add_repo("acme/vault", visibility="private")
    vault = world.double.actions_settings("acme/vault")
    vault.run_workflows_from_fork_pull_requests = True
    vault.send_secrets_and_variables = True
    vault.send_write_tokens_to_workflows = True
    vault.require_approval_for_fork_pr_workflows = False
    world.double.actions_settings(REPO).default_workflow_permissions = "write"

    world.guard.handle("installation", webhooks.installation(world.double, world.installation))

    found = _rules(world)
    assert set(found) == {
        "fork-approval-policy",
        "default-token-write",
        "fork-secrets-sent",
        "fork-write-token",
        "fork-runs-unapproved",
    }
    assert (found["fork-secrets-sent"]["repository"], found["fork-secrets-sent"]["severity"]) == (
        "acme/vault",
        4,
    )
    assert "clear *Send secrets and variables to workflows from fork pull requests*" in str(
        found["fork-secrets-sent"]["details"]
    )
    assert found["fork-approval-policy"]["repository"] == REPO
    assert "Require approval for all external contributors" in str(found["fork-approval-policy"]["details"])
    assert "*Read repository contents and packages permissions*" in str(
        found["default-token-write"]["details"]
    )


def test_repositories_with_safe_settings_raise_no_alert(world: World) -> None:
    world.double.actions_settings(REPO).approval_policy = "all_external_contributors"
    world.double.add_repo("acme/vault", visibility="private")

    world.guard.handle("installation", webhooks.installation(world.double, world.installation))

    assert _rules(world) == {}


def test_the_daily_sweep_finds_a_setting_weakened_later(world: World, github_double: GitHubDouble) -> None:
    world.double.actions_settings(REPO).approval_policy = "all_external_contributors"
    world.guard.handle("installation", webhooks.installation(world.double, world.installation))
    assert _rules(world) == {}

    world.double.actions_settings(REPO).can_approve_pull_request_reviews = True
    repository = repository_json(github_double.base_url, github_double._repo(REPO))
    payload = {
        "action": "fork_secrets_settings",
        "installation": {"id": world.installation},
        "repository": repository,
    }
    world.guard.sweep(payload)

    assert set(_rules(world)) == {"token-approves-reviews"}


def test_a_setting_the_guard_cannot_read_is_reported_not_taken_as_safe(world: World) -> None:
    world.double.actions_settings(REPO).approval_policy = "all_external_contributors"
    world.double.fail(
        *ADMIN, status=403, times=None, body={"message": "Resource not accessible by integration"}
    )

    world.guard.handle("installation", webhooks.installation(world.double, world.installation))

    [alert] = _rules(world).values()
    assert (alert["rule"], alert["title"]) == (
        "setting-unreadable",
        f"{REPO}: the default token permissions could not be read",
    )
