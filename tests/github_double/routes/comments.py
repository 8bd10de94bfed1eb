"""Comments on pull requests (a pull request's conversation is its issue's)."""

from __future__ import annotations

from tests.github_double.actions_state import Comment
from tests.github_double.routes.issues import _require_write
from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import WEB, account_json, iso
from tests.github_double.state import node_id


def create_comment(request: Request) -> Reply:
    repo = request.repo()
    _require_write(request)
    number = request.int_param("issue_number")
    if (repo.id, number) not in request.state.pulls:
        raise request.error(404, "Not Found")
    app = request.app()
    comment = Comment(request.state.next_id(), repo.id, number, request.body["body"], f"{app.slug}[bot]")
    request.state.actions.comments.append(comment)
    bot = request.state.account(f"{app.slug}-bot", "Bot")
    now = iso(request.double.now())
    body = {
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "url": f"{request.api}/repos/{repo.full_name}/issues/comments/{comment.id}",
        "html_url": f"{WEB}/{repo.full_name}/pull/{number}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": account_json(request.api, bot) | {"login": comment.user, "type": "Bot"},
        "created_at": now,
        "updated_at": now,
        "issue_url": f"{request.api}/repos/{repo.full_name}/issues/{number}",
        "author_association": "NONE",
    }
    return Reply(201, body)


def register(router: Router) -> None:
    router.add("issues/create-comment", create_comment)
