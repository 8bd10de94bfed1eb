"""``untrusted-checkout-exec``, ``untrusted-checkout`` and ``approval-toctou``."""

from __future__ import annotations

from collections.abc import Iterator

from policies.base import Finding, Severity
from policies.workflows.checkouts import Execution, PrCheckout, execution_after, find_checkout
from policies.workflows.guards import Gate
from policies.workflows.runs import JobRun, environment_name, job_condition
from policies.workflows.triggers import ACTOR_IS_AUTHOR, APPROVAL_EVENTS, Reach

FIX_EXEC = (
    "Do not run a pull request's code in a job that holds secrets or a write token. Build and test it in a "
    "`pull_request` workflow (no secrets, read-only token) and pass results to a privileged `workflow_run` "
    "workflow as data; or check out only the base (remove `ref:`/`repository:`) and run nothing from the "
    "pull request."
)
FIX_TOCTOU = (
    "Check out the exact commit that was approved: `ref: ${{ github.event.pull_request.head.sha }}` from "
    "the `labeled` event, or a SHA the approver typed and the job verifies; never a branch, "
    "refs/pull/N/head or a head looked up when the job runs. Remove the label when the job starts."
)
FIX_CHECKOUT = (
    "Check out the pull request only as data: into a separate path, with `persist-credentials: false`, and "
    "never run tools from that tree; better, do the work in a `pull_request` workflow."
)


def untrusted_checkout(run: JobRun) -> Iterator[Finding]:
    event = run.trigger.event
    if run.trigger.reach is not Reach.OUTSIDER_PRIVILEGED and event not in APPROVAL_EVENTS:
        return
    for flat in run.steps:
        checkout = find_checkout(flat)
        if checkout is not None:
            found = _judge(run, checkout, execution_after(run, checkout))
            if found is not None:
                yield found


def _judge(run: JobRun, checkout: PrCheckout, execution: Execution | None) -> Finding | None:
    gates = run.gates_at(checkout.flat.position)
    event = run.trigger.event
    if event in APPROVAL_EVENTS:
        return _toctou(run, checkout, execution, "a maintainer's dispatch") if checkout.mutable else None
    if gates & {Gate.SAME_REPO, Gate.TRUSTED_AUTHOR, Gate.MERGED}:
        return None
    if Gate.TRUSTED_ACTOR in gates:
        if event in ACTOR_IS_AUTHOR or not (checkout.mutable or checkout.runtime_lookup):
            return None
        return _toctou(run, checkout, execution, "a trusted commenter")
    if gates & {Gate.LABEL, Gate.LABEL_EVENT}:
        return _label_gated(run, checkout, execution, gates)
    return _ungated(run, checkout, execution)


def _label_gated(
    run: JobRun, checkout: PrCheckout, execution: Execution | None, gates: frozenset[Gate]
) -> Finding | None:
    persistent = (
        Gate.LABEL in gates
        and run.trigger.fires_on("synchronize")
        and job_condition(run.workflow, run.job, run.trigger, "synchronize").runs
    )
    if persistent and execution is not None:
        note = (
            "the label gate does not stop this: the label stays on the pull request and the workflow also "
            "runs on `synchronize`, so every later push by the author runs without review"
        )
        return _exec_finding(run, checkout, execution, Severity.CRITICAL, note=note)
    if checkout.mutable:
        return _toctou(run, checkout, execution, "a maintainer's label")
    return None


def _ungated(run: JobRun, checkout: PrCheckout, execution: Execution | None) -> Finding | None:
    environment = run.job.environment
    if environment is not None and environment_name(run.job) in run.settings.approval_environments:
        return None
    if execution is None:
        severity = Severity.MEDIUM if run.loot else Severity.LOW
        message = f"{_who(run)} {checkout.how}, but no later step was seen running it; {_holds(run)}"
        return Finding(
            "untrusted-checkout", severity, message, checkout.flat.evidence(), FIX_CHECKOUT, "medium"
        )
    severity = Severity.CRITICAL if run.loot or run.runner else Severity.MEDIUM
    if environment is not None:
        note = (
            f"environment {environment_name(run.job)!r} protects this only if it requires a reviewer's "
            "approval for every run, which the file cannot show; if it does, list it in approval_environments"
        )
        return _exec_finding(run, checkout, execution, severity, note=note, confidence="medium")
    return _exec_finding(run, checkout, execution, severity, note=None)


def _exec_finding(
    run: JobRun,
    checkout: PrCheckout,
    execution: Execution,
    severity: Severity,
    *,
    note: str | None,
    confidence: str = "high",
) -> Finding:
    message = (
        f"{_who(run)} {checkout.how}, then step '{_name(execution)}' {execution.reason}; {_holds(run)}"
        + (f"; {note}" if note else "")
    )
    evidence = (*checkout.flat.evidence(), *execution.flat.evidence()[len(execution.flat.via) :])
    return Finding("untrusted-checkout-exec", severity, message, evidence, FIX_EXEC, confidence)


def _toctou(run: JobRun, checkout: PrCheckout, execution: Execution | None, approver: str) -> Finding | None:
    if execution is None:
        return None
    message = (
        f"{_who(run)} runs after {approver}, but {checkout.how}, which is whatever the pull request's "
        f"head is when the step runs; step '{_name(execution)}' then {execution.reason}. The author can "
        f"push after the approval; {_holds(run)}"
    )
    evidence = (*checkout.flat.evidence(), *execution.flat.evidence()[len(execution.flat.via) :])
    return Finding("approval-toctou", Severity.HIGH, message, evidence, FIX_TOCTOU, "medium")


def _who(run: JobRun) -> str:
    return f"job '{run.job.id}' ({run.trigger.event})"


def _name(execution: Execution) -> str:
    step = execution.flat.step
    return step.name or step.id or f"#{step.index + 1}"


def _holds(run: JobRun) -> str:
    held = list(run.loot)
    if run.runner:
        held.append(f"a self-hosted runner ({run.runner})")
    if not held:
        return "the job holds no secrets and a read-only token, but can still poison caches"
    return "the job holds " + "; ".join(held)
