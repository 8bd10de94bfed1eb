"""The backstop: cancel fork-originated runs of dangerous workflows, and their jobs on self-hosted runners.

Cancelling races the run (a step may read a secret before the cancel lands), so the deployment gate is
the blocking control; this stops what the gate does not cover: repository secrets and write tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.base import Action, Decision, Finding, Mode, RaiseAlert, SaveState
from policies.fork_secrets.actions import CancelRun
from policies.fork_secrets.allowance import BLOCKED, Allowance, key
from policies.fork_secrets.origin import Origin, RunFacts
from policies.fork_secrets.report import POLICY, Block, PullInfo, alert, check_run
from policies.fork_secrets.settings import CancelMethod, ForkSecretsSettings
from policies.patterns import match_path

RISKY_RUN, SELF_HOSTED = "risky-fork-run", "fork-on-self-hosted-runner"
_GITHUB_HOSTED_PREFIXES = ("ubuntu-", "windows-", "macos-")


@dataclass(frozen=True)
class RunInputs:
    """What the cancel decision needs about one run (and, for a job event, the job's runner labels)."""

    run: RunFacts
    origin: Origin
    settings: ForkSecretsSettings
    installation_id: int
    findings: tuple[Finding, ...]
    workflow_ref: str
    pull: PullInfo | None = None
    allowance: Allowance | None = None
    job_labels: tuple[str, ...] | None = None
    blocked_runs: tuple[int, ...] = ()


def self_hosted_label(labels: tuple[str, ...], settings: ForkSecretsSettings) -> str | None:
    """The label that puts a job on a self-hosted runner: ``self-hosted``, a configured one, or any label
    that is not a GitHub-hosted one (fails closed)."""
    for label in labels:
        lowered = label.lower()
        if lowered == "self-hosted" or any(match_path(p, label) for p in settings.self_hosted_labels):
            return label
    for label in labels:
        hosted = label.lower().startswith(_GITHUB_HOSTED_PREFIXES) or any(
            match_path(p, label) for p in settings.github_hosted_labels
        )
        if not hosted:
            return label
    return None


def blocking(findings: tuple[Finding, ...], settings: ForkSecretsSettings) -> tuple[Finding, ...]:
    return tuple(f for f in findings if f.suppressed is None and f.severity >= settings.fail_severity)


def decide_run(inputs: RunInputs) -> Decision:
    """Cancel (``enforce``) or report (``observe``) an untrusted run that is dangerous; else nothing."""
    run, settings = inputs.run, inputs.settings
    if not inputs.origin.untrusted:
        return Decision(POLICY, f"run {run.id} is trusted: {inputs.origin.reason}")
    block = _block(inputs)
    if block is None:
        return Decision(
            POLICY,
            f"run {run.id} is untrusted ({inputs.origin.reason}) but its workflow at {inputs.workflow_ref} "
            f"has no finding at or above {settings.fail_severity.label}: not cancelled",
        )
    if inputs.allowance is not None and inputs.allowance.covers(run.id, run.shas):
        bound = inputs.allowance.bound_to(run.id)
        return Decision(
            POLICY,
            f"run {run.id} allowed by {bound.by} for {bound.sha[:12]}: not cancelled",
            actions=(bound.save(),),
        )
    actions: list[Action] = [check_run(block), RaiseAlert(alert(block))]
    if block.enforced:
        force = settings.cancel_method is CancelMethod.FORCE_CANCEL
        cancel = CancelRun(
            run.repository,
            run.id,
            run.run_attempt,
            inputs.installation_id,
            settings.force_cancel_after,
            force,
        )
        actions.insert(0, cancel)
        runs = sorted({*inputs.blocked_runs, run.id})
        actions.append(SaveState(BLOCKED, key(run.repository, run.pull_head_sha), {"runs": runs}))
    return Decision(POLICY, block.title, findings=block.findings, actions=tuple(actions))


def _block(inputs: RunInputs) -> Block | None:
    run, settings = inputs.run, inputs.settings
    enforced = settings.mode is Mode.ENFORCE
    taken = "run cancelled" if enforced else "none: fork_secrets is in observe mode"
    label = self_hosted_label(inputs.job_labels, settings) if inputs.job_labels is not None else None
    if label is not None:
        return Block(
            rule=SELF_HOSTED,
            title=f"Fork run {run.id} {'cancelled' if enforced else 'would be cancelled'}: job on a "
            "self-hosted runner",
            why=f"a job of an untrusted run was queued for runner label {label!r}, not a GitHub-hosted one",
            run=run,
            origin=inputs.origin,
            enforced=enforced,
            action_taken=taken,
            pull=inputs.pull,
        )
    found = blocking(inputs.findings, settings)
    if not found:
        return None
    return Block(
        rule=RISKY_RUN,
        title=f"Fork run {run.id} {'cancelled' if enforced else 'would be cancelled'}: dangerous workflow",
        why=f"the workflow at {inputs.workflow_ref} has {len(found)} finding(s) at or above "
        f"{settings.fail_severity.label}, so this run can hand secrets or a write token to untrusted code",
        run=run,
        origin=inputs.origin,
        enforced=enforced,
        action_taken=taken,
        findings=found,
        pull=inputs.pull,
    )
