"""A job as one trigger runs it: its condition and gates, what it holds (secrets, a write token, a
self-hosted runner), and its steps with local composite actions followed.

Rules look at ``JobRun`` values; one workflow job yields one ``JobRun`` per trigger that can start it.
Local reusable workflows (``jobs.<id>.uses: ./.github/workflows/x.yml``) yield the called workflow's
jobs under the caller's triggers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from policies.base import Evidence
from policies.workflows import actions
from policies.workflows.guards import ALWAYS, Cond, Gate, both, condition
from policies.workflows.model import Job, Step, Workflow, per_object, text_of
from policies.workflows.settings import DEFAULT_SETTINGS, AnalyserSettings
from policies.workflows.taint import EMPTY, Kind, Origin, Scope, Taint
from policies.workflows.triggers import Trigger
from policies.yaml_source import Mapping as YamlMapping
from policies.yaml_source import Node, Scalar, Sequence

_SECRET = re.compile(r"\bsecrets\.([A-Za-z_][A-Za-z0-9_]*)|\bsecrets\[")
_PERMISSION_SCRIPT = re.compile(
    r"getCollaboratorPermissionLevel|collaborators/[^\s]*/permission|"
    r"checkMembershipForUser|getMembershipForUserInOrg|/permission\b|"
    r"author_association|teams/[^\s]*/memberships",
    re.IGNORECASE,
)
_FORK_SCRIPT = re.compile(
    r"head\.repo\.fork|head\.repo\.full_name|isCrossRepository|headRepository|isFork|"
    r"is_fork",
    re.IGNORECASE,
)
_FAILS = re.compile(r"setFailed|process\.exit\(\s*1|\bexit\s+1\b|core\.error", re.IGNORECASE)
_MATRIX_LABEL = re.compile(r"^\$\{\{\s*matrix\.([\w-]+)\s*\}\}$")
_GITHUB_HOSTED = re.compile(r"^(?:ubuntu|windows|macos)-[\w.-]+$", re.IGNORECASE)


@dataclass(frozen=True)
class FlatStep:
    """A step of a job, or of a local composite action the job calls (``via`` holds the calls)."""

    step: Step
    owner: Workflow
    scope: Scope
    via: tuple[Evidence, ...] = ()
    position: int = 0

    def evidence(self, node: Node | None = None, note: str | None = None) -> tuple[Evidence, ...]:
        target = node or self.step.node
        line = self.owner.lines[target.line - 1].strip() if 0 < target.line <= len(self.owner.lines) else None
        return (
            *self.via,
            Evidence(self.owner.path, target.line, target.column, target.end_line, note or line),
        )


@dataclass(frozen=True)
class JobRun:
    """One job as one trigger starts it."""

    workflow: Workflow
    job: Job
    trigger: Trigger
    cond: Cond
    scope: Scope
    steps: tuple[FlatStep, ...]
    loot: tuple[str, ...]
    runner: str | None
    via: tuple[Evidence, ...] = ()
    step_gates: Mapping[int, frozenset[Gate]] = field(default_factory=dict)
    settings: AnalyserSettings = DEFAULT_SETTINGS
    step_conds: Mapping[int, Cond] = field(default_factory=dict)

    def gates_at(self, position: int) -> frozenset[Gate]:
        """Gates in force when the flat step at ``position`` runs: the job's condition, checks made by
        earlier steps, and the step's own condition."""
        extra = [gates for index, gates in self.step_gates.items() if index < position]
        own = self.step_conds.get(position)
        if own is not None:
            extra.append(own.gates)
        return self.cond.gates.union(*extra) if extra else self.cond.gates

    def job_evidence(self, note: str | None = None) -> tuple[Evidence, ...]:
        key = self.job.key
        line = self.workflow.lines[key.line - 1].strip() if 0 < key.line <= len(self.workflow.lines) else None
        return (*self.via, Evidence(self.workflow.path, key.line, key.column, None, note or line))


