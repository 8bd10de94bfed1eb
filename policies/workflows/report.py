"""Render an ``Analysis`` as text, JSON or SARIF 2.1.0 (the format GitHub code scanning accepts)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from policies.base import Finding, Severity
from policies.workflows.analyser import Analysis
from policies.workflows.catalogue import RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
TOOL_NAME = "pipeline-guard"
TOOL_URI = "https://github.com/pipeline-guard/pipeline-guard"
_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
# GitHub code scanning maps security-severity to critical (>= 9), high (7-8.9), medium (4-6.9), low.
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.5",
}
_PRECISION = {"high": "high", "medium": "medium", "low": "low"}


def selected(analysis: Analysis, minimum: Severity) -> Iterator[tuple[str, Finding]]:
    """Findings at or above ``minimum``, suppressed ones included (they are reported, not hidden)."""
    for path, finding in analysis.all():
        if finding.severity >= minimum:
            yield path, finding


def text(analysis: Analysis, minimum: Severity) -> str:
    lines: list[str] = []
    for path, finding in selected(analysis, minimum):
        first = finding.evidence[0] if finding.evidence else None
        line, column = (first.line, first.column) if first else (1, 1)
        suffix = f" [suppressed: {finding.suppressed}]" if finding.suppressed else ""
        lines.append(
            f"{path}:{line}:{column}: {finding.severity.label} {finding.rule}: {finding.message}{suffix}"
        )
        for evidence in finding.evidence[1:]:
            lines.append(f"    {evidence.path}:{evidence.line}: {evidence.snippet or ''}".rstrip())
        if finding.fix and not finding.suppressed:
            lines.append(f"    fix: {finding.fix}")
    lines.append(summary_line(analysis, minimum))
    return "\n".join(lines) + "\n"


def summary_line(analysis: Analysis, minimum: Severity) -> str:
    found = [f for _, f in selected(analysis, minimum)]
    active = Counter(f.severity for f in found if f.suppressed is None)
    suppressed = sum(1 for f in found if f.suppressed is not None)
    counts = ", ".join(f"{active[s]} {s.label}" for s in sorted(active, reverse=True)) or "no findings"
    scanned = len(analysis.findings)
    return (
        f"{scanned} file{'s' if scanned != 1 else ''} scanned: {counts} at or above {minimum.label}; "
        f"{suppressed} suppressed; {len(analysis.errors)} not analysable"
    )


def to_json(analysis: Analysis, minimum: Severity) -> str:
    files = []
    for path, findings in analysis.findings.items():
        kept = [_finding_json(f) for f in findings if f.severity >= minimum]
        files.append({"path": path, "analysed": path not in analysis.errors, "findings": kept})
    document = {
        "tool": TOOL_NAME,
        "min_severity": minimum.label,
        "files": files,
        "summary": summary_line(analysis, minimum),
    }
    return json.dumps(document) + "\n"


def _finding_json(finding: Finding) -> dict[str, Any]:
    evidence = [
        {"path": e.path, "line": e.line, "column": e.column, "end_line": e.end_line, "snippet": e.snippet}
        for e in finding.evidence
    ]
    return {
        "rule": finding.rule,
        "severity": finding.severity.label,
        "message": finding.message,
        "evidence": evidence,
        "fix": finding.fix,
        "confidence": finding.confidence,
        "suppressed": finding.suppressed,
    }


def to_sarif(analysis: Analysis, minimum: Severity, version: str) -> str:
    results = [_result(path, finding) for path, finding in selected(analysis, minimum)]
    rules = [_rule(rule_id) for rule_id in RULES]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    for result in results:
        result["ruleIndex"] = index[result["ruleId"]]
    run = {
        "tool": {
            "driver": {
                "name": TOOL_NAME,
                "informationUri": TOOL_URI,
                "semanticVersion": version,
                "version": version,
                "rules": rules,
            }
        },
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}) + "\n"


def _rule(rule_id: str) -> dict[str, Any]:
    rule = RULES[rule_id]
    return {
        "id": rule.id,
        "name": "".join(part.title() for part in rule.id.split("-")),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.help},
        "help": {"text": rule.help, "markdown": f"**{rule.title}**\n\n{rule.help}"},
        "properties": {"tags": ["security", "github-actions"]},
    }


def _result(path: str, finding: Finding) -> dict[str, Any]:
    locations = [_location(e.path, e.line, e.column, e.end_line) for e in finding.evidence] or [
        _location(path, 1, 1, None)
    ]
    message = finding.message + (f"\n\nFix: {finding.fix}" if finding.fix else "")
    result: dict[str, Any] = {
        "ruleId": finding.rule,
        "level": _LEVEL[finding.severity],
        "message": {"text": message},
        "locations": locations[:1],
        "partialFingerprints": {"guardFinding/v1": _fingerprint(path, finding)},
        "properties": {
            "severity": finding.severity.label,
            "confidence": finding.confidence,
            "security-severity": _SECURITY_SEVERITY[finding.severity],
            "precision": _PRECISION.get(finding.confidence, "medium"),
        },
    }
    related = [loc for loc in locations if loc not in result["locations"]]
    if related:
        result["relatedLocations"] = [{**loc, "id": i} for i, loc in enumerate(related)]
    if finding.suppressed is not None:
        result["suppressions"] = [{"kind": "inSource", "justification": finding.suppressed}]
    return result


def _location(path: str, line: int, column: int, end_line: int | None) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": max(line, 1), "startColumn": max(column, 1)}
    if end_line and end_line >= line:
        region["endLine"] = end_line
    location = {"artifactLocation": {"uri": path.removeprefix("./")}, "region": region}
    return {"physicalLocation": location}


def _fingerprint(path: str, finding: Finding) -> str:
    """Stable across runs and unrelated edits: rule, file and the evidence lines' text."""
    text_key = "|".join([finding.rule, path, *(e.snippet or "" for e in finding.evidence)])
    return hashlib.sha256(text_key.encode()).hexdigest()[:32]
