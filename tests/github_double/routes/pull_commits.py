"""A pull request's commits, with who authored them (``set_commit_author``; else the PR's author)."""

from __future__ import annotations

from typing import Any

from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.shapes import WEB, account_json
from tests.github_double.state import Repo, State, node_id


def _commits(repo: Repo, head: str, base: str) -> list[str]:
    """The commits reachable from ``head`` but not from ``base``, oldest first (first parents)."""
    chain, sha = [], head
    while sha and sha != base and sha in repo.commits:
        chain.append(sha)
        parents = repo.commits[sha].parents
        sha = parents[0] if parents else ""
    return list(reversed(chain))


def _commit_json(api: str, state: State, repo: Repo, sha: str, author: str) -> dict[str, Any]:
    person = account_json(api, state.account(author, "User"))
    identity = {"name": author, "email": f"{author}@users.noreply.github.com", "date": "2026-01-02T03:04:05Z"}
    url = f"{api}/repos/{repo.full_name}/commits/{sha}"
    return {
        "url": url,
        "sha": sha,
        "node_id": node_id("Commit", int(sha[:8], 16)),
        "html_url": f"{WEB}/{repo.full_name}/commit/{sha}",
        "comments_url": f"{url}/comments",
        "commit": {
            "url": f"{api}/repos/{repo.full_name}/git/commits/{sha}",
            "author": identity,
            "committer": identity,
            "message": repo.commits[sha].message,
            "comment_count": 0,
            "tree": {"sha": sha, "url": f"{api}/repos/{repo.full_name}/git/trees/{sha}"},
        },
        "author": person,
        "committer": person,
        "parents": [
            {"sha": p, "url": f"{api}/repos/{repo.full_name}/commits/{p}"} for p in repo.commits[sha].parents
        ],
    }


def list_commits(request: Request) -> Reply:
    repo = request.repo()
    request.require("pull_requests", "read")
    pull = request.state.pulls.get((repo.id, request.int_param("pull_number")))
    if pull is None:
        raise request.error(404, "Not Found")
    authors = request.state.actions.commit_authors
    items = [
        _commit_json(request.api, request.state, repo, sha, authors.get(sha, pull.user.login))
        for sha in _commits(repo, pull.head_sha, pull.base_sha)
    ]
    return paginated(request, items)


def register(router: Router) -> None:
    router.add("pulls/list-commits", list_commits)
