"""Is a branch protected as declared? If not, report it, and in ``enforce`` restore it with one full write.

Effective protection is what GitHub enforces: the classic rule together with the active rulesets, so a
branch a ruleset protects is not reported unprotected. ``floor`` semantics acts only on what is weaker than
declared; ``exact`` also undoes stricter classic settings. A change the guard's own App made and that left
what the guard wrote is never answered with another write, so the guard cannot loop; any other sender,
other bots included, is answered like a person.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from policies.base import AlertSpec, Decision, Finding, Mode, RaiseAlert, Severity
from policies.branch_protection import render
from policies.branch_protection.actions import ApplyProtection
from policies.branch_protection.body import restoring_write
from policies.branch_protection.compare import Difference, stricter, weaker
from policies.branch_protection.model import Protection, combine, declared, from_classic, from_rules
from policies.branch_protection.settings import BranchProtectionSettings, BranchRule, Semantics

POLICY = "branch_protection"
APPLY, CHANGE, SWEEP = "apply", "change", "sweep"


@dataclass(frozen=True)
class Suspension:
    """A break-glass: no restoration of this repository until ``until`` (epoch seconds)."""

    until: float
    by: str
    reason: str

    def active(self, now: float) -> bool:
        return now < self.until


@dataclass(frozen=True)
class Trigger:
    """Why a branch is checked: ``apply`` (a new installation, repository, default branch or branch),
    ``change`` (GitHub says protection changed) or ``sweep``. ``by_guard``: the sender is the guard's App."""

    kind: str
    event: str
    sender: str | None = None
    sender_type: str | None = None
    by_guard: bool = False


@dataclass(frozen=True)
class BranchFacts:
    """What GitHub says about a branch's protection; ``classic`` is the read shape, None when unprotected."""

    repository: str
    branch: str
    classic: Mapping[str, Any] | None
    rules: tuple[Mapping[str, Any], ...] = ()
    rulesets: tuple[str, ...] = ()
    binding_admins: frozenset[int] = frozenset()
    classic_error: str | None = None
    last_written: Protection | None = None

    @property
    def classic_protection(self) -> Protection:
        return from_classic(self.classic)

    @property
    def effective(self) -> Protection:
        return combine(self.classic_protection, from_rules(self.rules, self.binding_admins))


@dataclass(frozen=True)
class Inputs:
    """Configuration and context: the matching rules, the guard's App id (for its own check), the clock."""

    settings: BranchProtectionSettings
    rules: tuple[BranchRule, ...]
    guard_app_id: int | None
    now: float
    web_url: str = "https://github.com"
    suspension: Suspension | None = None


def decide(trigger: Trigger, facts: BranchFacts, inputs: Inputs) -> Decision:
    """The decision for one branch: nothing, an alert, or an alert and the restoring write."""
    where = f"{facts.branch} in {facts.repository}"
    if facts.classic_error is not None:
        return _unreadable(facts, where)
    wanted = declared(inputs.rules, inputs.guard_app_id)
    lacking = weaker(wanted, facts.effective)
    extra = stricter(wanted, facts.classic_protection) if inputs.settings.semantics is Semantics.EXACT else ()
    record = _facts(facts, wanted, lacking + extra)
    if not lacking and not extra:
        own = " (the guard's own change)" if trigger.by_guard else ""
        return Decision(POLICY, f"{where} is protected as declared{own}", facts=record)
    if trigger.by_guard and facts.last_written == facts.classic_protection:
        return _not_kept(facts, where, lacking + extra, record)
    if trigger.by_guard:  # someone changed it after the guard's own write; their delivery names them
        trigger = replace(trigger, sender=None, sender_type=None)
    write = restoring_write(facts.classic, wanted, facts.effective, inputs.settings.semantics)
    alert = _drift_alert(trigger, facts, inputs, lacking, extra)
    findings = tuple(Finding(d.setting, alert.severity, _finding_text(d)) for d in lacking + extra)
    if not _restores(inputs):
        summary = f"{where}: {_names(lacking + extra)} not as declared; {alert.action_taken}"
        return Decision(POLICY, summary, findings, (RaiseAlert(alert),), record)
    quiet = trigger.kind == APPLY
    action = ApplyProtection(
        facts.repository, facts.branch, write.body, write.signatures, None if quiet else alert
    )
    verb = "applying" if quiet else "restoring"
    summary = f"{where}: {_names(lacking + extra)} not as declared; {verb} the declared protection"
    return Decision(POLICY, summary, findings, (action,), record)


def _restores(inputs: Inputs) -> bool:
    suspended = inputs.suspension is not None and inputs.suspension.active(inputs.now)
    return inputs.settings.mode is Mode.ENFORCE and not suspended


def _names(differences: tuple[Difference, ...]) -> str:
    return ", ".join(dict.fromkeys(d.setting for d in differences))


def _finding_text(difference: Difference) -> str:
    direction = "weaker" if difference.weaker else "stricter"
    return f"{difference.setting} is {difference.actual}, {direction} than the declared {difference.declared}"


def _facts(facts: BranchFacts, wanted: Protection, differences: tuple[Difference, ...]) -> dict[str, Any]:
    return {
        "repository": facts.repository,
        "branch": facts.branch,
        "declared": wanted.to_json(),
        "effective": facts.effective.to_json(),
        "rulesets": list(facts.rulesets),
        "differences": [
            {"setting": d.setting, "declared": d.declared, "now": d.actual, "weaker": d.weaker}
            for d in differences
        ],
    }


