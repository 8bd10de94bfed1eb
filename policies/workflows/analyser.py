"""Run every rule over a set of workflow and action files from one repository."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from policies.base import Evidence, Finding, Severity
from policies.workflows import suppression
from policies.workflows.downloads import untrusted_download
from policies.workflows.guards import Cond, both
from policies.workflows.model import Job, ShapeError, Workflow, build
from policies.workflows.rules.artifacts import artifact_poisoning, untrusted_env_write
from policies.workflows.rules.checkout import untrusted_checkout
from policies.workflows.rules.injection import expression_injection
from policies.workflows.rules.pinning import unpinned_actions
from policies.workflows.rules.runners import self_hosted_fork
from policies.workflows.rules.secrets import (
    excessive_permissions,
    secrets_inherit,
    secrets_outside_environment,
    secrets_tojson,
    spoofable_actor,
)
from policies.workflows.runs import (
    FlatStep,
    JobRun,
    evidence_at,
    flatten,
    gates_of_steps,
    inputs_for_root,
    job_condition,
    local_target,
    loot,
    positioned,
    runner,
    step_conditions,
)
from policies.workflows.settings import DEFAULT_SETTINGS, AnalyserSettings
from policies.workflows.taint import Scope, Taint
from policies.workflows.triggers import Reach, Trigger, fork_reachable, parse_triggers, privileged
from policies.yaml_source import Scalar, YamlError, load

# Triggers only writers can cause yield findings only through pushed commit messages (push, merge
# queues) or approvals that check out a pull request (dispatch events); the others are skipped.
_WRITER_EVENTS_WITH_FINDINGS = frozenset({"push", "merge_group", "workflow_dispatch", "repository_dispatch"})
JOB_RULES: tuple[Callable[[JobRun], Iterable[Finding]], ...] = (
    untrusted_checkout,
    expression_injection,
    artifact_poisoning,
    untrusted_env_write,
    self_hosted_fork,
    secrets_outside_environment,
    spoofable_actor,
)


@dataclass(frozen=True)
class Analysis:
    """Findings per file; a file that could not be analysed has an ``invalid-workflow`` finding and an
    entry in ``errors``."""

    findings: Mapping[str, tuple[Finding, ...]]
    errors: Mapping[str, Finding]

    def all(self) -> Iterator[tuple[str, Finding]]:
        for path, findings in self.findings.items():
            for finding in findings:
                yield path, finding

    def worst(self, path: str | None = None) -> Severity | None:
        """The highest severity among unsuppressed findings (of one file, or of all)."""
        severities = [f.severity for p, f in self.all() if f.suppressed is None and path in (None, p)]
        return max(severities, default=None)

    def blocking(self, threshold: Severity = Severity.HIGH, path: str | None = None) -> bool:
        worst = self.worst(path)
        return worst is not None and worst >= threshold


def analyse(files: Mapping[str, bytes | str], *, settings: AnalyserSettings = DEFAULT_SETTINGS) -> Analysis:
    """Analyse workflows and actions keyed by their repository path (``.github/workflows/ci.yml``,
    ``.github/actions/x/action.yml``); local ``uses: ./...`` are followed when their file is present."""
    models: dict[str, Workflow] = {}
    errors: dict[str, Finding] = {}
    for path, content in files.items():
        try:
            models[path] = parse_file(path, content)
        except (YamlError, ShapeError) as exc:
            errors[path] = invalid_file(path, exc)
    results: dict[str, tuple[Finding, ...]] = {path: (error,) for path, error in errors.items()}
    names = {_name(w): w for w in models.values() if w.kind == "workflow"}
    for path, workflow in models.items():
        try:
            found = _dedupe(_findings(workflow, models, settings, names))
        except RecursionError:
            errors[path] = _too_deep(path)
            results[path] = (errors[path],)
            continue
        results[path] = tuple(sorted(suppression.apply(path, workflow.lines, found), key=_order))
    return Analysis(dict(sorted(results.items())), errors)


def parse_file(path: str, content: bytes | str) -> Workflow:
    """Load and model one file; raises ``YamlError`` or ``ShapeError``."""
    root = load(content, path=path)
    text = content if isinstance(content, str) else content.decode("utf-8-sig")
    return build(path, root, text)


def invalid_file(path: str, exc: YamlError | ShapeError) -> Finding:
    """The finding for a file that could not be analysed."""
    message = f"not analysed: {exc.message}"
    return Finding(
        "invalid-workflow",
        Severity.HIGH,
        message,
        (Evidence(path, exc.line, exc.column),),
        "Fix the file so it parses as a GitHub Actions workflow or action, then scan it again.",
    )


def _too_deep(path: str) -> Finding:
    message = "not analysed: values refer to each other too deeply (env, outputs or expressions) to follow"
    return Finding(
        "invalid-workflow",
        Severity.HIGH,
        message,
        (Evidence(path, 1, 1),),
        "Simplify the chains of env and output references, then scan it again.",
    )


def triggers_of(workflow: Workflow) -> tuple[Trigger, ...]:
    if workflow.kind == "action":
        return (Trigger("workflow_call", workflow.root, None),)
    return parse_triggers(workflow.on)


def _findings(
    workflow: Workflow,
    files: Mapping[str, Workflow],
    settings: AnalyserSettings,
    names: Mapping[str, Workflow],
) -> Iterator[Finding]:
    triggers = tuple(t for t in triggers_of(workflow) if _reachable(t, names))
    privileged_events = tuple(sorted({t.event for t in privileged(triggers)}))
    for run in job_runs(workflow, files, settings, triggers):
        for rule in JOB_RULES:
            yield from rule(run)
    yield from unpinned_actions(workflow, settings, bool(privileged_events))
    yield from secrets_inherit(workflow, bool(privileged_events))
    yield from secrets_tojson(workflow)
    if workflow.kind == "workflow":
        yield from excessive_permissions(workflow, privileged_events)
    yield from _unfollowed(workflow, files)


def job_runs(
    workflow: Workflow,
    files: Mapping[str, Workflow],
    settings: AnalyserSettings,
    triggers: tuple[Trigger, ...],
) -> Iterator[JobRun]:
    """Every job of ``workflow`` under every trigger that can start it."""
    builder = _RunBuilder(files, settings, {})
    scopes = _scopes(workflow, inputs_for_root(workflow, triggers) if workflow.kind == "workflow" else None)
    relevant = [t for t in triggers if t.reach is not Reach.WRITER or t.event in _WRITER_EVENTS_WITH_FINDINGS]
    for job in workflow.jobs:
        for trigger in relevant:
            yield from builder.runs(workflow, job, trigger, scopes)


def _reachable(trigger: Trigger, names: Mapping[str, Workflow]) -> bool:
    """False for a ``workflow_run`` whose upstream workflows are all known and none can be started by an
    outsider; a fork's pull request can only reach ``workflow_run`` through such an upstream run."""
    if trigger.event != "workflow_run" or not trigger.workflows:
        return True
    upstream = [names.get(name) for name in trigger.workflows]
    if any(workflow is None for workflow in upstream):
        return True
    return any(fork_reachable(triggers_of(workflow)) for workflow in upstream if workflow is not None)


