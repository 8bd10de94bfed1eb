"""A repository's Actions settings that decide what runs from forks get (read with Administration)."""

from __future__ import annotations

from tests.github_double.actions_state import ActionsSettings
from tests.github_double.routing import Reply, Request, Router
from tests.github_double.state import Repo


def _settings(request: Request) -> tuple[Repo, ActionsSettings]:
    repo = request.repo()
    request.require("administration", "read")
    return repo, request.state.actions.settings_for(repo.id)


def fork_approval(request: Request) -> Reply:
    _, found = _settings(request)
    return Reply(200, {"approval_policy": found.approval_policy})


def private_forks(request: Request) -> Reply:
    repo, found = _settings(request)
    if repo.visibility == "public":
        raise request.error(403, "This setting applies to private and internal repositories only")
    return Reply(
        200,
        {
            "run_workflows_from_fork_pull_requests": found.run_workflows_from_fork_pull_requests,
            "send_write_tokens_to_workflows": found.send_write_tokens_to_workflows,
            "send_secrets_and_variables": found.send_secrets_and_variables,
            "require_approval_for_fork_pr_workflows": found.require_approval_for_fork_pr_workflows,
        },
    )


def workflow_permissions(request: Request) -> Reply:
    _, found = _settings(request)
    body = {
        "default_workflow_permissions": found.default_workflow_permissions,
        "can_approve_pull_request_reviews": found.can_approve_pull_request_reviews,
    }
    return Reply(200, body)


def register(router: Router) -> None:
    router.add("actions/get-fork-pr-contributor-approval-permissions-repository", fork_approval)
    router.add("actions/get-private-repo-fork-pr-workflows-settings-repository", private_forks)
    router.add("actions/get-github-actions-default-workflow-permissions-repository", workflow_permissions)
