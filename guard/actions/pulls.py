"""Helpful writes on pull requests: review requests and labels (failures never change a verdict)."""

from __future__ import annotations

from guard.actions.registry import ActionContext, executes
from policies.pipeline_review.actions import AddLabels, RequestReviews


@executes(RequestReviews)
def request_reviews(action: RequestReviews, ctx: ActionContext) -> str:
    body = {"reviewers": list(action.users), "team_reviewers": list(action.teams)}
    ctx.github.post(f"/repos/{action.repository}/pulls/{action.number}/requested_reviewers", body)
    return f"asked {', '.join([*action.teams, *action.users])} to review"


@executes(AddLabels)
def add_labels(action: AddLabels, ctx: ActionContext) -> str:
    ctx.github.post(
        f"/repos/{action.repository}/issues/{action.number}/labels", {"labels": list(action.labels)}
    )
    return f"labelled {', '.join(action.labels)}"
