"""Comparing two commits (``base...head``): how far apart they are, the commits and files in between."""

from __future__ import annotations

from tests.github_double.commit_shapes import commit_json
from tests.github_double.pull_shapes import diff_entry_json
from tests.github_double.pulls import commits_between, merge_base, tree_diff
from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import WEB
from tests.github_double.state import Commit, Repo

MAX_COMPARED_COMMITS = 250
MAX_COMPARED_FILES = 300


def _resolve(request: Request, repo: Repo, name: str) -> Commit:
    """A ref or SHA, optionally written ``owner:ref`` as GitHub accepts; 404 when unknown."""
    owner, _, ref = name.rpartition(":")
    commit = repo.resolve(ref) if owner.lower() in ("", repo.owner.login.lower()) else None
    if commit is None:
        raise request.error(404, "Not Found")
    return commit


def _status(ahead: int, behind: int) -> str:
    if ahead and behind:
        return "diverged"
    return "ahead" if ahead else ("behind" if behind else "identical")


def compare(request: Request) -> Reply:
    repo = request.repo()
    request.require("contents", "read")
    basehead = request.params["basehead"]
    if "..." not in basehead:
        raise request.error(404, "Not Found")
    base_name, _, head_name = basehead.partition("...")
    base, head = _resolve(request, repo, base_name), _resolve(request, repo, head_name)
    start = merge_base(repo, base.sha, head.sha)
    if start is None:
        raise request.error(404, f"No common ancestor between {base_name} and {head_name}.")
    ahead = commits_between(repo, base.sha, head.sha)
    behind = commits_between(repo, head.sha, base.sha)
    files = tree_diff(start.tree, head.tree)[:MAX_COMPARED_FILES]
    api, state, html = request.api, request.state, f"{WEB}/{repo.full_name}/compare/{basehead}"
    owner = repo.owner.login
    body = {
        "url": f"{api}/repos/{repo.full_name}/compare/{basehead}",
        "html_url": html,
        "permalink_url": f"{WEB}/{repo.full_name}/compare/{owner}:{base.sha}...{owner}:{head.sha}",
        "diff_url": f"{html}.diff",
        "patch_url": f"{html}.patch",
        "base_commit": commit_json(api, state, repo, base),
        "merge_base_commit": commit_json(api, state, repo, start),
        "status": _status(len(ahead), len(behind)),
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [commit_json(api, state, repo, c) for c in ahead[:MAX_COMPARED_COMMITS]],
        "files": [diff_entry_json(api, repo, head.sha, entry) for entry in files],
    }
    return Reply(200, body)


def register(router: Router) -> None:
    router.add("repos/compare-commits-with-basehead", compare)
