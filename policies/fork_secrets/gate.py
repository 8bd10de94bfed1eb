"""The deployment gate: the guard is a custom deployment protection rule, so a job waits for its verdict.

Fork-originated runs never get an environment's secrets (unless a maintainer allowed that exact commit);
other runs deploy only from the environment's ``allowed_refs``. ``observe`` approves and alerts. An
environment the configuration does not list keeps only the fork rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.base import Action, Decision, Mode, RaiseAlert, SaveState
from policies.fork_secrets.actions import ReviewDeployment
from policies.fork_secrets.allowance import BLOCKED, Allowance, key
from policies.fork_secrets.origin import Origin, RunFacts
from policies.fork_secrets.report import CHECK_NAME, POLICY, Block, PullInfo, alert, check_run
from policies.fork_secrets.settings import ForkSecretsSettings

FORK_DEPLOYMENT, REF_NOT_ALLOWED = "fork-deployment", "ref-not-allowed"


@dataclass(frozen=True)
class GateInputs:
    """One ``deployment_protection_rule`` request and what the guard knows about its run."""

    environment: str
    ref: str | None
    run: RunFacts
    origin: Origin
    settings: ForkSecretsSettings
    default_branch: str
    pull: PullInfo | None = None
    allowance: Allowance | None = None
    blocked_runs: tuple[int, ...] = ()


def full_ref(ref: str | None) -> str | None:
    """``main`` as ``refs/heads/main``; full refs unchanged."""
    if not ref:
        return None
    return ref if ref.startswith("refs/") else f"refs/heads/{ref}"


def decide_deployment(inputs: GateInputs) -> Decision:
    env = inputs.environment
    if inputs.settings.mode is Mode.OFF:
        return _verdict(inputs, True, "fork_secrets is off in guard.yml: the guard approves every deployment")
    if inputs.origin.untrusted:
        return _untrusted(inputs)
    problem = _ref_problem(inputs)
    if problem is None:
        comment = f"Approved by Pipeline Guard: {inputs.origin.reason}; the ref may deploy to {env}"
        return _verdict(inputs, True, comment)
    return _blocked(inputs, REF_NOT_ALLOWED, f"deployment to {env} from a ref not allowed", problem)


def _untrusted(inputs: GateInputs) -> Decision:
    run = inputs.run
    if inputs.allowance is not None and inputs.allowance.covers(run.id, run.shas):
        bound = inputs.allowance.bound_to(run.id)
        comment = (
            f"Approved by Pipeline Guard: {bound.by} allowed one run of {bound.sha[:12]} "
            f"(pull request #{bound.pull}); the run is untrusted ({inputs.origin.reason})"
        )
        return _verdict(inputs, True, comment, bound.save())
    why = f"runs that are untrusted ({inputs.origin.reason}) never receive {inputs.environment}'s secrets"
    return _blocked(inputs, FORK_DEPLOYMENT, f"deployment to {inputs.environment} from a fork run", why)


def _ref_problem(inputs: GateInputs) -> str | None:
    environment = inputs.settings.environments.get(inputs.environment)
    if environment is None:
        return None
    ref = full_ref(inputs.ref)
    if ref is not None and environment.allows(ref, inputs.default_branch):
        return None
    allowed = ", ".join(environment.allowed_refs) or "none"
    return f"{ref or 'an unknown ref'} is not in {inputs.environment}'s allowed_refs ({allowed})"


def _verdict(inputs: GateInputs, approve: bool, comment: str, *extra: Action) -> Decision:
    review = ReviewDeployment(inputs.run.repository, inputs.run.id, inputs.environment, approve, comment)
    verdict = "approved" if approve else "rejected"
    summary = f"deployment of run {inputs.run.id} to {inputs.environment} {verdict}: {comment}"
    return Decision(POLICY, summary, actions=(review, *extra), facts={"environment": inputs.environment})


def _blocked(inputs: GateInputs, rule: str, what: str, why: str) -> Decision:
    enforced = inputs.settings.mode is Mode.ENFORCE
    verdict = "rejected" if enforced else "approved (observe mode; enforce would reject it)"
    block = Block(
        rule=rule,
        title=f"{what[0].upper()}{what[1:]} {'rejected' if enforced else 'would be rejected'}",
        why=why,
        run=inputs.run,
        origin=inputs.origin,
        enforced=enforced,
        action_taken=f"deployment {verdict}",
        pull=inputs.pull,
    )
    comment = f"{'Rejected' if enforced else 'Approved in observe mode'} by Pipeline Guard ({rule}): {why}"
    if rule == FORK_DEPLOYMENT:
        comment += f". A maintainer may allow one run of this exact commit: see the check '{CHECK_NAME}'"
    extra: list[Action] = [RaiseAlert(alert(block))]
    if rule == FORK_DEPLOYMENT:
        extra.insert(0, check_run(block))
    if enforced:
        runs = sorted({*inputs.blocked_runs, inputs.run.id})
        extra.append(SaveState(BLOCKED, key(inputs.run.repository, inputs.run.pull_head_sha), {"runs": runs}))
    return _verdict(inputs, not enforced, comment, *extra)
