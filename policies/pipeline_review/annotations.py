"""Workflow analyser findings on the lines a pull request changed, as check run annotations."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from policies.base import Finding, Severity
from policies.checks import CheckAnnotation
from policies.patterns import match_path
from policies.pipeline_review.facts import FileChange
from policies.workflows import analyse

ANALYSED = (".github/workflows/*.yml", ".github/workflows/*.yaml", "**/action.yml", "**/action.yaml")
MAX_ANNOTATIONS = 200


def analysed_paths(files: tuple[FileChange, ...]) -> tuple[str, ...]:
    """The changed workflow and action files the analyser reads (deleted files have no content)."""
    return tuple(f.path for f in files if any(match_path(p, f.path) for p in ANALYSED))


def annotate(contents: Mapping[str, bytes], files: tuple[FileChange, ...]) -> tuple[CheckAnnotation, ...]:
    """Unsuppressed findings whose evidence lies on added lines (or anywhere, when the patch is unknown)."""
    if not contents:
        return ()
    changed = {f.path: f.added_lines for f in files}
    analysis = analyse(dict(contents))
    found = [
        annotation
        for path, finding in analysis.all()
        if path in changed and finding.suppressed is None
        for annotation in _on_changed_lines(path, finding, changed[path])
    ]
    return tuple(found[:MAX_ANNOTATIONS])


def _on_changed_lines(path: str, finding: Finding, added: frozenset[int] | None) -> Iterator[CheckAnnotation]:
    for evidence in finding.evidence:
        if evidence.path != path:
            continue
        end = max(evidence.end_line or evidence.line, evidence.line)
        if added is not None and not any(line in added for line in range(evidence.line, end + 1)):
            continue
        message = finding.message + (f"\n\nFix: {finding.fix}" if finding.fix else "")
        title = f"{finding.rule} ({finding.severity.label})"
        yield CheckAnnotation(path, evidence.line, end, _level(finding.severity), message, title)
        return


def _level(severity: Severity) -> str:
    if severity >= Severity.HIGH:
        return "failure"
    return "warning" if severity is Severity.MEDIUM else "notice"
