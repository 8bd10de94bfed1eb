"""Settings audit: the repository's Actions settings that decide what runs from forks get.

Each weak setting is one alert with the fix. ``None`` for a setting means GitHub did not answer it (a
plan without the setting, or no permission to read it); that is reported, never taken as safe.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from policies.base import AlertSpec, Decision, Evidence, Finding, RaiseAlert, Severity
from policies.fork_secrets.report import POLICY

SAFE_APPROVAL = "all_external_contributors"
_APPROVAL_SEVERITY = {
    "first_time_contributors_new_to_github": Severity.HIGH,
    "first_time_contributors": Severity.MEDIUM,
}
SETTINGS_PAGE = "Settings → Actions → General"


@dataclass(frozen=True)
class ActionsSettings:
    """What GitHub answered for one repository; ``private_forks`` only for private and internal ones."""

    repository: str
    visibility: str
    approval_policy: str | None
    private_forks: Mapping[str, bool] | None
    default_permissions: str | None
    can_approve_reviews: bool | None
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Weakness:
    rule: str
    severity: Severity
    title: str
    fix: str


def weaknesses(facts: ActionsSettings) -> list[Weakness]:
    found = _approval(facts) + _private(facts) + _token(facts)
    found += [
        Weakness(
            "setting-unreadable",
            Severity.LOW,
            f"{name} could not be read",
            "Grant the guard *Administration: read* so it can audit this setting.",
        )
        for name in facts.unreadable
    ]
    return found


def _approval(facts: ActionsSettings) -> list[Weakness]:
    policy = facts.approval_policy
    if facts.visibility != "public" or policy is None or policy == SAFE_APPROVAL:
        return []
    return [
        Weakness(
            "fork-approval-policy",
            _APPROVAL_SEVERITY.get(policy, Severity.MEDIUM),
            f"fork pull request workflows need approval only for {policy.replace('_', ' ')}",
            f"In {SETTINGS_PAGE}, under *Approval for running fork pull request workflows from "
            "contributors*, choose *Require approval for all external contributors* (API: PUT "
            f'actions/permissions/fork-pr-contributor-approval {{"approval_policy": "{SAFE_APPROVAL}"}}).',
        )
    ]


# Private and internal repositories that run fork pull requests' workflows: (setting, weak value, weakness).
_PRIVATE_FORK_RULES = (
    (
        "send_secrets_and_variables",
        True,
        Weakness(
            "fork-secrets-sent",
            Severity.CRITICAL,
            "workflows from fork pull requests receive the repository's secrets",
            f"In {SETTINGS_PAGE}, under *Fork pull request workflows in private repositories*, clear "
            "*Send secrets and variables to workflows from fork pull requests*.",
        ),
    ),
    (
        "send_write_tokens_to_workflows",
        True,
        Weakness(
            "fork-write-token",
            Severity.HIGH,
            "workflows from fork pull requests receive a write-capable GITHUB_TOKEN",
            f"In {SETTINGS_PAGE}, clear *Send write tokens to workflows from fork pull requests*.",
        ),
    ),
    (
        "require_approval_for_fork_pr_workflows",
        False,
        Weakness(
            "fork-runs-unapproved",
            Severity.MEDIUM,
            "workflows from fork pull requests run without a maintainer's approval",
            f"In {SETTINGS_PAGE}, tick *Require approval for fork pull request workflows*.",
        ),
    ),
)


def _private(facts: ActionsSettings) -> list[Weakness]:
    forks = facts.private_forks
    if (
        facts.visibility == "public"
        or forks is None
        or not forks.get("run_workflows_from_fork_pull_requests")
    ):
        return []
    return [weakness for name, weak, weakness in _PRIVATE_FORK_RULES if bool(forks.get(name)) is weak]


def _token(facts: ActionsSettings) -> list[Weakness]:
    found = []
    if facts.default_permissions == "write":
        found.append(
            Weakness(
                "default-token-write",
                Severity.HIGH,
                "the default GITHUB_TOKEN can write to the repository",
                f"In {SETTINGS_PAGE}, under *Workflow permissions*, choose *Read repository contents and "
                "packages permissions*, and grant writes per job with `permissions:`.",
            )
        )
    if facts.can_approve_reviews:
        found.append(
            Weakness(
                "token-approves-reviews",
                Severity.MEDIUM,
                "GITHUB_TOKEN may create and approve pull requests",
                f"In {SETTINGS_PAGE}, clear *Allow GitHub Actions to create and approve pull requests*.",
            )
        )
    return found


def audit(facts: ActionsSettings) -> Decision:
    """One finding and one alert per weak setting; a clean audit says so."""
    found = weaknesses(facts)
    if not found:
        return Decision(POLICY, f"{facts.repository}: Actions settings give forks nothing extra")
    findings = tuple(
        Finding(w.rule, w.severity, w.title, (Evidence(SETTINGS_PAGE, 1),), w.fix) for w in found
    )
    alerts = tuple(RaiseAlert(_alert(facts.repository, w)) for w in found)
    summary = f"{facts.repository}: {len(found)} weak Actions setting(s): " + "; ".join(
        w.title for w in found
    )
    return Decision(POLICY, summary, findings=findings, actions=alerts)


def _alert(repository: str, weakness: Weakness) -> AlertSpec:
    return AlertSpec(
        severity=weakness.severity,
        policy=POLICY,
        rule=weakness.rule,
        title=f"{repository}: {weakness.title}",
        details=f"{weakness.title[0].upper()}{weakness.title[1:]} in {repository}.\n\n"
        f"**Fix:** {weakness.fix}",
        repository=repository,
        subject=f"settings:{weakness.rule}",
    )
