"""Issue labels on pull requests: adding labels (created in the repository on first use)."""

from __future__ import annotations

from typing import Any

from tests.github_double.review_shapes import pull_labels_json
from tests.github_double.review_state import Label
from tests.github_double.routing import LEVELS, Reply, Request, Router


def _names(body: dict[str, Any]) -> list[str]:
    """The names in ``{"labels": [...]}`` (strings or ``{name}``); a ``suggest``ed label is not applied."""
    items = body.get("labels", [])
    return [
        item["name"] if isinstance(item, dict) else item
        for item in items
        if not (isinstance(item, dict) and item.get("suggest"))
    ]


def _require_write(request: Request) -> None:
    """GitHub accepts ``issues: write`` or ``pull_requests: write`` for a pull request's labels."""
    token = request.identity.token
    granted = token.permissions if token else {}
    if not any(
        LEVELS.get(granted.get(name, ""), 0) >= LEVELS["write"] for name in ("issues", "pull_requests")
    ):
        raise request.error(403, "Resource not accessible by integration")


def add_labels(request: Request) -> Reply:
    repo = request.repo()
    _require_write(request)
    pull = request.state.pulls.get((repo.id, request.int_param("issue_number")))
    if pull is None:
        raise request.error(404, "Not Found")
    for name in _names(request.body):
        key = (repo.id, name.lower())
        label = request.state.labels.setdefault(key, Label(request.state.next_id(), repo.id, name))
        if label.name not in pull.labels:
            pull.labels.append(label.name)
    return Reply(200, pull_labels_json(request.api, request.state, repo, pull.labels))


def register(router: Router) -> None:
    router.add("issues/add-labels", add_labels)
