"""Where the values in a job come from: outsider-written text, a pull request's head, an untrusted
artifact, a maintainer's dispatch input.

A ``Scope`` resolves the contexts an expression reads (``github.event.*``, ``env.X``,
``steps.S.outputs.Y``, ``needs.J.outputs.Y``, ``inputs.X``) to the set of ``Origin`` values that can
reach them, following ``env:`` indirection, step outputs and job outputs, and the inputs a local
action or reusable workflow receives from its caller.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from policies.workflows import contexts
from policies.workflows.contexts import Head
from policies.workflows.expressions import (
    Access,
    Binary,
    Call,
    Context,
    Expr,
    ExpressionError,
    find_spans,
    parse,
    path_of,
)
from policies.workflows.model import Job, Step, Workflow

_BOOLEAN_CALLS = frozenset(
    {"contains", "startswith", "endswith", "success", "failure", "always", "cancelled", "hashfiles"}
)
_PR_API = re.compile(
    r"pulls\.get\b|pulls/\$|/pulls/|gh\s+pr\s+view|gh\s+api\s+\S*pulls|headRefName|"
    r"headRepository|pullRequest\(|pulls\.list|listPullRequestsAssociatedWithCommit"
)
_READS_FILES = re.compile(
    r"readFileSync|\bcat\s|\$\(<|<\s*\S+\s*$|\bjq\b|\bread\b|\bhead\s+-|\bxargs\b", re.MULTILINE
)
_SHELL_VAR = re.compile(r"\$\{?([A-Za-z_][A-Za-z0-9_]*)")


class Kind(enum.Enum):
    TEXT = "outsider-written text"
    HEAD = "the pull request's head"
    ARTIFACT = "an artifact from a run an outsider controls"
    PR_API = "pull request data fetched at run time"
    WRITER = "a value typed by someone with write access"
    INPUT = "an input whose caller is unknown"


@dataclass(frozen=True)
class Origin:
    """One source of untrusted data; ``events`` limits TEXT to the events whose payload carries it."""

    kind: Kind
    detail: str
    events: frozenset[str] = frozenset()
    head: Head | None = None

    @property
    def actor_written(self) -> bool:
        """Written by the person who caused the event (a comment's or review's author)."""
        return self.detail.startswith(("github.event.comment.", "github.event.review."))


Taint = frozenset[Origin]
V = TypeVar("V")
EMPTY: Taint = frozenset()


def origins_of_path(path: tuple[str, ...]) -> Taint:
    """Origins of a context that does not depend on the job (``github.*``)."""
    found: set[Origin] = set()
    text = contexts.untrusted(path)
    if text is not None:
        found.add(Origin(Kind.TEXT, text.path, text.events))
    head = contexts.head(path)
    if head is not None:
        found.add(Origin(Kind.HEAD, ".".join(path), head=head))
    if path[:3] == ("github", "event", "client_payload") or path[:3] == ("github", "event", "inputs"):
        found.add(Origin(Kind.WRITER, ".".join(path)))
    return frozenset(found)


@dataclass
class Scope:
    """Resolves contexts for one job (or composite action) of one workflow."""

    workflow: Workflow
    job: Job
    steps: tuple[Step, ...]
    inputs: Mapping[str, Taint] | None = None
    jobs: Mapping[str, Scope] = field(default_factory=dict)
    artifact_after: int | None = None
    _active: set[str] = field(default_factory=set)
    _steps: dict[int, Taint] = field(default_factory=dict)

    def expression(self, source: str, step: Step | None = None) -> Taint:
        try:
            expr = parse(source)
        except ExpressionError:
            return EMPTY
        return self.value(expr, step)

    def text(self, text: str, step: Step | None = None) -> Taint:
        """Taint of every ``${{ }}`` in ``text``."""
        return frozenset().union(*(self.expression(s.source, step) for s in find_spans(text)))

    def value(self, expr: Expr, step: Step | None) -> Taint:
        """Origins that can flow into the value of ``expr`` (booleans and comparisons carry none)."""
        if isinstance(expr, Binary):
            if expr.operator == "||":
                return self.value(expr.left, step) | self.value(expr.right, step)
            return self.value(expr.right, step) if expr.operator == "&&" else EMPTY
        if isinstance(expr, Call):
            if expr.name in _BOOLEAN_CALLS:
                return EMPTY
            return frozenset().union(*(self.value(arg, step) for arg in expr.args))
        return self.access(expr, step) if isinstance(expr, Access | Context) else EMPTY

    def access(self, expr: Access | Context, step: Step | None) -> Taint:
        """A context path, or a property of a computed value (``fromJSON(x).y`` carries ``x``)."""
        path = path_of(expr)
        if path:
            return self.path(path, step)
        base: Expr = expr
        while isinstance(base, Access):
            base = base.base
        return self.value(base, step)

    def path(self, path: tuple[str, ...], step: Step | None) -> Taint:
        root = path[0]
        if root == "env" and len(path) > 1:
            return self.env(path[1], step)
        if root == "steps" and len(path) > 3 and path[2] == "outputs":
            return self.step_output(path[1], path[3])
        if root == "needs" and len(path) > 3 and path[2] == "outputs":
            return self.job_output(path[1], path[3])
        if root == "inputs" and len(path) > 1:
            return self.input(path[1])
        return origins_of_path(path)

    def env(self, name: str, step: Step | None) -> Taint:
        for mapping in (step.env if step else {}, self.job.env, self.workflow.env):
            value = lookup(mapping, name)
            if value is not None:
                return self._guarded(f"env:{name}:{id(mapping)}", lambda v=value: self.text(v.text, None))
        return EMPTY

    def shell_env(self, script: str, step: Step) -> Taint:
        """Taint of the environment variables a shell script expands (``$X``, ``${X}``)."""
        names = {m.group(1) for m in _SHELL_VAR.finditer(script)}
        return frozenset().union(*(self.env(name, step) for name in names))

    def step_output(self, step_id: str, name: str) -> Taint:
        step = next((s for s in self.steps if (s.id or "").lower() == step_id.lower()), None)
        if step is None:
            return EMPTY
        if step.index not in self._steps:
            self._steps[step.index] = self._guarded(f"step:{step_id}", lambda: self.step_taint(step))
        taint = self._steps[step.index]
        return frozenset(
            Origin(o.kind, f"{o.detail} ({name})")
            if o.kind is Kind.PR_API and not o.detail.endswith(")")
            else o
            for o in taint
        )

    def step_taint(self, step: Step) -> Taint:
        """Everything a step reads, which may reach what it writes to its outputs."""
        texts = [v.text for v in (*step.with_.values(), *step.env.values())]
        script = step.run.text if step.run else ""
        taint = set(self.text("\n".join([script, *texts]), step))
        taint |= self.shell_env(script, step) if script else EMPTY
        code = "\n".join([script, *texts])
        if _PR_API.search(code):
            taint.add(Origin(Kind.PR_API, f"step {step.id or step.index + 1} looks up the pull request"))
        if self.artifact_after is not None and step.index > self.artifact_after and _READS_FILES.search(code):
            taint.add(
                Origin(Kind.ARTIFACT, f"step {step.id or step.index + 1} reads the downloaded artifact")
            )
        return frozenset(taint)

    def job_output(self, job_id: str, name: str) -> Taint:
        scope = lookup(self.jobs, job_id)
        if scope is None:
            return EMPTY
        value = lookup(scope.job.outputs, name)
        if value is None:
            return EMPTY
        return self._guarded(f"job:{job_id}:{name}", lambda: scope.text(value.text, None))

    def input(self, name: str) -> Taint:
        if self.inputs is not None:
            return lookup(self.inputs, name) or EMPTY
        return frozenset({Origin(Kind.INPUT, f"inputs.{name}")})

    def _guarded(self, key: str, compute: object) -> Taint:
        if key in self._active:
            return EMPTY
        self._active.add(key)
        try:
            assert callable(compute)
            result: Taint = compute()
            return result
        finally:
            self._active.discard(key)


def lookup(mapping: Mapping[str, V], name: str) -> V | None:
    """``mapping[name]``, falling back to a case-insensitive match as GitHub expressions do."""
    if name in mapping:
        return mapping[name]
    folded = name.lower()
    return next((value for key, value in mapping.items() if key.lower() == folded), None)