def _severity(trigger: Trigger, facts: BranchFacts, lacking: tuple[Difference, ...]) -> Severity:
    if not lacking:
        return Severity.LOW
    if trigger.kind == APPLY:
        return Severity.MEDIUM
    unprotected = facts.effective.allow_force_pushes and not facts.effective.require_pull_request
    return Severity.CRITICAL if unprotected else Severity.HIGH


def _drift_alert(
    trigger: Trigger,
    facts: BranchFacts,
    inputs: Inputs,
    lacking: tuple[Difference, ...],
    extra: tuple[Difference, ...],
) -> AlertSpec:
    severity = _severity(trigger, facts, lacking)
    return AlertSpec(
        severity=severity,
        policy=POLICY,
        rule="protection-weakened" if lacking else "protection-stricter",
        title=_title(trigger, facts, bool(lacking)),
        details=_details(trigger, facts, inputs, lacking + extra),
        repository=facts.repository,
        subject=f"branch:{facts.branch}" + (f" by {trigger.sender}" if trigger.sender else ""),
        actor=trigger.sender,
        action_taken=_action_taken(inputs),
    )


def _title(trigger: Trigger, facts: BranchFacts, lacking: bool) -> str:
    where = f"{facts.branch} in {facts.repository}"
    if trigger.kind == CHANGE:
        removed = facts.classic is None and not facts.rules
        verb = "removed" if removed else "weakened" if lacking else "changed"
        return f"Protection of {where} {verb} by {trigger.sender or 'someone'}"
    found = "not protected as declared" if lacking else "stricter than declared"
    return f"{where} is {found}" + (" (found by the periodic sweep)" if trigger.kind == SWEEP else "")


def _action_taken(inputs: Inputs) -> str:
    suspension = inputs.suspension
    if suspension is not None and suspension.active(inputs.now):
        return (
            f"not restored: break-glass by {suspension.by} until {render.when(suspension.until)} "
            f"({suspension.reason})"
        )
    if inputs.settings.mode is Mode.OBSERVE:
        return "not restored: branch_protection.mode is observe"
    return f"restored the declared protection ({inputs.settings.semantics.value} semantics)"


def _details(
    trigger: Trigger, facts: BranchFacts, inputs: Inputs, differences: tuple[Difference, ...]
) -> str:
    who = render.actor(trigger.sender, trigger.sender_type)
    branch = render.branch_link(inputs.web_url, facts.repository, facts.branch)
    where = f"{branch} in {render.settings_link(inputs.web_url, facts.repository)}"
    opening = {
        CHANGE: f"{who} changed the protection of {where} (`{trigger.event}`).",
        SWEEP: f"The periodic sweep found the protection of {where} different from the declaration; the "
        "change fired no event the guard received (a lost delivery, or a setting GitHub sends no event for).",
        APPLY: f"The protection of {where} is not what `guard.yml` declares (`{trigger.event}`).",
    }[trigger.kind]
    rulesets = ", ".join(f"`{render.cell(r)}`" for r in facts.rulesets)
    sources = "the classic rule" + (f" and the rulesets {rulesets}" if rulesets else "")
    return (
        f"{opening}\n\n{render.differences_table(differences)}\n\n"
        f"*Now* is what GitHub enforces: {sources}. *Declared* is `branch_protection` in `guard.yml` "
        f"({inputs.settings.semantics.value} semantics).\n\n**Action:** {_action_taken(inputs)}."
        + _restore_note(inputs)
    )


def _restore_note(inputs: Inputs) -> str:
    if not _restores(inputs):
        return ""
    return (
        " The guard wrote the complete classic protection in one request: settings it does not manage "
        "(push restrictions, bypass allowances, dismissal restrictions, branch lock) were kept as they were."
    )


def _not_kept(
    facts: BranchFacts, where: str, differences: tuple[Difference, ...], record: dict[str, Any]
) -> Decision:
    """The guard's own write is in place yet still not what is declared: GitHub did not keep part of it."""
    alert = AlertSpec(
        severity=Severity.HIGH,
        policy=POLICY,
        rule="restoration-not-kept",
        title=f"GitHub did not keep the declared protection of {where}",
        details=(
            f"The guard wrote the declared protection of `{render.cell(facts.branch)}`, and what GitHub "
            "shows now is exactly that write, yet it still differs from the declaration. Writing again "
            "would loop, so the guard stops here. A plan limit (protection in private repositories needs "
            "GitHub Pro, Team or Enterprise) or a setting GitHub refuses for this repository is the usual "
            "cause.\n\n" + render.differences_table(differences)
        ),
        repository=facts.repository,
        subject=f"branch:{facts.branch}",
        action_taken="none: a further write would repeat the last one",
    )
    summary = f"{where}: the guard's own change; GitHub kept it but it is still not as declared"
    return Decision(POLICY, summary, actions=(RaiseAlert(alert),), facts=record)


def _unreadable(facts: BranchFacts, where: str) -> Decision:
    alert = AlertSpec(
        severity=Severity.MEDIUM,
        policy=POLICY,
        rule="protection-unreadable",
        title=f"The guard cannot read the protection of {where}",
        details=(
            f"GitHub refused to show the classic protection of `{render.cell(facts.branch)}`: "
            f"{render.cell(facts.classic_error or '')}.\n\nThe guard needs the repository permission "
            "*Administration* (read to check, write to restore). Protected branches in private repositories "
            "also need GitHub Pro, Team or Enterprise."
        ),
        repository=facts.repository,
        subject=f"branch:{facts.branch}",
        action_taken="none: protection unknown",
    )
    summary = f"{where}: protection unreadable ({facts.classic_error})"
    return Decision(POLICY, summary, actions=(RaiseAlert(alert),))
