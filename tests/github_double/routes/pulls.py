"""Pull requests: list, one pull request, its files (GitHub stops listing at 3,000) and its commits (250)."""

from __future__ import annotations

from tests.github_double.commit_shapes import commit_json
from tests.github_double.pull_shapes import diff_entry_json, pull_request_json, pull_request_simple_json
from tests.github_double.pulls import changed_files, commits_between
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.state import PullRequest, Repo

MAX_LISTED_FILES = 3000
MAX_LISTED_COMMITS = 250
PULL_STATES = ("open", "closed", "all")


def pull_of(request: Request) -> tuple[Repo, PullRequest]:
    """The path's repository and pull request (404 when either is unknown); needs ``pull_requests: read``."""
    repo = request.repo()
    request.require("pull_requests", "read")
    pull = request.state.pulls.get((repo.id, request.int_param("pull_number")))
    if pull is None:
        raise request.error(404, "Not Found")
    return repo, pull


def get_pull(request: Request) -> Reply:
    repo, pull = pull_of(request)
    return Reply(200, pull_request_json(request.api, request.state, repo, pull))


def list_files(request: Request) -> Reply:
    repo, pull = pull_of(request)
    entries = changed_files(repo, pull)[:MAX_LISTED_FILES]
    return paginated(request, [diff_entry_json(request.api, repo, pull.head_sha, e) for e in entries])


def list_commits(request: Request) -> Reply:
    """The pull request's commits, oldest first; GitHub lists no more than 250."""
    repo, pull = pull_of(request)
    commits = commits_between(repo, pull.base_sha, pull.head_sha)[:MAX_LISTED_COMMITS]
    return paginated(request, [commit_json(request.api, request.state, repo, c) for c in commits])


def _matches(request: Request, repo: Repo, pull: PullRequest) -> bool:
    query = request.query
    state = query.get("state", "open")
    if state not in ("all", pull.state):
        return False
    if "base" in query and pull.base_ref != query["base"]:
        return False
    head_repo = request.state.repo_by_id(pull.head_repo_id) or repo
    owner, _, ref = query.get("head", "").rpartition(":")
    wanted = (owner or head_repo.owner.login).lower(), ref
    return "head" not in query or wanted == (head_repo.owner.login.lower(), pull.head_ref)


def list_pulls(request: Request) -> Reply:
    """Pull requests filtered by ``state``, ``base`` and ``head`` (``owner:branch``), newest first."""
    repo = request.repo()
    request.require("pull_requests", "read")
    if request.query.get("state", "open") not in PULL_STATES:
        raise request.error(422, "Validation Failed")
    found = [p for (repo_id, _), p in request.state.pulls.items() if repo_id == repo.id]
    found = sorted((p for p in found if _matches(request, repo, p)), key=lambda p: p.number)
    if request.query.get("direction", "desc") == "desc":
        found.reverse()
    return paginated(request, [pull_request_simple_json(request.api, request.state, repo, p) for p in found])


def register(router: Router) -> None:
    router.add("pulls/get", get_pull)
    router.add("pulls/list", list_pulls)
    router.add("pulls/list-files", list_files)
    router.add("pulls/list-commits", list_commits)