def evidence_at(workflow: Workflow, node: Node) -> Evidence:
    line = workflow.lines[node.line - 1].strip() if 0 < node.line <= len(workflow.lines) else None
    return Evidence(workflow.path, node.line, node.column, node.end_line, line)


def span_evidence(workflow: Workflow, scalar: Scalar, offset: int, needle: str) -> Evidence:
    """Evidence for text at ``offset`` inside ``scalar``, found on the source line that holds it."""
    estimate = scalar.line + scalar.text[:offset].count("\n") + (1 if scalar.style in ("|", ">") else 0)
    probe = needle[:40]
    order = [estimate, *range(scalar.line, max(scalar.end_line, estimate) + 1)]
    for number in order:
        if 0 < number <= len(workflow.lines) and probe in workflow.lines[number - 1]:
            text = workflow.lines[number - 1]
            return Evidence(workflow.path, number, text.index(probe) + 1, None, text.strip())
    return evidence_at(workflow, scalar)


def job_condition(workflow: Workflow, job: Job, trigger: Trigger, activity: str | None = None) -> Cond:
    """The job's own condition together with what its ``needs`` require."""
    seen: set[str] = set()
    return _job_condition(workflow, job, trigger.event, activity, seen)


def _job_condition(workflow: Workflow, job: Job, event: str, activity: str | None, seen: set[str]) -> Cond:
    own = condition(
        job.condition.text if job.condition else None, event, activity, trusted_outputs(workflow, job)
    )
    if job.condition is not None and "always()" in job.condition.text.replace(" ", ""):
        return own
    result = own
    for name in job.needs:
        needed = workflow.job(name)
        if needed is None or name in seen:
            continue
        seen.add(name)
        upstream = _job_condition(workflow, needed, event, activity, seen)
        gates = upstream.gates | _check_step_gates(needed.steps)
        result = both(result, Cond("maybe", gates) if gates else ALWAYS)
    return result


def _check_step_gates(steps: tuple[Step, ...]) -> frozenset[Gate]:
    found: set[Gate] = set()
    for step in steps:
        found |= step_gate(step)
    return frozenset(found)


@per_object
def step_gate(step: Step) -> frozenset[Gate]:
    """Gates a step enforces by failing the job: permission checks and same-repository checks."""
    keep_going = step.node.get("continue-on-error")
    if isinstance(keep_going, Scalar) and keep_going.value is not False:
        return frozenset()  # a failure here does not stop the job (an expression may also be true)
    if step.action in actions.PERMISSION_CHECKS:
        return frozenset({Gate.TRUSTED_ACTOR})
    code = step.code
    lowered = step.code_lower
    if not any(word in lowered for word in ("setfailed", "exit", "core.error")) or not _FAILS.search(code):
        return frozenset()
    gates = set()
    if _PERMISSION_SCRIPT.search(code):
        gates.add(Gate.TRUSTED_ACTOR)
    if _FORK_SCRIPT.search(code):
        gates.add(Gate.SAME_REPO)
    return frozenset(gates)


def loot(
    workflow: Workflow, job: Job, settings: AnalyserSettings, caller: Job | None = None
) -> tuple[str, ...]:
    """What code running in the job could steal: secrets and a write-capable token."""
    return _loot(job, workflow, settings, caller)


@per_object
def _loot(job: Job, workflow: Workflow, settings: AnalyserSettings, caller: Job | None) -> tuple[str, ...]:
    held: list[str] = []
    token = token_access(job.permissions, workflow.permissions, settings, caller)
    if token:
        held.append(token)
    names = sorted(secret_names(job, workflow) - {"GITHUB_TOKEN"})
    if names:
        held.append("secrets " + ", ".join(names[:5]) + (" ..." if len(names) > 5 else ""))
    if job.environment is not None:
        held.append(f"environment {environment_name(job)!r} secrets")
    return tuple(held)


