"""Executors of the fork-safety actions: deployment reviews, cancel and force-cancel, re-runs, comments.

A cancel is remembered per run attempt (several deliveries about one run cancel it once) and schedules
its follow-up as an internal ``guard_fork_safety`` delivery due ``force_after`` seconds later, so no
worker waits: the follow-up force-cancels the run if it is still going.
"""

from __future__ import annotations

import json

from guard import metrics
from guard.actions.registry import ActionContext, executes
from guard.alerts import AlertContext
from guard.errors import TRANSIENT_ERRORS
from guard.github import Conflict, GitHubError
from guard.inbox import Inbox, IncomingDelivery
from guard.redact import redact
from policies.base import AlertSpec, Severity
from policies.fork_secrets.actions import (
    CancelRun,
    ForceCancelRun,
    PostComment,
    RememberRun,
    RerunRun,
    ReviewDeployment,
)
from policies.fork_secrets.ancestry import NAMESPACE as ANCESTRY
from policies.fork_secrets.ancestry import SeenRun, bucket, bucket_key, with_run
from policies.fork_secrets.report import POLICY

CANCELS = "fork_cancels"
FOLLOW_UP_EVENT = "guard_fork_safety"
FORCE_CANCEL = "force_cancel"


def _runs(repository: str, run_id: int) -> str:
    return f"/repos/{repository}/actions/runs/{run_id}"


def _since_delivery(ctx: ActionContext, action: str) -> str:
    """Record how long after the delivery arrived the request went out; '' when that is unknown."""
    if not ctx.received_at:
        return ""
    seconds = ctx.state.clock() - ctx.received_at
    metrics.fork_response(action, seconds)
    return f" {seconds * 1000:.0f} ms after the delivery arrived"


@executes(ReviewDeployment)
def review_deployment(action: ReviewDeployment, ctx: ActionContext) -> str:
    """Send the verdict; when GitHub refuses it the job keeps waiting, so the feed says so."""
    state = "approved" if action.approve else "rejected"
    body = {"environment_name": action.environment, "state": state, "comment": action.comment}
    path = f"{_runs(action.repository, action.run_id)}/deployment_protection_rule"
    try:
        ctx.github.post(path, body, idempotent=True)
    except GitHubError as exc:
        alert = _undelivered(action, exc, retried=isinstance(exc, TRANSIENT_ERRORS))
        ctx.alerts.raise_alert(alert, AlertContext(ctx.delivery_id, ctx.organisation))
        raise
    took = _since_delivery(ctx, "deployment_verdict")
    return f"deployment of run {action.run_id} to {action.environment} {state}{took}"


def _undelivered(action: ReviewDeployment, exc: GitHubError, *, retried: bool) -> AlertSpec:
    then = (
        "The delivery is retried."
        if retried
        else "It is not retried: check that the guard's App is this environment's deployment protection "
        "rule (`guard env enrol`) and has *Deployments: write*."
    )
    verdict = "approval" if action.approve else "rejection"
    return AlertSpec(
        severity=Severity.HIGH,
        policy=POLICY,
        rule="deployment-verdict-undelivered",
        title=f"The {verdict} of run {action.run_id}'s deployment to {action.environment} in "
        f"{action.repository} did not reach GitHub",
        details=f"GitHub refused the {verdict}: {redact(str(exc))}\n\nThe job keeps waiting for the rule "
        f"(it fails closed). {then}",
        repository=action.repository,
        subject=f"deployment:{action.run_id}:{action.environment}",
        action_taken="no verdict delivered",
    )


@executes(CancelRun)
def cancel_run(action: CancelRun, ctx: ActionContext) -> str:
    marker = f"{action.repository.lower()}#{action.run_id}#{action.run_attempt}"
    earlier = ctx.state.get(CANCELS, marker)
    if earlier is not None:
        return f"run {action.run_id} was already cancelled by delivery {earlier.get('delivery')}"
    verb = "force-cancel" if action.force else "cancel"
    try:
        ctx.github.post(f"{_runs(action.repository, action.run_id)}/{verb}", idempotent=True)
    except Conflict:
        return f"run {action.run_id} had already finished: nothing to {verb}"
    took = _since_delivery(ctx, "cancel")
    ctx.state.put(CANCELS, marker, {"delivery": ctx.delivery_id, "at": ctx.state.clock(), "method": verb})
    if action.force:
        return f"force-cancel of run {action.run_id} requested{took}"
    due = _schedule_follow_up(action, ctx)
    then = f"force-cancel check due in {action.force_after}s ({due})"
    return f"cancel of run {action.run_id} requested{took}; {then}"


def _schedule_follow_up(action: CancelRun, ctx: ActionContext) -> str:
    """Queue the internal delivery that force-cancels the run if it outlives the wait."""
    payload = {
        "action": FORCE_CANCEL,
        "installation": {"id": action.installation_id},
        "fork_run": {
            "repository": action.repository,
            "run_id": action.run_id,
            "run_attempt": action.run_attempt,
            "waited": action.force_after,
        },
    }
    delivery = IncomingDelivery(
        delivery_id=f"fork-force-cancel:{action.repository.lower()}:{action.run_id}:{action.run_attempt}",
        event=FOLLOW_UP_EVENT,
        payload=json.dumps(payload),
        action=FORCE_CANCEL,
        installation_id=action.installation_id,
        repository=action.repository,
        source="internal",
        not_before=ctx.state.clock() + action.force_after,
    )
    return Inbox(ctx.state.db, clock=ctx.state.clock).put(delivery).value


@executes(ForceCancelRun)
def force_cancel_run(action: ForceCancelRun, ctx: ActionContext) -> str:
    try:
        ctx.github.post(f"{_runs(action.repository, action.run_id)}/force-cancel", idempotent=True)
    except Conflict:
        return f"run {action.run_id} had already finished: nothing to force-cancel"
    return f"force-cancel of run {action.run_id} requested"


@executes(RerunRun)
def rerun_run(action: RerunRun, ctx: ActionContext) -> str:
    try:
        ctx.github.post(f"{_runs(action.repository, action.run_id)}/rerun")
    except Conflict:
        return f"run {action.run_id} cannot be re-run yet (still running)"
    return f"run {action.run_id} re-run"


@executes(PostComment)
def post_comment(action: PostComment, ctx: ActionContext) -> str:
    answer = ctx.github.post(
        f"/repos/{action.repository}/issues/{action.number}/comments", {"body": action.body}
    )
    return f"comment {answer.data.get('id')} posted on #{action.number}"


@executes(RememberRun)
def remember_run(action: RememberRun, ctx: ActionContext) -> str:
    """Add the run to its window's bucket (deliveries of one repository are worked one at a time, so
    this read and write do not race), and drop the bucket before the last, no longer read."""
    period = bucket(action.at)
    entry_key = bucket_key(action.repository, period)
    seen = [SeenRun.from_json(item) for item in (ctx.state.get(ANCESTRY, entry_key) or {}).get("runs") or ()]
    runs = with_run(seen, SeenRun(action.run_id, action.name, action.origin, action.at))
    ctx.state.put(ANCESTRY, entry_key, {"runs": [r.to_json() for r in runs]})
    ctx.state.delete(ANCESTRY, bucket_key(action.repository, period - 2))
    return f"run {action.run_id} remembered ({len(runs)} in this window)"
