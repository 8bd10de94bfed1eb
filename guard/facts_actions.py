"""Facts about GitHub Actions runs that the fork-safety handlers read: runs, pull requests, settings."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from typing import Any

from guard.errors import TRANSIENT_ERRORS
from guard.events import WorkflowRun
from guard.facts import can_write, read_file, role
from guard.github import Client, Forbidden, GitHubError, NotFound
from policies.fork_secrets.audit import ActionsSettings
from policies.fork_secrets.origin import RunFacts
from policies.fork_secrets.report import PullInfo


def run_from_event(run: WorkflowRun) -> RunFacts:
    """The run a ``workflow_run`` delivery carries (the same object the REST API answers)."""
    head = run.head_repository
    return RunFacts(
        id=run.id,
        repository=run.repository.full_name,
        repository_id=run.repository.id,
        event=run.event,
        status=run.status or "requested",
        head_sha=run.head_sha,
        head_commit_id=run.head_commit_id,
        head_branch=run.head_branch,
        head_repository_id=None if head is None else head.id,
        head_repository=None if head is None else head.full_name,
        path=run.path,
        name=run.name,
        run_attempt=run.run_attempt,
        actor=run.actor.login if run.actor else None,
        triggering_actor=run.triggering_actor.login if run.triggering_actor else None,
    )


def _login(data: Any) -> str | None:
    return str(data["login"]) if isinstance(data, dict) and data.get("login") else None


def read_run(github: Client, repository: str, run_id: int) -> RunFacts:
    """``GET /repos/{owner}/{repo}/actions/runs/{run_id}`` as ``RunFacts``."""
    data = github.get(f"/repos/{repository}/actions/runs/{run_id}").data
    head = data.get("head_repository") or None
    head_commit = data.get("head_commit") or None
    return RunFacts(
        id=int(data["id"]),
        repository=str(data["repository"]["full_name"]),
        repository_id=int(data["repository"]["id"]),
        event=str(data["event"]),
        status=str(data.get("status") or "queued"),
        head_sha=str(data["head_sha"]),
        head_commit_id=str(head_commit["id"]) if head_commit else None,
        head_branch=data.get("head_branch"),
        head_repository_id=int(head["id"]) if head else None,
        head_repository=str(head["full_name"]) if head else None,
        path=str(data["path"]),
        name=data.get("name"),
        run_attempt=int(data.get("run_attempt") or 1),
        actor=_login(data.get("actor")),
        triggering_actor=_login(data.get("triggering_actor")),
    )


def actor_can_write(github: Client, repository: str, login: str | None) -> bool | None:
    """Whether ``login`` can write to the repository; None when it cannot be told (fails closed)."""
    if login is None:
        return None
    try:
        return can_write(role(github, repository, login))
    except TRANSIENT_ERRORS:
        raise
    except GitHubError:
        return None


def _pull(data: Mapping[str, Any]) -> PullInfo:
    return PullInfo(
        number=int(data["number"]),
        author=str(data["user"]["login"]),
        head_sha=str(data["head"]["sha"]),
        open=data.get("state") == "open",
    )


def read_pull(github: Client, repository: str, number: int) -> PullInfo | None:
    try:
        return _pull(github.get(f"/repos/{repository}/pulls/{number}").data)
    except NotFound:
        return None


def pull_for_head(github: Client, repository: str, sha: str) -> PullInfo | None:
    """The open pull request whose head is ``sha`` (forks included), if any."""
    try:
        listed = github.get(f"/repos/{repository}/commits/{sha}/pulls").data
    except TRANSIENT_ERRORS:
        raise
    except GitHubError:
        return None
    heads = [_pull(p) for p in listed if isinstance(p, dict) and p.get("head", {}).get("sha") == sha]
    return next((p for p in heads if p.open), None)


def pushed_to(github: Client, repository: str, number: int, login: str) -> bool:
    """Whether ``login`` authored or committed any commit of the pull request."""
    wanted = login.lower()
    for commit in github.paginate(f"/repos/{repository}/pulls/{number}/commits"):
        people = (_login(commit.get("author")), _login(commit.get("committer")))
        if any(person and person.lower() == wanted for person in people):
            return True
    return False


def read_workflow(github: Client, repository: str, path: str, ref: str) -> bytes | None:
    """The workflow file at ``ref``; None when absent there."""
    return read_file(github, repository, path, ref).content


def _optional(github: Client, path: str, unreadable: list[str], name: str) -> Any:
    try:
        return github.get(path).data
    except TRANSIENT_ERRORS:
        raise
    except (NotFound, Forbidden):
        unreadable.append(name)
        return None


def actions_settings(github: Client, repository: str, visibility: str) -> ActionsSettings:
    """The Actions settings that decide what forks get; unanswered ones are listed as unreadable."""
    base = f"/repos/{urllib.parse.quote(repository, safe='/')}/actions/permissions"
    unreadable: list[str] = []
    approval = _optional(
        github, f"{base}/fork-pr-contributor-approval", unreadable, "the fork approval policy"
    )
    private = None
    if visibility != "public":
        private = _optional(
            github, f"{base}/fork-pr-workflows-private-repos", unreadable, "the private fork settings"
        )
    token = _optional(github, f"{base}/workflow", unreadable, "the default token permissions")
    return ActionsSettings(
        repository=repository,
        visibility=visibility,
        approval_policy=approval.get("approval_policy") if approval else None,
        private_forks=private,
        default_permissions=token.get("default_workflow_permissions") if token else None,
        can_approve_reviews=token.get("can_approve_pull_request_reviews") if token else None,
        unreadable=tuple(unreadable),
    )
