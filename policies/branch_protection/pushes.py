"""Pushes to protected branches that protection should have prevented: force pushes, deletions, direct pushes
and unsigned commits. Protection can be bypassed (administrators, bypass lists, a moment without
protection), so the guard watches what actually lands.

A force push first gets a backup branch at the overwritten commit, then the alert that links it, so the
history is never lost. A deleted branch is recreated at its last commit in ``enforce`` mode.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.base import Action, AlertSpec, Decision, Mode, RaiseAlert, Severity
from policies.branch_protection import render
from policies.branch_protection.actions import BackupBranch, RestoreBranch, backup_branch_name
from policies.branch_protection.drift import POLICY, Inputs
from policies.branch_protection.model import declared
from policies.pipeline_review.settings import PipelineReviewSettings

MAX_LISTED = 20


@dataclass(frozen=True)
class PushFacts:
    """A push to a branch, with what the handler learnt about it.

    ``merged_pull`` is the merged pull request whose merge commit is the new head (None: none is);
    ``open_pulls`` are pull requests GitHub associates with the head that did not merge into the branch.
    ``unsigned`` lists pushed commits without a verified signature among the ``checked`` ones.
    """

    repository: str
    branch: str
    before: str
    after: str
    forced: bool
    deleted: bool
    created: bool
    sender: str | None
    sender_type: str | None
    pusher: str
    paths: tuple[str, ...] = ()
    paths_complete: bool = True
    merged_pull: int | None = None
    open_pulls: tuple[int, ...] = ()
    unsigned: tuple[str, ...] = ()
    checked: int = 0
    commits: int = 0


def _alert(
    facts: PushFacts, severity: Severity, rule: str, *, title: str, details: str, taken: str
) -> AlertSpec:
    return AlertSpec(
        severity=severity,
        policy=POLICY,
        rule=rule,
        title=title,
        details=details,
        repository=facts.repository,
        subject=f"{rule}:{facts.branch}@{(facts.before if facts.deleted else facts.after)[:12]}",
        actor=facts.sender or facts.pusher,
        action_taken=taken,
    )


def _who(facts: PushFacts) -> str:
    return render.actor(facts.sender or facts.pusher, facts.sender_type)


def _suspended_note(inputs: Inputs) -> str:
    suspension = inputs.suspension
    if suspension is None or not suspension.active(inputs.now):
        return ""
    return f"\n\nThis happened during a break-glass by {suspension.by} ({suspension.reason})."


def watch_history(facts: PushFacts, inputs: Inputs) -> Decision | None:
    """Force pushes and deletions of a branch whose declared rules forbid them."""
    if not inputs.rules:
        return None
    wanted = declared(inputs.rules, inputs.guard_app_id)
    if facts.deleted and not wanted.allow_deletions:
        return _deleted(facts, inputs)
    if facts.forced and not facts.created and not facts.deleted and not wanted.allow_force_pushes:
        return _forced(facts, inputs)
    return None


def _forced(facts: PushFacts, inputs: Inputs) -> Decision:
    backup = backup_branch_name(facts.branch, facts.before)
    web, repo = inputs.web_url, facts.repository
    details = (
        f"{_who(facts)} force-pushed {render.branch_link(web, repo, facts.branch)} in {repo}: "
        f"{render.commit_link(web, repo, facts.before)} was replaced by "
        f"{render.commit_link(web, repo, facts.after)}, rewriting its history.\n\nThe overwritten history is "
        f"kept in branch [`{backup}`]({web}/{repo}/tree/{backup}): compare it with the branch, and restore "
        f"it if the rewrite was not intended (`git push --force origin {backup}:{facts.branch}`)."
        + _suspended_note(inputs)
    )
    alert = _alert(
        facts,
        Severity.CRITICAL,
        "force-push",
        title=f"Force push to {facts.branch} in {repo} by {facts.sender or facts.pusher}",
        details=details,
        taken=f"kept the overwritten commit as branch {backup}",
    )
    action = BackupBranch(repo, backup, facts.before, alert)
    summary = f"force push to {facts.branch}: keeping {facts.before[:12]} as {backup}"
    return Decision(POLICY, summary, actions=(action,), facts={"backup": backup, "overwritten": facts.before})


def _deleted(facts: PushFacts, inputs: Inputs) -> Decision:
    web, repo = inputs.web_url, facts.repository
    suspended = inputs.suspension is not None and inputs.suspension.active(inputs.now)
    restore = inputs.settings.mode is Mode.ENFORCE and not suspended
    why = "break-glass in force" if suspended else "branch_protection.mode is observe"
    taken = f"recreated {facts.branch} at {facts.before[:12]}" if restore else f"not recreated: {why}"
    details = (
        f"{_who(facts)} deleted the protected branch `{render.cell(facts.branch)}` in "
        f"{render.settings_link(web, repo)}; it pointed at {render.commit_link(web, repo, facts.before)}.\n\n"
        f"**Action:** {taken}." + _suspended_note(inputs)
    )
    title = f"Protected branch {facts.branch} in {repo} deleted by {facts.sender or facts.pusher}"
    alert = _alert(facts, Severity.CRITICAL, "branch-deleted", title=title, details=details, taken=taken)
    action: Action = RestoreBranch(repo, facts.branch, facts.before, alert) if restore else RaiseAlert(alert)
    return Decision(POLICY, f"{facts.branch} deleted; {taken}", actions=(action,))


def watch_provenance(facts: PushFacts, inputs: Inputs, pipeline: PipelineReviewSettings) -> Decision | None:
    """A push that did not come from a merged pull request, to a branch that requires pull requests."""
    wanted = declared(inputs.rules, inputs.guard_app_id)
    if not inputs.rules or not wanted.require_pull_request or facts.merged_pull is not None:
        return None
    touched = tuple(path for path in facts.paths if pipeline.is_pipeline_file(path))
    severity = Severity.CRITICAL if touched else Severity.HIGH
    what = "a pipeline change" if touched else "commits"
    title = f"Direct push of {what} to {facts.branch} in {facts.repository} by {facts.sender or facts.pusher}"
    details = _provenance_details(facts, inputs, touched)
    alert = _alert(facts, severity, "direct-push", title=title, details=details, taken="reported")
    summary = f"push to {facts.branch} did not come from a merged pull request" + (
        f"; pipeline files: {', '.join(touched[:MAX_LISTED])}" if touched else ""
    )
    return Decision(POLICY, summary, actions=(RaiseAlert(alert),), facts={"pipeline_files": list(touched)})


def _provenance_details(facts: PushFacts, inputs: Inputs, touched: tuple[str, ...]) -> str:
    web, repo = inputs.web_url, facts.repository
    lines = [
        f"{_who(facts)} (git pusher `{render.cell(facts.pusher)}`) moved "
        f"{render.branch_link(web, repo, facts.branch)} in {repo} from "
        f"{render.commit_link(web, repo, facts.before)} to {render.commit_link(web, repo, facts.after)}. "
        "No merged pull request into "
        f"`{render.cell(facts.branch)}` has this commit as its merge commit, so the change skipped review."
    ]
    if facts.open_pulls:
        listed = ", ".join(f"[#{n}]({web}/{repo}/pull/{n})" for n in facts.open_pulls)
        lines.append(f"GitHub associates the commit with pull requests that are not merged here: {listed}.")
    if touched:
        shown = "\n".join(f"- `{render.cell(path)}`" for path in touched[:MAX_LISTED])
        more = f"\n- … and {len(touched) - MAX_LISTED} more" if len(touched) > MAX_LISTED else ""
        lines.append(f"It changed pipeline files:\n\n{shown}{more}")
    if not facts.paths_complete:
        lines.append("The push listed only part of its files; other pipeline files may have changed too.")
    lines.append(
        "Review the commits; the branch's protection (required pull requests) was bypassed, by an "
        "administrator, a bypass allowance, or while protection was off." + _suspended_note(inputs)
    )
    return "\n\n".join(lines)


def watch_signatures(facts: PushFacts, inputs: Inputs) -> Decision | None:
    """Commits without a verified signature pushed to a branch that requires signed commits."""
    required = declared(inputs.rules, inputs.guard_app_id).signed_commits
    if not inputs.rules or not facts.unsigned or not required:
        return None
    web, repo = inputs.web_url, facts.repository
    listed = "\n".join(f"- {render.commit_link(web, repo, sha)}" for sha in facts.unsigned[:MAX_LISTED])
    partial = (
        f"\n\nThe guard checked {facts.checked} of the {facts.commits} pushed commits."
        if facts.checked < facts.commits
        else ""
    )
    details = (
        f"{_who(facts)} pushed {len(facts.unsigned)} commit(s) without a verified signature to "
        f"{render.branch_link(web, repo, facts.branch)} in {repo}, which requires signed commits:\n\n{listed}"
        f"{partial}" + _suspended_note(inputs)
    )
    title = f"Unsigned commits pushed to {facts.branch} in {repo}"
    alert = _alert(facts, Severity.HIGH, "unsigned-commits", title=title, details=details, taken="reported")
    summary = f"{len(facts.unsigned)} unsigned commit(s) pushed to {facts.branch}"
    return Decision(POLICY, summary, actions=(RaiseAlert(alert),), facts={"unsigned": list(facts.unsigned)})
