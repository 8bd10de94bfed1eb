"""Comments on issues and pull requests (a pull request's conversation is its issue's)."""

from __future__ import annotations

from tests.github_double.actions_state import Comment
from tests.github_double.routing import Reply, Request, Router
from tests.github_double.shapes import WEB, account_json, iso
from tests.github_double.state import node_id


def create_comment(request: Request) -> Reply:
    repo = request.repo()
    token = request.identity.token
    if token is None or not {"issues", "pull_requests"} & {
        k for k, v in token.permissions.items() if v == "write"
    }:
        raise request.error(403, "Resource not accessible by integration")
    number = request.int_param("issue_number")
    if (repo.id, number) not in request.state.pulls:
        raise request.error(404, "Not Found")
    app = request.app()
    comment = Comment(request.state.next_id(), repo.id, number, request.body["body"], f"{app.slug}[bot]")
    request.state.actions.comments.append(comment)
    issue = f"{request.api}/repos/{repo.full_name}/issues/{number}"
    bot = request.state.account(f"{app.slug}-bot", "Bot")
    body = {
        "id": comment.id,
        "node_id": node_id("IssueComment", comment.id),
        "url": f"{request.api}/repos/{repo.full_name}/issues/comments/{comment.id}",
        "html_url": f"{WEB}/{repo.full_name}/pull/{number}#issuecomment-{comment.id}",
        "body": comment.body,
        "user": account_json(request.api, bot) | {"login": comment.user, "type": "Bot"},
        "created_at": iso(request.double.now()),
        "updated_at": iso(request.double.now()),
        "issue_url": issue,
        "author_association": "NONE",
    }
    return Reply(201, body)


def register(router: Router) -> None:
    router.add("issues/create-comment", create_comment)
