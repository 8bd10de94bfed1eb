"""The review gate: pull requests that change pipeline files need an independent approval of their head.

Every event that can change the verdict re-evaluates the pull request as GitHub has it now (so a late or
out-of-order delivery never posts a result for an older head or another base): pull request and review
events, the check's "Re-evaluate" button and re-runs, merge groups, membership and team changes, and an
hourly sweep of open pull requests. A merge while the check was not green raises a critical alert.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from guard.engine import Context
from guard.events import (
    CheckRunEvent,
    GenericEvent,
    MergeGroupEvent,
    PullRequestEvent,
    PullRequestReviewEvent,
)
from guard.review_facts import Pull, forget_standings
from guard.review_gate import PullRef, evaluate, evaluate_pull, merge_group, record_of, with_push
from guard.routing import Router
from policies.base import Action, Decision, DeleteState
from policies.pipeline_review.decide import CHECK_NAME, NAMESPACE, POLICY, bypass_alert, record_key

SWEEP_EVERY = 3600.0
PUSH_ACTIONS = ("opened", "synchronize")
_QUEUE_REF = re.compile(r"^(?:refs/heads/)?gh-readonly-queue/.+/pr-(\d+)-[0-9a-f]{40}$")

router = Router(
    permissions={"pull_requests": "write", "checks": "write", "contents": "read", "members": "read"}
)


@router.on("pull_request", "opened", "synchronize", "reopened", "ready_for_review", "edited", policy=POLICY)
def on_pull_request(event: PullRequestEvent, ctx: Context) -> Iterable[Decision]:
    if event.action == "edited" and event.previous_base_ref is None:
        return []
    ref = PullRef(event.repository.full_name, event.number, event.repository.default_branch)
    record = record_of(ctx, ref)
    if event.action in PUSH_ACTIONS and event.sender is not None:
        record = with_push(record, event.pull_request.head.sha, event.sender.login)
    return evaluate(ctx, ref, record)


@router.on("pull_request_review", "submitted", "edited", "dismissed", policy=POLICY)
def on_review(event: PullRequestReviewEvent, ctx: Context) -> Iterable[Decision]:
    repo = event.repository
    return evaluate(ctx, PullRef(repo.full_name, event.pull_request.number, repo.default_branch))


@router.on("check_run", "rerequested", "requested_action", policy=POLICY)
def on_check_run(event: CheckRunEvent, ctx: Context) -> Iterable[Decision]:
    run = event.check_run
    ours = ctx.app()
    if run.name != CHECK_NAME or (ours is not None and run.app is not None and run.app.id != ours.id):
        return []
    if event.action == "requested_action" and event.requested_action != "reevaluate":
        return []
    repo = event.repository
    forget_standings(ctx.state, repo.owner)  # someone asked: read reviewers' standing afresh
    numbers = {pr.number for pr in run.pull_requests} or _numbers_with_head(ctx, repo.full_name, run.head_sha)
    return [
        d for n in sorted(numbers) for d in evaluate(ctx, PullRef(repo.full_name, n, repo.default_branch))
    ]


@router.on("merge_group", "checks_requested", policy=POLICY)
def on_merge_group(event: MergeGroupEvent, ctx: Context) -> Iterable[Decision]:
    """Judge the merge group's head for real: its pull request must be approved, and the group must
    change no pipeline file that the pull request does not."""
    if event.repository is None:
        return []
    queued = _QUEUE_REF.match(event.merge_group.head_ref)
    return merge_group(ctx, event.repository, event.merge_group, int(queued.group(1)) if queued else None)


@router.on("pull_request", "closed", policy=POLICY)
def on_closed(event: PullRequestEvent, ctx: Context) -> Iterable[Decision]:
    """Watch for merges that bypassed the gate, then forget the pull request."""
    pr = event.pull_request
    repo = event.repository
    ref = PullRef(repo.full_name, event.number, repo.default_branch)
    record = record_of(ctx, ref)
    forget = DeleteState(NAMESPACE, record_key(ref.repository, ref.number))
    if not pr.merged:
        return [Decision(POLICY, f"#{event.number} closed without merging", actions=(forget,))]
    conclusion = _conclusion_at_merge(ctx, ref, record, pr.head.sha)
    merged_by = pr.merged_by.login if pr.merged_by else (event.sender.login if event.sender else None)
    actions: list[Action] = [forget]
    summary = f"#{event.number} merged with {CHECK_NAME} {conclusion}"
    if conclusion not in ("success", "none"):
        actions.insert(0, bypass_alert(ref.repository, ref.number, merged_by, conclusion))
    return [Decision(POLICY, summary, actions=tuple(actions))]


@router.on("membership", policy=POLICY)
@router.on("team", policy=POLICY)
def on_reviewers_changed(event: GenericEvent, ctx: Context) -> Iterable[Decision]:
    """Someone joined or left a team: re-evaluate the organisation's open pull requests the guard tracks."""
    if event.organization is None:
        return []
    forget_standings(ctx.state, event.organization)
    tracked = ctx.state.items(NAMESPACE, prefix=f"{event.organization.lower()}/")
    refs = [
        PullRef(record["repository"], int(key.rsplit("#", 1)[1]), record["default_branch"])
        for key, record in sorted(tracked.items())
        if record.get("touches_pipeline") and record.get("repository")
    ]
    return [decision for ref in refs for decision in evaluate(ctx, ref)]


@router.sweep(POLICY, every=SWEEP_EVERY, policy=POLICY)
def on_sweep(event: GenericEvent, ctx: Context) -> Iterable[Decision]:
    """Repair missing or stale checks: evaluate every open pull request of the repository."""
    repo = event.repository
    if repo is None:
        return []
    listed = ctx.github.paginate(f"/repos/{repo.full_name}/pulls", {"state": "open"})
    numbers = sorted(int(item["number"]) for item in listed)
    return [d for n in numbers for d in evaluate(ctx, PullRef(repo.full_name, n, repo.default_branch))]


def _numbers_with_head(ctx: Context, repository: str, sha: str) -> set[int]:
    tracked = ctx.state.items(NAMESPACE, prefix=f"{repository.lower()}#")
    found = {int(key.rsplit("#", 1)[1]) for key, record in tracked.items() if record.get("head") == sha}
    if found:
        return found
    listed = ctx.github.get(f"/repos/{repository}/commits/{sha}/pulls").data
    return {int(item["number"]) for item in listed or [] if item.get("state") == "open"}


def _conclusion_at_merge(ctx: Context, ref: PullRef, record: dict[str, object], head: str) -> str:
    """The gate's verdict for the merged head: remembered, or evaluated now if it never was."""
    if record.get("head") == head and isinstance(record.get("conclusion"), str):
        return str(record["conclusion"])
    pull = Pull.read(ctx.github, ref.repository, ref.number)
    decision = evaluate_pull(ctx, ref, pull, record)
    if decision is None:
        return "none"
    verdict = decision.facts.get("verdict")
    return str(getattr(verdict, "conclusion", "failure"))
