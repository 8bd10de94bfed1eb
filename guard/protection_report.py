"""``guard protection status``: declared against effective protection, per branch, and the differences."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from guard.facts_protection import RepoRef, protected_branches, read_branch
from guard.github import Client
from policies.branch_protection.compare import Difference, stricter, weaker
from policies.branch_protection.drift import Suspension
from policies.branch_protection.model import Check, Protection, declared
from policies.branch_protection.render import when
from policies.branch_protection.settings import BranchProtectionSettings, Semantics


@dataclass(frozen=True)
class BranchReport:
    """One protected branch: what is declared, what GitHub enforces, and where they differ."""

    branch: str
    patterns: tuple[str, ...]
    declared: Protection
    effective: Protection
    sources: tuple[str, ...]
    differences: tuple[Difference, ...]
    error: str | None = None


def branch_reports(
    github: Client, repo: RepoRef, settings: BranchProtectionSettings, guard_app_id: int | None
) -> list[BranchReport]:
    reports = []
    for branch in protected_branches(github, repo, settings.branches):
        rules = settings.rules_for(branch, repo.default_branch)
        wanted = declared(rules, guard_app_id)
        facts = read_branch(
            github, repo.full_name, branch, last_written=None, admins_matter=wanted.enforce_admins
        )
        if facts is None:
            continue
        lacking = weaker(wanted, facts.effective)
        extra = stricter(wanted, facts.classic_protection) if settings.semantics is Semantics.EXACT else ()
        sources = (("classic rule",) if facts.classic is not None else ()) + tuple(
            f"ruleset {name}" for name in facts.rulesets
        )
        reports.append(
            BranchReport(
                branch,
                tuple(rule.pattern for rule in rules),
                wanted,
                facts.effective,
                sources,
                lacking + extra,
                facts.classic_error,
            )
        )
    return reports


def _value(value: Any) -> str:
    if isinstance(value, tuple):
        return ", ".join(c.describe() for c in value if isinstance(c, Check)) or "none"
    return str(value).lower() if isinstance(value, bool) else str(value)


def _rows(report: BranchReport) -> list[tuple[str, str, str, str]]:
    marks: dict[str, str] = {}
    for d in report.differences:
        marks[d.setting] = "<- weaker" if d.weaker else marks.get(d.setting, "<- stricter")
    return [
        (
            f.name,
            _value(getattr(report.declared, f.name)),
            _value(getattr(report.effective, f.name)),
            marks.get(f.name, ""),
        )
        for f in fields(Protection)
    ]


def _table(rows: list[tuple[str, str, str, str]]) -> list[str]:
    header = ("SETTING", "DECLARED", "EFFECTIVE", "")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    return [
        "  " + "  ".join(cell.ljust(widths[i]) if i < 3 else cell for i, cell in enumerate(row)).rstrip()
        for row in [header, *rows]
    ]


def render_text(
    repository: str,
    settings: BranchProtectionSettings,
    reports: list[BranchReport],
    suspension: Suspension | None,
    now: float,
) -> str:
    lines = [
        f"{repository}: branch_protection mode {settings.mode.value}, semantics {settings.semantics.value}"
    ]
    if suspension is not None and suspension.active(now):
        lines.append(f"break-glass: until {when(suspension.until)} by {suspension.by} ({suspension.reason})")
    for report in reports:
        lines += ["", f"{report.branch} (rules: {', '.join(report.patterns)})"]
        if report.error:
            lines.append(f"  classic protection unreadable: {report.error}")
        lines += _table(_rows(report))
        lines.append(f"  enforced by: {', '.join(report.sources) or 'nothing'}")
        count = len(report.differences)
        lines.append(f"  {count} difference(s)" if count else "  protected as declared")
    if not reports:
        lines.append("no existing branch matches a declared rule")
    return "\n".join(lines)


def as_json(reports: list[BranchReport], suspension: Suspension | None, now: float) -> Mapping[str, Any]:
    active = suspension is not None and suspension.active(now)
    return {
        "break_glass": (
            {"until": suspension.until, "by": suspension.by, "reason": suspension.reason}
            if active and suspension
            else None
        ),
        "branches": [
            {
                "branch": r.branch,
                "patterns": list(r.patterns),
                "declared": r.declared.to_json(),
                "effective": r.effective.to_json(),
                "enforced_by": list(r.sources),
                "differences": [
                    {"setting": d.setting, "declared": d.declared, "effective": d.actual, "weaker": d.weaker}
                    for d in r.differences
                ],
                "error": r.error,
            }
            for r in reports
        ],
    }
