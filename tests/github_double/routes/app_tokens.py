"""``DELETE /applications/{client_id}/token``: the App revokes one of its users' OAuth tokens."""

from __future__ import annotations

from tests.github_double.routing import Reply, Request, Router


def delete_token(request: Request) -> Reply:
    app = request.app()
    if request.params["client_id"] != app.client_id:
        raise request.error(404, "Not Found")
    token = (request.body or {}).get("access_token", "")
    if request.state.user_tokens.pop(token, None) is None:
        raise request.error(404, "Not Found")
    return Reply(204, None)


def register(router: Router) -> None:
    router.add("apps/delete-token", delete_token, auth="client")
