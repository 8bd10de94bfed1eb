"""Fork safety, the blocking control: answer ``deployment_protection_rule`` requests for the environment.

The run named in ``deployment_callback_url`` is fetched and classified; the verdict goes back through
``POST …/actions/runs/{run_id}/deployment_protection_rule``. Any error while deciding means no verdict:
the job keeps waiting (it fails closed), an alert says so, and the delivery is retried, deciding afresh.
"""

from __future__ import annotations

from collections.abc import Iterable

from guard.alerts import AlertContext
from guard.engine import Context
from guard.events import DeploymentProtectionRuleEvent
from guard.facts_actions import read_run
from guard.fork_records import allowance_for, blocked_runs, origin_of, pull_of, remember
from guard.github import GitHubError
from guard.redact import redact
from guard.routing import Router
from policies.base import AlertSpec, Decision, Severity
from policies.fork_secrets.gate import GateInputs, decide_deployment
from policies.fork_secrets.report import POLICY

# environments: read lets `guard env enrol` count the secrets of environments that lack the rule.
router = Router(
    permissions={"deployments": "write", "actions": "read", "pull_requests": "read", "environments": "read"}
)


@router.on("deployment_protection_rule", "requested", policy=POLICY)
def on_deployment_requested(event: DeploymentProtectionRuleEvent, ctx: Context) -> Iterable[Decision]:
    if event.repository is None:
        return []
    try:
        return decide(event, ctx)
    except GitHubError as exc:
        if not ctx.dry_run:
            ctx.alerts.raise_alert(_undecided(event, exc), AlertContext(ctx.delivery_id, event.organization))
        raise


def decide(event: DeploymentProtectionRuleEvent, ctx: Context) -> list[Decision]:
    assert event.repository is not None
    repository = event.repository
    run = read_run(ctx.github, repository.full_name, event.run_id)
    fork_pulls = tuple(p.number for p in event.pull_requests if p.from_fork)
    origin = origin_of(ctx, ctx.github, run, repository.default_branch, fork_pulls)
    pull = (
        pull_of(ctx.github, run, tuple(p.number for p in event.pull_requests)) if origin.untrusted else None
    )
    sha = pull.head_sha if pull else run.pull_head_sha
    inputs = GateInputs(
        environment=event.environment,
        ref=event.ref,
        run=run,
        origin=origin,
        settings=ctx.config(repository.full_name).fork_secrets,
        default_branch=repository.default_branch,
        pull=pull,
        allowance=allowance_for(ctx, ctx.github, run) if origin.untrusted else None,
        blocked_runs=blocked_runs(ctx.state, run.repository, sha),
    )
    remembered = Decision(POLICY, f"run {run.id}: {origin.reason}", actions=(remember(ctx, run, origin),))
    return [decide_deployment(inputs), remembered]


def _undecided(event: DeploymentProtectionRuleEvent, exc: GitHubError) -> AlertSpec:
    repository = event.repository.full_name if event.repository else "an unknown repository"
    return AlertSpec(
        severity=Severity.HIGH,
        policy=POLICY,
        rule="deployment-undecided",
        title=f"Deployment of run {event.run_id} to {event.environment} in {repository} is waiting: "
        "the guard could not decide",
        details=f"While deciding whether run {event.run_id} may deploy to `{event.environment}`, GitHub "
        f"answered: {redact(str(exc))}\n\nThe guard gave no approval, so the job waits (it fails closed). "
        "The delivery is retried and decided again once GitHub answers; nothing needs doing unless this "
        "alert keeps repeating.",
        repository=repository,
        subject=f"deployment:{event.run_id}:{event.environment}",
        action_taken="no approval given; decision retried",
    )