def token_access(
    permissions: Node | None,
    workflow_permissions: Node | None,
    settings: AnalyserSettings,
    caller: Job | None = None,
) -> str | None:
    """A description of the job token's write access, or ``None`` when it is read-only."""
    effective = permissions if permissions is not None else workflow_permissions
    if effective is None and caller is not None:
        effective = caller.permissions
    if effective is None:
        return (
            "a write-capable GITHUB_TOKEN (no permissions: block)"
            if settings.assume_default_token_writes
            else None
        )
    if isinstance(effective, Scalar):
        return "a GITHUB_TOKEN with write-all" if effective.text == "write-all" else None
    if isinstance(effective, YamlMapping):
        writes = [
            key.text for key, value in effective.pairs if isinstance(value, Scalar) and value.text == "write"
        ]
        return f"a GITHUB_TOKEN with {', '.join(writes)}: write" if writes else None
    return None


@per_object
def secret_names(job: Job, workflow: Workflow) -> frozenset[str]:
    """Names of the secrets a job reads (and of the workflow-level env it inherits)."""
    text = "\n".join([text_of(job.node), *(v.text for v in workflow.env.values())])
    names = {match.group(1) or "(computed)" for match in _SECRET.finditer(text)}
    if isinstance(job.secrets, Scalar) and job.secrets.text == "inherit":
        names.add("(all, inherited)")
    return frozenset(names)


def environment_name(job: Job) -> str:
    node = job.environment
    if isinstance(node, YamlMapping):
        node = node.get("name")
    return node.text if isinstance(node, Scalar) else "?"


def runner(job: Job, settings: AnalyserSettings) -> str | None:
    """The label that makes the job run on a self-hosted runner, if any (matrix values included)."""
    for labels in runner_label_sets(job):
        for label in labels:
            if label.lower() == "self-hosted" or label in settings.self_hosted_labels:
                return label
    return None


def unknown_runner(job: Job, settings: AnalyserSettings) -> str | None:
    """A ``runs-on`` label that is neither GitHub-hosted nor configured: maybe a self-hosted runner, maybe a
    third-party hosted one."""
    hosted = set(settings.github_hosted_labels)
    for labels in runner_label_sets(job):
        unknown = [
            lab for lab in labels if "${{" not in lab and lab not in hosted and not _GITHUB_HOSTED.match(lab)
        ]
        if unknown and len(unknown) == len(labels):
            return unknown[0]
    return None


def runner_label_sets(job: Job) -> list[list[str]]:
    """The label sets ``runs-on`` can take; ``${{ matrix.x }}`` expands to the matrix's values of x."""
    node = job.runs_on
    if isinstance(node, YamlMapping):
        node = node.get("labels")
    if isinstance(node, Scalar):
        match = _MATRIX_LABEL.match(node.text.strip())
        return _matrix_values(job, match.group(1)) if match else [[node.text]]
    if isinstance(node, Sequence):
        return [[item.text for item in node.items if isinstance(item, Scalar)]]
    return []


def _matrix_values(job: Job, key: str) -> list[list[str]]:
    strategy = job.node.get("strategy")
    matrix = strategy.get("matrix") if isinstance(strategy, YamlMapping) else None
    if not isinstance(matrix, YamlMapping):
        return []
    values: list[Node] = []
    direct = matrix.get(key)
    if isinstance(direct, Sequence):
        values.extend(direct.items)
    include = matrix.get("include")
    if isinstance(include, Sequence):
        values.extend(v for item in include.items if isinstance(item, YamlMapping) and (v := item.get(key)))
    return [_labels(value) for value in values]


def _labels(node: Node) -> list[str]:
    if isinstance(node, Scalar):
        return [node.text]
    if isinstance(node, Sequence):
        return [item.text for item in node.items if isinstance(item, Scalar)]
    return []


