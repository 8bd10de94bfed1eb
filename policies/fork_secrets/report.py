"""What a block looks like where people look: the check run on the pull request head, and the alert.

Both carry the same evidence: what was blocked, by which rule, the workflow lines involved, and how a
maintainer can allow one run safely. Branch names and titles come from whoever pushed: they are never
shown; paths are shown as code with backticks and line breaks removed.
"""

from __future__ import annotations

from dataclasses import dataclass

from policies.base import AlertSpec, Finding, Severity
from policies.checks import MAX_ANNOTATIONS_PER_REQUEST, CheckAnnotation, CheckButton, PublishCheckRun
from policies.fork_secrets.origin import Origin, RunFacts

POLICY = "fork_secrets"
CHECK_NAME = "Pipeline Guard / fork safety"
ALLOW_BUTTON = "allow-run"
ALLOW_COMMAND = "/guard allow"
MAX_ANNOTATIONS = MAX_ANNOTATIONS_PER_REQUEST * 2


@dataclass(frozen=True)
class PullInfo:
    """The pull request a run acts for, as the REST API answers it now."""

    number: int
    author: str
    head_sha: str
    open: bool


@dataclass(frozen=True)
class Block:
    """One run the guard stopped (or, in ``observe``, would have stopped)."""

    rule: str
    title: str
    why: str
    run: RunFacts
    origin: Origin
    enforced: bool
    action_taken: str
    findings: tuple[Finding, ...] = ()
    pull: PullInfo | None = None

    @property
    def severity(self) -> Severity:
        return max((f.severity for f in self.findings), default=Severity.HIGH)


def code(text: str) -> str:
    """``text`` as inline code that cannot break out of its backticks or its line."""
    cleaned = " ".join(text.replace("`", "'").split())
    return f"`{cleaned[:200]}`"


def allow_help(block: Block) -> str:
    sha = block.pull.head_sha if block.pull else block.run.pull_head_sha
    where = f"pull request #{block.pull.number}" if block.pull else "the pull request"
    return (
        "**To allow one run safely:** a maintainer with write access who is not the author of "
        f"{where} and has not pushed to it reviews the change, then presses **Allow this run** on "
        f"this check or comments `{ALLOW_COMMAND} {sha}`. The allowance covers one run of exactly "
        "that commit; a new push voids it. The allowed run gets the repository's secrets, so read "
        "every changed file it can execute first."
    )


def summary(block: Block) -> str:
    run = block.run
    lines = [
        f"**{block.title}**",
        "",
        f"- Run: {run.id} (attempt {run.run_attempt}) of {code(run.path)}, triggered by "
        f"`{run.event}` by {code(run.actor or 'unknown')}",
        f"- Origin: {block.origin.reason}",
        f"- Rule: `{block.rule}` — {block.why}",
        f"- Action: {block.action_taken}",
    ]
    if block.findings:
        lines += ["", "Workflow findings that make this run dangerous:", ""]
        lines += [_finding_line(f) for f in block.findings]
    return "\n".join([*lines, "", allow_help(block)])


def _finding_line(finding: Finding) -> str:
    first = finding.evidence[0] if finding.evidence else None
    where = f"{code(first.path)} line {first.line}: " if first else ""
    fix = f" Fix: {finding.fix}" if finding.fix else ""
    return f"- **{finding.severity.label}** `{finding.rule}` {where}{finding.message}.{fix}"


def annotations_for(findings: tuple[Finding, ...]) -> tuple[CheckAnnotation, ...]:
    found = [
        CheckAnnotation(
            path=evidence.path,
            start_line=max(evidence.line, 1),
            end_line=max(evidence.end_line or evidence.line, evidence.line, 1),
            level="failure" if finding.severity >= Severity.HIGH else "warning",
            message=finding.message,
            title=f"{finding.severity.label}: {finding.rule}",
        )
        for finding in findings
        for evidence in finding.evidence
    ]
    return tuple(found[:MAX_ANNOTATIONS])


def check_run(block: Block) -> PublishCheckRun:
    """The check run on the pull request's head commit, with an allow button when the PR is known."""
    buttons = (
        (CheckButton("Allow this run", "Allow one run of this exact commit", ALLOW_BUTTON),)
        if block.pull is not None
        else ()
    )
    return PublishCheckRun(
        repository=block.run.repository,
        head_sha=block.pull.head_sha if block.pull else block.run.pull_head_sha,
        name=CHECK_NAME,
        conclusion="failure" if block.enforced else "neutral",
        title=block.title[:200],
        summary=summary(block),
        annotations=annotations_for(block.findings),
        buttons=buttons,
        external_id=f"pull:{block.pull.number}" if block.pull else None,
    )


def alert(block: Block) -> AlertSpec:
    """The security team's alert, with the same evidence as the check run."""
    return AlertSpec(
        severity=block.severity,
        policy=POLICY,
        rule=block.rule,
        title=f"{block.title} in {block.run.repository}",
        details=summary(block),
        repository=block.run.repository,
        subject=f"run:{block.run.id}:{block.run.run_attempt}",
        actor=block.run.actor,
        action_taken=block.action_taken,
    )
