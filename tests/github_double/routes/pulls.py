"""Pull requests: one pull request, and its files (GitHub stops listing at 3,000)."""

from __future__ import annotations

from tests.github_double.pull_shapes import diff_entry_json, pull_request_json
from tests.github_double.pulls import changed_files
from tests.github_double.routing import Reply, Request, Router, paginated
from tests.github_double.state import PullRequest, Repo

MAX_LISTED_FILES = 3000


def _pull(request: Request) -> tuple[Repo, PullRequest]:
    repo = request.repo()
    request.require("pull_requests", "read")
    pull = request.state.pulls.get((repo.id, int(request.params["pull_number"])))
    if pull is None:
        raise request.error(404, "Not Found")
    return repo, pull


def get_pull(request: Request) -> Reply:
    repo, pull = _pull(request)
    head_repo = request.state.repo_by_id(pull.head_repo_id) or repo
    files = len(changed_files(repo, pull))
    return Reply(200, pull_request_json(request.api, repo, head_repo, pull, files))


def list_files(request: Request) -> Reply:
    repo, pull = _pull(request)
    entries = changed_files(repo, pull)[:MAX_LISTED_FILES]
    return paginated(request, [diff_entry_json(request.api, repo, pull.head_sha, e) for e in entries])


def register(router: Router) -> None:
    router.add("pulls/get", get_pull)
    router.add("pulls/list-files", list_files)
