"""Repository metadata."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import repository_json


def get_repo(request: Request) -> Reply:
    return Reply(200, repository_json(request.api, request.repo()))


def register(router: Router) -> None:
    router.add("repos/get", get_repo)
