"""Webhook payloads built from the double's state and checked against GitHub's webhook schemas.

Scenario tests post these through the guard's receiver, so the event the guard sees and the state
the double answers with always agree. Every builder validates its payload before returning it.
"""

from __future__ import annotations

from typing import Any

from tests.github_double.double import GitHubDouble
from tests.github_double.pull_shapes import pull_request_json
from tests.github_double.pulls import changed_files
from tests.github_double.schema import validate_webhook
from tests.github_double.shapes import account_json, repository_json
from tests.github_double.state import Repo


def _envelope(double: GitHubDouble, repo: Repo, sender: str) -> dict[str, Any]:
    installation = double.state.installation_for(repo.owner)
    repository = repository_json(double.base_url, repo, full=False)
    repository["has_discussions"] = False
    body: dict[str, Any] = {
        "repository": repository,
        "sender": account_json(double.base_url, double.state.account(sender, "User")),
    }
    if repo.owner.type == "Organization":
        body["organization"] = _organization(double, repo)
    if installation is not None:
        body["installation"] = {
            "id": installation.id,
            "node_id": f"MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u{installation.id}",
        }
    return body


def _organization(double: GitHubDouble, repo: Repo) -> dict[str, Any]:
    api, login = double.base_url, repo.owner.login
    return {
        "login": login,
        "id": repo.owner.id,
        "node_id": f"MDEyOk9yZ2FuaXphdGlvbj{repo.owner.id}",
        "url": f"{api}/orgs/{login}",
        "repos_url": f"{api}/orgs/{login}/repos",
        "events_url": f"{api}/orgs/{login}/events",
        "hooks_url": f"{api}/orgs/{login}/hooks",
        "issues_url": f"{api}/orgs/{login}/issues",
        "members_url": f"{api}/orgs/{login}/members{{/member}}",
        "public_members_url": f"{api}/orgs/{login}/public_members{{/member}}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{repo.owner.id}?v=4",
        "description": None,
    }


def pull_request(
    double: GitHubDouble, repo: str, number: int, action: str, *, sender: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A ``pull_request`` delivery for the pull request as the double holds it now.

    ``synchronize`` needs ``before=`` and ``after=``; ``edited`` with a new base needs ``changes=``.
    """
    with double.state.lock:
        target = double._repo(repo)
        pull = double.pull(target, number)
        head_repo = double.state.repo_by_id(pull.head_repo_id) or target
        body = _envelope(double, target, sender or pull.user.login)
        pr = pull_request_json(double.base_url, target, head_repo, pull, len(changed_files(target, pull)))
    for side in ("head", "base"):
        pr[side]["repo"]["has_discussions"] = False
    payload = {"action": action, "number": number, "pull_request": pr, **body, **extra}
    validate_webhook("pull_request", action, payload)
    return payload


def push(
    double: GitHubDouble,
    repo: str,
    ref: str,
    before: str,
    after: str,
    *,
    pusher: str = "octocat",
    forced: bool = False,
) -> dict[str, Any]:
    """A ``push`` delivery moving ``ref`` from ``before`` to ``after`` (``"0" * 40`` creates or deletes)."""
    zero = "0" * 40
    with double.state.lock:
        target = double._repo(repo)
        commits = [] if after == zero else _commits_between(double, target, before, after)
        body = _envelope(double, target, pusher)
    payload = {
        "ref": ref,
        "before": before,
        "after": after,
        "created": before == zero,
        "deleted": after == zero,
        "forced": forced,
        "base_ref": None,
        "compare": f"https://github.com/{repo}/compare/{before[:12]}...{after[:12]}",
        "commits": commits,
        "head_commit": commits[-1] if commits else None,
        "pusher": {"name": pusher, "email": f"{pusher}@users.noreply.github.com"},
        **body,
    }
    validate_webhook("push", None, payload)
    return payload


def _commits_between(double: GitHubDouble, repo: Repo, before: str, after: str) -> list[dict[str, Any]]:
    """The commits reachable from ``after`` but not ``before``, oldest first, with their file lists."""
    chain, sha = [], after
    while sha and sha != before and sha in repo.commits:
        commit = repo.commits[sha]
        chain.append(commit)
        sha = commit.parents[0] if commit.parents else ""
    entries = []
    for commit in reversed(chain):
        parent = repo.commits[commit.parents[0]].tree if commit.parents else {}
        entries.append(
            {
                "id": commit.sha,
                "tree_id": commit.sha,
                "distinct": True,
                "message": commit.message,
                "timestamp": "2026-01-02T03:04:05Z",
                "url": f"https://github.com/{repo.full_name}/commit/{commit.sha}",
                "author": {"name": "Octo Cat", "email": "octocat@github.com", "username": "octocat"},
                "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
                "added": sorted(p for p in commit.tree if p not in parent),
                "removed": sorted(p for p in parent if p not in commit.tree),
                "modified": sorted(
                    p for p, b in commit.tree.items() if p in parent and parent[p].sha != b.sha
                ),
            }
        )
    return entries
