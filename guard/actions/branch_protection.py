"""Executors of the branch-protection writes: apply protection, keep a backup branch, recreate a branch.

Each raises its action's alert after the write with the outcome attached, so the feed never claims a
restoration that GitHub refused. A refused write also raises an alert when the action carried none (a
quiet first application), then fails the action; transient errors retry the delivery instead.
"""

from __future__ import annotations

from dataclasses import replace

from guard.actions.registry import ActionContext, executes
from guard.alerts import AlertContext
from guard.errors import TRANSIENT_ERRORS
from guard.facts import quote_path
from guard.github import Client, GitHubError, Unprocessable
from guard.protection_records import save_written
from policies.base import AlertSpec, Severity
from policies.branch_protection.actions import ApplyProtection, BackupBranch, RestoreBranch
from policies.branch_protection.drift import POLICY
from policies.branch_protection.model import from_classic

REF_EXISTS = "Reference already exists"


def _record(ctx: ActionContext, alert: AlertSpec | None, result: str) -> None:
    if alert is not None:
        ctx.alerts.raise_alert(alert, AlertContext(ctx.delivery_id, ctx.organisation, action_result=result))


def _refused(exc: GitHubError) -> str:
    return f"failed: GitHub answered {exc.status}: {exc.message}"


@executes(ApplyProtection)
def apply_protection(action: ApplyProtection, ctx: ActionContext) -> str:
    assert ctx.github is not None
    try:
        result = _put(ctx, ctx.github, action)
    except TRANSIENT_ERRORS:
        raise
    except GitHubError as exc:
        alert = action.alert or AlertSpec(
            severity=Severity.HIGH,
            policy=POLICY,
            rule="protection-not-applied",
            title=f"The guard could not protect {action.branch} in {action.repository} as declared",
            details=f"GitHub refused the write: {exc.message}. The branch stays as it was; check the guard's "
            "*Administration: write* permission and the repository's plan.",
            repository=action.repository,
            subject=f"branch:{action.branch}",
        )
        _record(ctx, replace(alert, action_taken="restoring the declared protection failed"), _refused(exc))
        raise
    _record(ctx, action.alert, result)
    return result


def _put(ctx: ActionContext, github: Client, action: ApplyProtection) -> str:
    """The PUT (and the signature switch); remembers what GitHub kept, to recognise this change later."""
    path = f"/repos/{action.repository}/branches/{quote_path(action.branch)}/protection"
    kept = from_classic(github.put(path, dict(action.body)).data)
    if action.signatures is True:
        github.post(f"{path}/required_signatures", idempotent=True)
    elif action.signatures is False:
        github.delete(f"{path}/required_signatures")
    if action.signatures is not None:
        kept = replace(kept, signed_commits=action.signatures)
    save_written(ctx.state, action.repository, action.branch, kept, ctx.state.clock())
    signatures = {True: " and required signed commits", False: " and stopped requiring signed commits"}
    extra = "" if action.signatures is None else signatures[action.signatures]
    return f"wrote the complete protection of {action.branch}{extra}"


def _create_ref(github: Client, repository: str, name: str, sha: str) -> str:
    """Create ``refs/heads/<name>`` at ``sha``; an existing branch of that name counts as done."""
    try:
        body = {"ref": f"refs/heads/{name}", "sha": sha}
        github.post(f"/repos/{repository}/git/refs", body, idempotent=True)
    except Unprocessable as exc:
        if exc.message != REF_EXISTS:
            raise
        return f"branch {name} already exists"
    return f"created branch {name} at {sha[:12]}"


def _branch_action(action: BackupBranch | RestoreBranch, ctx: ActionContext, failed: str) -> str:
    assert ctx.github is not None
    try:
        result = _create_ref(ctx.github, action.repository, action.name, action.sha)
    except TRANSIENT_ERRORS:
        raise
    except GitHubError as exc:
        if action.alert is not None:
            _record(ctx, replace(action.alert, action_taken=failed), _refused(exc))
        raise
    _record(ctx, action.alert, result)
    return result


@executes(BackupBranch)
def backup_branch(action: BackupBranch, ctx: ActionContext) -> str:
    return _branch_action(action, ctx, f"keeping the overwritten commit as {action.name} failed")


@executes(RestoreBranch)
def restore_branch(action: RestoreBranch, ctx: ActionContext) -> str:
    return _branch_action(action, ctx, f"recreating {action.name} failed")