def _name(workflow: Workflow) -> str:
    """The name ``workflow_run`` filters match: ``name:``, or the file's path when there is none."""
    node = workflow.root.get("name")
    return node.text if isinstance(node, Scalar) else workflow.path


def _scopes(workflow: Workflow, inputs: Mapping[str, Taint] | None) -> dict[str, Scope]:
    scopes: dict[str, Scope] = {}
    for job in workflow.jobs:
        after = next((s.index for s in job.steps if untrusted_download(s) is not None), None)
        scopes[job.id] = Scope(workflow, job, job.steps, inputs=inputs, jobs=scopes, artifact_after=after)
    return scopes


@dataclass(frozen=True)
class _Call:
    """A local reusable workflow call: the calling job, its condition and the evidence chain."""

    job: Job
    cond: Cond
    via: tuple[Evidence, ...]
    passes_secrets: bool
    depth: int


@dataclass(frozen=True)
class _RunBuilder:
    files: Mapping[str, Workflow]
    settings: AnalyserSettings
    flattened: dict[tuple[int, int], tuple[FlatStep, ...]]

    def steps(self, workflow: Workflow, job: Job, scope: Scope, caller: _Call | None) -> tuple[FlatStep, ...]:
        """The job's steps with local composite actions followed; the same for every trigger."""
        key = (id(job), id(caller))
        if key not in self.flattened:
            via = caller.via if caller else ()
            depth = self.settings.max_call_depth
            self.flattened[key] = positioned(
                flatten(self.files, workflow, job.steps, scope, via=via, depth=depth)
            )
        return self.flattened[key]

    def runs(
        self,
        workflow: Workflow,
        job: Job,
        trigger: Trigger,
        scopes: Mapping[str, Scope],
        caller: _Call | None = None,
    ) -> Iterator[JobRun]:
        cond = job_condition(workflow, job, trigger)
        if caller is not None:
            cond = both(caller.cond, cond)
        if not cond.runs:
            return
        if job.uses is not None:
            yield from self.called(
                workflow, job, trigger, scopes[job.id], _Call(job, cond, (), False, 0), caller=caller
            )
            return
        via = caller.via if caller else ()
        scope = scopes[job.id]
        steps = self.steps(workflow, job, scope, caller)
        conds = step_conditions(steps, trigger.event)
        steps = positioned(s for s in steps if conds.get(s.position, cond).runs)
        held = loot(workflow, job, self.settings, caller.job if caller else None)
        if caller is not None and not caller.passes_secrets:
            held = tuple(item for item in held if not item.startswith("secrets"))
        run = JobRun(workflow, job, trigger, cond, scope, steps, held, runner(job, self.settings), via)
        yield dataclasses.replace(
            run,
            step_gates=gates_of_steps(steps),
            settings=self.settings,
            step_conds=step_conditions(steps, trigger.event),
        )

    def called(
        self,
        workflow: Workflow,
        job: Job,
        trigger: Trigger,
        scope: Scope,
        call: _Call,
        *,
        caller: _Call | None,
    ) -> Iterator[JobRun]:
        assert job.uses is not None
        target = local_target(self.files, job.uses.text, "workflow")
        depth = caller.depth + 1 if caller else 1
        if target is None or depth > self.settings.max_call_depth:
            return
        inputs = {name: scope.text(value.text) for name, value in job.with_.items()}
        via = (*(caller.via if caller else ()), evidence_at(workflow, job.uses))
        call = dataclasses.replace(call, via=via, passes_secrets=job.secrets is not None, depth=depth)
        inner_scopes = _scopes(target, inputs)
        for inner in target.jobs:
            yield from self.runs(target, inner, trigger, inner_scopes, call)


