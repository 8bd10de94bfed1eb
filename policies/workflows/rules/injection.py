"""``expression-injection``: outsider-controlled ``${{ }}`` values pasted into code."""

from __future__ import annotations

import re
from collections.abc import Iterator

from policies.base import Finding, Severity
from policies.workflows import actions
from policies.workflows.expressions import find_spans
from policies.workflows.guards import Gate
from policies.workflows.runs import FlatStep, JobRun, span_evidence
from policies.workflows.taint import Kind, Origin, Taint
from policies.workflows.triggers import ACTOR_IS_AUTHOR, Reach
from policies.yaml_source import Scalar


def fix(source: str) -> str:
    """The env-indirection rewrite for one interpolated expression."""
    return (
        "Pass the value through the step's environment and use it quoted: "
        f'`env: {{VALUE: ${{{{ {source} }}}}}}` then `"$VALUE"` in the script (in github-script, '
        "`process.env.VALUE`). Never put ${{ }} of untrusted data inside code."
    )


_NOT_TEXT = re.compile(r"(?:sha|number|num|id|count|size)\)?$", re.IGNORECASE)
_PULL_REQUEST_FIELDS = ("github.event.pull_request.", "github.head_ref", "github.event.workflow_run.")
_SINGLE_LINE = ("head.ref", "head_ref", "head_branch", "head.label", "default_branch")


def sinks(flat: FlatStep) -> Iterator[tuple[Scalar, str]]:
    """Texts that run as code: ``run:`` and code-evaluating action inputs."""
    step = flat.step
    if step.run is not None:
        yield step.run, "run"
    for name in actions.CODE_INPUTS.get(step.action, frozenset()):
        value = step.input(name)
        if value is not None:
            yield value, f"{step.action} {name}"


def expression_injection(run: JobRun) -> Iterator[Finding]:
    for flat in run.steps:
        gates = run.gates_at(flat.position)
        for scalar, sink in sinks(flat):
            for span in find_spans(scalar.text):
                taint = flat.scope.expression(span.source, flat.step)
                verdict = judge(run, gates, taint)
                if verdict is None:
                    continue
                severity, confidence, origin = verdict
                message = (
                    f"${{{{ {span.source} }}}} carries {origin.kind.value} ({origin.detail}) into the "
                    f"{sink} of job '{run.job.id}' ({run.trigger.event}); {_holds(run)}"
                )
                needle = scalar.text[span.start : span.end]
                evidence = (*flat.via, span_evidence(flat.owner, scalar, span.start, needle))
                yield Finding(
                    "expression-injection", severity, message, evidence, fix(span.source), confidence
                )


def judge(run: JobRun, gates: frozenset[Gate], taint: Taint) -> tuple[Severity, str, Origin] | None:
    """The severity of ``taint`` reaching code in this run, or ``None`` when no outsider controls it."""
    best: tuple[Severity, str, Origin] | None = None
    for origin in sorted(taint, key=lambda o: (o.kind.name, o.detail)):
        rated = _rate(run, gates, origin)
        if rated is not None and (best is None or rated[0] > best[0]):
            best = (rated[0], rated[1], origin)
    return best


def _rate(run: JobRun, gates: frozenset[Gate], origin: Origin) -> tuple[Severity, str] | None:
    if origin.kind in (Kind.WRITER, Kind.INPUT):
        return Severity.LOW, "low"
    if origin.kind is Kind.HEAD:
        return None
    if origin.kind is Kind.PR_API and _NOT_TEXT.search(origin.detail):
        return None
    if not _outsider_controls(run, gates, origin):
        return None
    return _by_reach(run, gates, origin)


def _outsider_controls(run: JobRun, gates: frozenset[Gate], origin: Origin) -> bool:
    event, reach = run.trigger.event, run.trigger.reach
    if (
        origin.kind is Kind.TEXT
        and origin.events
        and event not in origin.events
        and reach is not Reach.CALLER
    ):
        return False
    if reach is Reach.REVIEW:
        return origin.actor_written
    if Gate.SAME_REPO in gates and (
        origin.kind is Kind.PR_API or origin.detail.startswith(_PULL_REQUEST_FIELDS)
    ):
        return False
    if Gate.TRUSTED_ACTOR in gates and (origin.actor_written or event in ACTOR_IS_AUTHOR):
        return False
    return not (Gate.TRUSTED_AUTHOR in gates and not origin.actor_written)


def _by_reach(run: JobRun, gates: frozenset[Gate], origin: Origin) -> tuple[Severity, str]:
    reach = run.trigger.reach
    if reach is Reach.OUTSIDER_PRIVILEGED:
        if gates & {Gate.LABEL, Gate.LABEL_EVENT} or not (run.loot or run.runner):
            return Severity.MEDIUM if not (run.loot or run.runner) else Severity.HIGH, "medium"
        return Severity.CRITICAL, "high" if origin.kind is Kind.TEXT else "medium"
    if reach is Reach.REVIEW:
        return Severity.HIGH, "medium"
    if reach is Reach.CALLER:
        return Severity.MEDIUM, "low"
    if reach is Reach.OUTSIDER_UNPRIVILEGED:
        return Severity.LOW, "high"
    return Severity.MEDIUM, "medium"


def carries_newlines(origin: Origin) -> bool:
    """Whether the value can hold a newline (branch names and labels cannot)."""
    return not origin.detail.endswith(_SINGLE_LINE)


def _holds(run: JobRun) -> str:
    held = list(run.loot) + ([f"a self-hosted runner ({run.runner})"] if run.runner else [])
    return "the job holds " + "; ".join(held) if held else "the job holds no secrets and a read-only token"
