"""Inline suppressions: ``# guard: ignore[rule-id, other-rule] reason``.

A comment on a finding's first evidence line, or alone on the line just above it, suppresses the listed
rules there. The reason is required; suppressed findings are still reported, marked with it.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from policies.base import Evidence, Finding, Severity

_COMMENT = re.compile(r"#\s*guard:\s*ignore\[([^\]]*)\]\s*(.*)$")


@dataclass(frozen=True)
class Suppression:
    line: int
    column: int
    rules: frozenset[str]
    reason: str
    standalone: bool


def suppressions(path: str, lines: Iterable[str]) -> Iterator[Suppression]:
    for number, line in enumerate(lines, start=1):
        match = _COMMENT.search(line)
        if match:
            rules = frozenset(r.strip() for r in match.group(1).split(",") if r.strip())
            standalone = not line[: match.start()].strip()
            yield Suppression(number, match.start() + 1, rules, match.group(2).strip(), standalone)


def apply(path: str, lines: tuple[str, ...], findings: Iterable[Finding]) -> list[Finding]:
    """Mark suppressed findings and report suppressions that give no reason."""
    found = list(suppressions(path, lines)) if any("guard:" in line for line in lines) else []
    result = []
    for finding in findings:
        match = _matching(path, found, finding)
        result.append(dataclasses.replace(finding, suppressed=match.reason) if match else finding)
    for item in found:
        if not item.reason:
            message = (
                f"ignore[{', '.join(sorted(item.rules))}] has no reason, so it is not honoured; write "
                "the reason after the closing bracket"
            )
            result.append(
                Finding(
                    "suppression-without-reason",
                    Severity.LOW,
                    message,
                    (Evidence(path, item.line, item.column, None, lines[item.line - 1].strip()),),
                    "Add a reason: `# guard: ignore[rule] why this is safe`.",
                )
            )
    return result


def _matching(path: str, found: list[Suppression], finding: Finding) -> Suppression | None:
    primary = next((e for e in finding.evidence if e.path == path), None)
    if primary is None:
        return None
    for item in found:
        if not item.reason or finding.rule not in item.rules:
            continue
        if item.line == primary.line or (item.standalone and item.line == primary.line - 1):
            return item
    return None
