"""``GET /user``: the person a user access token (from the OAuth web flow) acts for."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import private_user_json


def get_authenticated(request: Request) -> Reply:
    login = request.identity.login
    assert login is not None
    return Reply(200, private_user_json(request.api, request.state.account(login, "User")))


def register(router: Router) -> None:
    router.add("users/get-authenticated", get_authenticated, auth="user")