def _unfollowed(workflow: Workflow, files: Mapping[str, Workflow]) -> Iterator[Finding]:
    for job in workflow.jobs:
        refs = [job.uses] if job.uses is not None else []
        refs += [step.uses for step in job.steps if step.uses is not None]
        for uses in refs:
            text = uses.text.strip()
            kind = "workflow" if text.endswith((".yml", ".yaml")) else "action"
            if text.startswith("./") and local_target(files, text, kind) is None:
                message = f"{text} was not among the scanned files, so what it does was not analysed"
                yield Finding(
                    "unfollowed-reference",
                    Severity.INFO,
                    message,
                    (evidence_at(workflow, uses),),
                    "Scan the repository root so local actions and reusable workflows are included.",
                )


def _dedupe(findings: Iterable[Finding]) -> list[Finding]:
    best: dict[tuple[object, ...], Finding] = {}
    for finding in findings:
        key = (finding.rule, *((e.path, e.line, e.column) for e in finding.evidence))
        if key not in best or finding.severity > best[key].severity:
            best[key] = finding
    return list(best.values())


def _order(finding: Finding) -> tuple[int, int, int, str]:
    first = finding.evidence[0] if finding.evidence else Evidence("", 0)
    return (first.line, first.column, -int(finding.severity), finding.rule)
