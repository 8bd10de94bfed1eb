"""Commits: the pull requests associated with a commit, and a git commit with its signature verification."""

from __future__ import annotations

from typing import Any

from tests.github_double.commit_shapes import git_people_json, parents_json, verification_json
from tests.github_double.pull_shapes import pull_request_simple_json
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.shapes import WEB
from tests.github_double.state import Commit, PullRequest, Repo, node_id


def _reachable(repo: Repo, start: str) -> set[str]:
    seen: set[str] = set()
    pending = [start]
    while pending:
        sha = pending.pop()
        if sha in seen or sha not in repo.commits:
            continue
        seen.add(sha)
        pending.extend(repo.commits[sha].parents)
    return seen


def _introduced_by(repo: Repo, pull: PullRequest, sha: str) -> bool:
    """The commit is the pull request's merge commit, or one of its own commits."""
    if pull.merge_commit_sha == sha:
        return True
    return sha in _reachable(repo, pull.head_sha) - _reachable(repo, pull.base_sha)


def pulls_for_commit(request: Request) -> Reply:
    """Merged pull requests that brought a default-branch commit in; open ones for any other commit."""
    repo = request.repo()
    request.require("pull_requests", "read")
    sha = request.params["commit_sha"]
    commit = repo.resolve(sha)
    if commit is None:
        raise request.error(422, f"No commit found for SHA: {sha}")
    on_default = commit.sha in _reachable(repo, repo.refs[f"refs/heads/{repo.default_branch}"])
    pulls = [
        pull
        for (repo_id, _), pull in sorted(request.state.pulls.items())
        if repo_id == repo.id and pull.merged == on_default and _introduced_by(repo, pull, commit.sha)
    ]
    return paginated(request, [pull_request_simple_json(request.api, request.state, repo, p) for p in pulls])


def _git_commit_json(api: str, repo: Repo, commit: Commit, signed: bool) -> dict[str, Any]:
    url = f"{api}/repos/{repo.full_name}/git/commits/{commit.sha}"
    return {
        "sha": commit.sha,
        "node_id": node_id("Commit", int(commit.sha[:7], 16)),
        "url": url,
        "html_url": f"{WEB}/{repo.full_name}/commit/{commit.sha}",
        **git_people_json(commit),
        "message": commit.message,
        "tree": {"sha": commit.sha, "url": f"{api}/repos/{repo.full_name}/git/trees/{commit.sha}"},
        "parents": parents_json(api, repo, commit, git=True),
        "verification": verification_json(commit, signed),
    }


def get_git_commit(request: Request) -> Reply:
    repo = request.repo()
    request.require("contents", "read")
    sha = request.params["commit_sha"]
    commit = repo.commits.get(sha)
    if commit is None:
        raise request.error(404, "Not Found")
    return Reply(200, _git_commit_json(request.api, repo, commit, sha in request.state.signed))


def register(router: Router) -> None:
    router.add("repos/list-pull-requests-associated-with-commit", pulls_for_commit)
    router.add("git/get-commit", get_git_commit)
