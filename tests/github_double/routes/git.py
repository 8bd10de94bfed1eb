"""Git references."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import git_ref_json


def get_ref(request: Request) -> Reply:
    repo = request.repo()
    request.require("contents", "read")
    ref = "refs/" + request.params["ref"].removeprefix("refs/")
    if ref not in repo.refs:
        raise request.error(404, "Not Found")
    return Reply(200, git_ref_json(request.api, repo, ref, repo.refs[ref]))


def create_ref(request: Request) -> Reply:
    repo = request.repo()
    request.require("contents", "write")
    ref, sha = request.body["ref"], request.body["sha"]
    if not ref.startswith("refs/") or ref.count("/") < 2:
        raise request.error(
            422, f"Reference name '{ref}' is not valid: it must start with 'refs/' and have two slashes"
        )
    if ref in repo.refs:
        raise request.error(422, "Reference already exists")
    if sha not in repo.commits:
        raise request.error(422, "Object does not exist")
    repo.refs[ref] = sha
    body = git_ref_json(request.api, repo, ref, sha)
    return Reply(201, body, {"Location": body["url"]})


def register(router: Router) -> None:
    router.add("git/get-ref", get_ref)
    router.add("git/create-ref", create_ref)
