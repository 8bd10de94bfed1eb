"""Fork safety, the backstop: classify every workflow run, cancel untrusted runs of dangerous workflows.

``workflow_run`` ``requested``/``in_progress`` carry the run; ``workflow_job`` ``queued``/``waiting`` carry
only the job (re-runs send no ``requested``), so the run is fetched. Every classified run's origin is
remembered for the runs it starts. A cancel is followed, after ``force_cancel_after`` seconds, by an
internal ``guard_fork_safety`` delivery that force-cancels the run if it is still going.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from guard.actions.fork_safety import FOLLOW_UP_EVENT, FORCE_CANCEL
from guard.engine import Context
from guard.events import GenericEvent, Repository, WorkflowJobEvent, WorkflowRunEvent
from guard.events.payload import Node
from guard.facts_actions import read_run, read_workflow, run_from_event
from guard.fork_records import allowance_for, blocked_runs, origin_of, pull_of, remember, seen_runs
from guard.github import Client
from guard.routing import Router
from policies.base import AlertSpec, Decision, Evidence, Finding, Mode, RaiseAlert, Severity
from policies.fork_secrets.actions import ForceCancelRun
from policies.fork_secrets.cancel import RunInputs, blocking, decide_run, self_hosted_label
from policies.fork_secrets.origin import Origin, RunFacts
from policies.fork_secrets.report import POLICY
from policies.fork_secrets.settings import ForkSecretsSettings
from policies.workflows import AnalyserSettings, analyse
from policies.workflows.actions import DEFAULT_TRUSTED_OWNERS

UNREADABLE = "workflow-unreadable"

router = Router(
    permissions={"actions": "write", "contents": "read", "checks": "write", "pull_requests": "read"}
)


def analyser_settings(settings: ForkSecretsSettings) -> AnalyserSettings:
    return AnalyserSettings(
        trusted_action_owners=(*DEFAULT_TRUSTED_OWNERS, *settings.trusted_action_owners),
        github_hosted_labels=settings.github_hosted_labels,
        self_hosted_labels=settings.self_hosted_labels,
    )


def workflow_findings(
    github: Client, run: RunFacts, settings: ForkSecretsSettings, default_branch: str
) -> tuple[tuple[Finding, ...], str]:
    """The findings of the workflow file at the commit the run uses: the default branch for triggers
    that run its workflow (``pull_request_target``, ``workflow_run``, comments), else the run's head."""
    ref = default_branch if run.uses_default_branch else run.head_sha
    content = read_workflow(github, run.repository, run.path, ref)
    if content is None:
        unreadable = Finding(
            UNREADABLE,
            Severity.HIGH,
            f"the workflow {run.path} could not be read at {ref}, so the run cannot be shown to be safe",
            (Evidence(run.path, 1),),
            "Check that the file exists at that commit and that the guard has *Contents: read*.",
        )
        return (unreadable,), ref
    analysis = analyse({run.path: content}, settings=analyser_settings(settings))
    return analysis.findings.get(run.path, ()), ref


def judge(
    ctx: Context,
    run: RunFacts,
    repository: Repository,
    installation_id: int,
    job_labels: tuple[str, ...] | None = None,
) -> list[Decision]:
    """Classify the run, remember its origin, and (when untrusted) decide whether to cancel it."""
    settings = ctx.config(run.repository).fork_secrets
    origin = origin_of(ctx, ctx.github, run, repository.default_branch)
    remembered = Decision(POLICY, f"run {run.id}: {origin.reason}", actions=(remember(ctx, run, origin),))
    if settings.mode is Mode.OFF or not origin.untrusted or run.status == "completed":
        return [remembered]
    cancel = _cancel_decision(
        ctx,
        run,
        origin,
        settings=settings,
        repository=repository,
        installation_id=installation_id,
        job_labels=job_labels,
    )
    return [cancel, remembered]  # the cancel first: every millisecond counts in the race