def flatten(
    files: Mapping[str, Workflow],
    owner: Workflow,
    steps: tuple[Step, ...],
    scope: Scope,
    *,
    via: tuple[Evidence, ...],
    depth: int,
) -> Iterator[FlatStep]:
    """Steps in run order, with the steps of local composite actions after the step that calls them."""
    for step in steps:
        yield FlatStep(step, owner, scope, via)
        action = local_target(files, step.uses.text if step.uses else "", "action")
        if action is None or depth <= 0 or not action.jobs:
            continue
        inputs = {name: scope.text(value.text, step) for name, value in step.with_.items()}
        inner_job = action.jobs[0]
        inner = Scope(action, inner_job, inner_job.steps, inputs=inputs, artifact_after=scope.artifact_after)
        call = evidence_at(owner, step.uses or step.node)
        yield from flatten(files, action, inner_job.steps, inner, via=(*via, call), depth=depth - 1)


def local_target(files: Mapping[str, Workflow], uses: str, kind: str) -> Workflow | None:
    """The composite action or reusable workflow a ``uses: ./...`` names, when its file is present."""
    if not uses.startswith("./"):
        return None
    path = uses[2:].split("@", 1)[0].rstrip("/")
    candidates = [path] if kind == "workflow" else [f"{path}/action.yml", f"{path}/action.yaml", path]
    for candidate in candidates:
        target = files.get(candidate)
        if target is not None and target.kind == kind:
            return target
    return None


def positioned(steps: Iterable[FlatStep]) -> tuple[FlatStep, ...]:
    return tuple(FlatStep(s.step, s.owner, s.scope, s.via, i) for i, s in enumerate(steps))


def gates_of_steps(steps: tuple[FlatStep, ...]) -> dict[int, frozenset[Gate]]:
    return {flat.position: gates for flat in steps if (gates := step_gate(flat.step))}


def permission_steps(steps: Iterable[Step]) -> frozenset[str]:
    """Lower-case ``steps.<id>`` prefixes of permission checks, and of steps that only run after one."""
    found: set[str] = set()
    for step in steps:
        if not step.id:
            continue
        guarded = step.condition is not None and any(f in step.condition.text.lower() for f in found)
        if is_permission_check(step) or guarded:
            found.add(f"steps.{step.id.lower()}")
    return frozenset(found)


def trusted_outputs(workflow: Workflow, job: Job) -> frozenset[str]:
    """``needs.<job>.outputs.<name>`` prefixes whose values come from a permission check."""
    found: set[str] = set()
    for name in job.needs:
        needed = workflow.job(name)
        if needed is None:
            continue
        checks = permission_steps(needed.steps)
        for output, value in needed.outputs.items():
            if any(check in value.text.lower() for check in checks):
                found.add(f"needs.{name.lower()}.outputs.{output.lower()}")
    return frozenset(found)


@per_object
def is_permission_check(step: Step) -> bool:
    """A step that checks the actor's permission and reports the answer (outputs or failure)."""
    if step.action in actions.PERMISSION_CHECKS:
        return True
    code = "\n".join([step.run.text if step.run else "", *(v.text for v in step.with_.values())])
    lowered = step.code_lower
    words = ("permission", "membership", "author_association")
    return any(word in lowered for word in words) and bool(_PERMISSION_SCRIPT.search(code))


def step_conditions(steps: tuple[FlatStep, ...], event: str) -> dict[int, Cond]:
    """Each step's own ``if:`` for ``event``; outputs of permission checks count as gates."""
    trusted = permission_steps(s.step for s in steps)
    return {
        flat.position: condition(flat.step.condition.text, event, None, trusted)
        for flat in steps
        if flat.step.condition is not None
    }


def inputs_for_root(workflow: Workflow, triggers: tuple[Trigger, ...]) -> dict[str, Taint]:
    """Inputs of a workflow that is not called locally: dispatch inputs are a writer's, others unknown."""
    found: dict[str, Taint] = {}
    for trigger in triggers:
        kind = Kind.WRITER if trigger.event == "workflow_dispatch" else Kind.INPUT
        for name in trigger.inputs:
            found[name] = found.get(name, EMPTY) | {Origin(kind, f"inputs.{name}")}
    return found
