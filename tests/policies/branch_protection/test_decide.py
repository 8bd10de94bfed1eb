"""The policy's decisions for a branch and for a push, without GitHub: what it says and what it asks for."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from policies.base import Mode, RaiseAlert, Severity
from policies.branch_protection.actions import ApplyProtection, BackupBranch, RestoreBranch
from policies.branch_protection.drift import APPLY, CHANGE, BranchFacts, Inputs, Suspension, Trigger, decide
from policies.branch_protection.model import from_classic
from policies.branch_protection.pushes import PushFacts, watch_history, watch_provenance
from policies.branch_protection.settings import BranchProtectionSettings, Semantics
from policies.config import defaults
from tests.policies.branch_protection.test_model import rule

NOW = 1_800_000_000.0
WEAK = {
    "required_pull_request_reviews": {"required_approving_review_count": 0, "dismiss_stale_reviews": False}
}


def inputs(mode: Mode = Mode.ENFORCE, **changes: Any) -> Inputs:
    settings = BranchProtectionSettings(mode, Semantics.FLOOR, (rule(),))
    return replace(Inputs(settings, (rule(),), 99, NOW), **changes)


def facts(classic: dict[str, Any] | None = None, **changes: Any) -> BranchFacts:
    return replace(BranchFacts("acme/widgets", "main", classic), **changes)


def test_a_change_by_someone_in_enforce_mode_is_one_write_carrying_its_alert() -> None:
    decision = decide(
        Trigger(CHANGE, "branch_protection_rule.edited", "mallory", "User"), facts(WEAK), inputs()
    )
    [action] = decision.actions
    assert isinstance(action, ApplyProtection)
    assert action.alert is not None
    assert (action.alert.severity, action.alert.actor) == (Severity.HIGH, "mallory")
    assert action.body["required_pull_request_reviews"]["required_approving_review_count"] == 1


def test_applying_on_installation_is_quiet_unless_it_fails() -> None:
    decision = decide(Trigger(APPLY, "installation.created"), facts(None), inputs())
    [action] = decision.actions
    assert isinstance(action, ApplyProtection)
    assert action.alert is None
    assert decision.summary.endswith("applying the declared protection")


def test_a_break_glass_reports_without_writing_until_it_expires() -> None:
    suspension = Suspension(NOW + 60, "alice", "moving CI")
    trigger = Trigger(CHANGE, "branch_protection_rule.edited", "alice")
    held = decide(trigger, facts(WEAK), inputs(suspension=suspension))
    [alert] = held.actions
    assert isinstance(alert, RaiseAlert)
    assert alert.alert.action_taken is not None
    assert alert.alert.action_taken.startswith("not restored: break-glass by alice until ")
    expired = decide(trigger, facts(WEAK), inputs(suspension=suspension, now=NOW + 61))
    assert isinstance(expired.actions[0], ApplyProtection)


def test_the_guards_own_write_that_github_did_not_keep_is_not_written_again() -> None:
    kept = facts(WEAK, last_written=from_classic(WEAK))
    decision = decide(
        Trigger(CHANGE, "branch_protection_rule.edited", "pipeline-guard[bot]", "Bot", True), kept, inputs()
    )
    [action] = decision.actions
    assert isinstance(action, RaiseAlert)
    assert action.alert.rule == "restoration-not-kept"


def test_protection_the_guard_cannot_read_is_reported_not_guessed() -> None:
    unreadable = facts(None, classic_error="GitHub answered 403: Resource not accessible by integration")
    decision = decide(Trigger(CHANGE, "branch_protection_rule.edited", "x"), unreadable, inputs())
    [action] = decision.actions
    assert isinstance(action, RaiseAlert)
    assert (action.alert.rule, action.alert.severity) == ("protection-unreadable", Severity.MEDIUM)


def push(**changes: Any) -> PushFacts:
    base = PushFacts(
        "acme/widgets", "main", "a" * 40, "b" * 40, False, False, False, "mallory", "User", "mallory"
    )
    return replace(base, **changes)


def test_a_force_push_asks_for_the_backup_branch_which_carries_the_alert() -> None:
    decision = watch_history(push(forced=True), inputs())
    assert decision is not None
    [action] = decision.actions
    assert isinstance(action, BackupBranch)
    assert (action.name, action.sha) == ("guard/backup/main/aaaaaaaaaaaa", "a" * 40)
    assert action.alert is not None
    assert action.alert.severity is Severity.CRITICAL


def test_a_deletion_is_undone_only_in_enforce_mode() -> None:
    enforced = watch_history(push(deleted=True, after="0" * 40), inputs())
    observed = watch_history(push(deleted=True, after="0" * 40), inputs(mode=Mode.OBSERVE))
    assert enforced is not None
    assert isinstance(enforced.actions[0], RestoreBranch)
    assert observed is not None
    assert isinstance(observed.actions[0], RaiseAlert)


def test_pushes_to_branches_no_rule_names_are_not_watched() -> None:
    assert watch_history(push(forced=True), inputs(rules=())) is None
    assert watch_provenance(push(), inputs(rules=()), defaults().pipeline_review) is None


def test_a_push_from_a_merged_pull_request_is_not_reported() -> None:
    assert watch_provenance(push(merged_pull=7), inputs(), defaults().pipeline_review) is None
    flagged = watch_provenance(
        push(paths=("Jenkinsfile",), open_pulls=(7,)), inputs(), defaults().pipeline_review
    )
    assert flagged is not None
    [action] = flagged.actions
    assert isinstance(action, RaiseAlert)
    assert action.alert.severity is Severity.CRITICAL
    assert "pull requests that are not merged here: [#7]" in action.alert.details