def _cancel_decision(
    ctx: Context,
    run: RunFacts,
    origin: Origin,
    *,
    settings: ForkSecretsSettings,
    repository: Repository,
    installation_id: int,
    job_labels: tuple[str, ...] | None,
) -> Decision:
    findings, ref = workflow_findings(ctx.github, run, settings, repository.default_branch)
    risky = bool(blocking(findings, settings)) or (
        job_labels is not None and self_hosted_label(job_labels, settings) is not None
    )
    pull = pull_of(ctx.github, run) if risky else None
    sha = pull.head_sha if pull else run.pull_head_sha
    inputs = RunInputs(
        run=run,
        origin=origin,
        settings=settings,
        installation_id=installation_id,
        findings=findings,
        workflow_ref=ref,
        pull=pull,
        allowance=allowance_for(ctx, ctx.github, run) if risky else None,
        job_labels=job_labels,
        blocked_runs=blocked_runs(ctx.state, run.repository, sha),
    )
    return decide_run(inputs)


@router.on("workflow_run", "requested", "in_progress", "completed", policy=POLICY)
def on_workflow_run(event: WorkflowRunEvent, ctx: Context) -> Iterable[Decision]:
    if event.installation_id is None:
        return []
    return judge(ctx, run_from_event(event.workflow_run), event.repository, event.installation_id)


@router.on("workflow_job", "queued", "waiting", policy=POLICY)
def on_workflow_job(event: WorkflowJobEvent, ctx: Context) -> Iterable[Decision]:
    """A job's payload has no event or head repository: the run is fetched to classify it, unless the
    guard classified it as trusted within the last half-hour (a re-run keeps its run's privileges)."""
    if event.installation_id is None:
        return []
    job, repository = event.workflow_job, event.repository.full_name
    seen = next((s for s in seen_runs(ctx.state, repository, ctx.clock()) if s.id == job.run_id), None)
    if seen is not None and not seen.origin.untrusted:
        return [Decision(POLICY, f"job {job.id} of run {job.run_id}: {seen.origin.reason}")]
    run = read_run(ctx.github, repository, job.run_id)
    return judge(ctx, run, event.repository, event.installation_id, event.workflow_job.labels)


@router.on(FOLLOW_UP_EVENT, FORCE_CANCEL, policy=POLICY)
def on_force_cancel_due(event: GenericEvent, ctx: Context) -> Iterable[Decision]:
    """The bounded wait after a cancel is over: force-cancel the run if it is still going."""
    target = event.payload.get("fork_run")
    if not isinstance(target, Mapping):
        return []
    node = Node(target, "fork_run")
    repository, run_id, attempt = node.text("repository"), node.integer("run_id"), node.integer("run_attempt")
    run = read_run(ctx.github, repository, run_id)
    if run.status == "completed" or run.run_attempt != attempt:
        return [Decision(POLICY, f"run {run_id} stopped after its cancel ({run.status})")]
    waited = node.opt_integer("waited") or 0
    spec = alert_for_force(repository, run, waited)
    actions = (ForceCancelRun(repository, run_id), RaiseAlert(spec))
    return [Decision(POLICY, f"run {run_id} still {run.status} {waited}s after its cancel", actions=actions)]


def alert_for_force(repository: str, run: RunFacts, waited: int) -> AlertSpec:
    """A second alert about the run: it ignored its cancel, so a force-cancel was sent."""
    return AlertSpec(
        severity=Severity.HIGH,
        policy=POLICY,
        rule="cancel-ignored",
        title=f"Fork run {run.id} in {repository} ignored its cancel and was force-cancelled",
        details=f"Run {run.id} (attempt {run.run_attempt}) of `{run.path}` was still {run.status} {waited} s "
        "after the guard cancelled it (steps guarded by `always()` keep running through a cancel), so "
        "the guard force-cancelled it. Steps that ran may have read secrets: rotate what the workflow "
        "can reach.",
        repository=repository,
        subject=f"run:{run.id}:{run.run_attempt}",
        actor=run.actor,
        action_taken="force-cancel requested",
    )
