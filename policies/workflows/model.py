"""Typed, positioned views of a workflow or a composite action, built from ``yaml_source`` nodes.

Only what the rules read is modelled; every value keeps its node so findings can point at it. Shapes
that GitHub would reject (a job that is not a mapping, steps that are not a list) raise ``ShapeError``
with the position, which the analyser reports as the file's problem.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import cached_property, wraps
from typing import Any, TypeVar, cast

from policies.yaml_source import Mapping, Node, Scalar, Sequence


class ShapeError(ValueError):
    """A document that parses as YAML but is not a workflow or action GitHub would accept."""

    def __init__(self, node: Node | None, message: str) -> None:
        super().__init__(message)
        self.line = node.line if node is not None else 1
        self.column = node.column if node is not None else 1
        self.message = message


@dataclass(frozen=True, eq=False)
class Step:
    """One step: ``uses`` or ``run``, with its inputs, environment and condition."""

    node: Mapping
    index: int
    id: str | None
    name: str | None
    uses: Scalar | None
    run: Scalar | None
    with_: MappingABC[str, Scalar]
    env: MappingABC[str, Scalar]
    condition: Scalar | None
    working_directory: str | None
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False)

    @property
    def action(self) -> str:
        """``owner/repo[/path]`` of a ``uses:`` step, lower-cased, without the ref; empty for ``run:``."""
        if self.uses is None:
            return ""
        return str(self.uses.value).split("@", 1)[0].strip().lower()

    @property
    def ref(self) -> str:
        text = str(self.uses.value) if self.uses is not None else ""
        return text.split("@", 1)[1].strip() if "@" in text else ""

    def input(self, name: str) -> Scalar | None:
        return self.with_.get(name)

    @cached_property
    def code(self) -> str:
        """The step's script, inputs and condition as one text, for pattern searches."""
        parts = [self.run.text if self.run else "", self.condition.text if self.condition else ""]
        return "\n".join([*parts, *(value.text for value in self.with_.values())])

    @cached_property
    def code_lower(self) -> str:
        return self.code.lower()


@dataclass(frozen=True, eq=False)
class Job:
    """A job: its steps, or the reusable workflow it calls."""

    id: str
    node: Mapping
    key: Scalar
    steps: tuple[Step, ...]
    env: MappingABC[str, Scalar]
    condition: Scalar | None
    needs: tuple[str, ...]
    permissions: Node | None
    runs_on: Node | None
    environment: Node | None
    container: Node | None
    uses: Scalar | None
    with_: MappingABC[str, Scalar]
    secrets: Node | None
    outputs: MappingABC[str, Scalar]
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False)


@dataclass(frozen=True, eq=False)
class Workflow:
    """A workflow file, or a composite action (``kind == "action"``, one pseudo-job of its steps)."""

    path: str
    kind: str
    root: Mapping
    on: Node | None
    env: MappingABC[str, Scalar]
    permissions: Node | None
    jobs: tuple[Job, ...]
    inputs: tuple[str, ...] = ()
    lines: tuple[str, ...] = field(default=(), repr=False)

    def job(self, job_id: str) -> Job | None:
        return next((job for job in self.jobs if job.id == job_id), None)


F = TypeVar("F", bound=Callable[..., Any])


def per_object(func: F) -> F:
    """Remember ``func(owner, *args)`` in ``owner.memo`` (a step's or job's facts do not change while it is
    analysed); the other arguments are keyed by identity."""
    name = func.__qualname__

    @wraps(func)
    def remembered(owner: Any, *args: Any) -> Any:
        slot = (name, *(id(arg) for arg in args))
        if slot not in owner.memo:
            owner.memo[slot] = func(owner, *args)
        return owner.memo[slot]

    return cast(F, remembered)


def build(path: str, root: Node | None, text: str) -> Workflow:
    """Model a parsed workflow (``.github/workflows/*``) or action (``action.yml``)."""
    if not isinstance(root, Mapping):
        raise ShapeError(root, "the document must be a mapping")
    lines = tuple(text.splitlines())
    if "runs" in root or ("jobs" not in root and _is_action_path(path)):
        return _action(path, root, lines)
    jobs_node = root.get("jobs")
    if not isinstance(jobs_node, Mapping):
        raise ShapeError(jobs_node or root, "a workflow needs a 'jobs' mapping")
    jobs = tuple(_job(key, value) for key, value in jobs_node.pairs)
    return Workflow(
        path,
        "workflow",
        root,
        _on(root),
        _scalars(root.get("env")),
        root.get("permissions"),
        jobs,
        lines=lines,
    )


def _is_action_path(path: str) -> bool:
    return path.rsplit("/", 1)[-1] in ("action.yml", "action.yaml")


def _on(root: Mapping) -> Node | None:
    """The ``on:`` value; YAML 1.1 readers turn the key into ``true``, so accept that spelling too."""
    return root.get("on") if "on" in root else root.get("true")


def _action(path: str, root: Mapping, lines: tuple[str, ...]) -> Workflow:
    runs = root.get("runs")
    if not isinstance(runs, Mapping):
        raise ShapeError(runs or root, "an action needs a 'runs' mapping")
    using = runs.get("using")
    steps_node = runs.get("steps") if isinstance(using, Scalar) and using.value == "composite" else None
    inputs_node = root.get("inputs")
    inputs = tuple(inputs_node.keys()) if isinstance(inputs_node, Mapping) else ()
    key = next(k for k, _ in root.pairs if k.text == "runs")
    steps = _steps(steps_node) if steps_node is not None else ()
    job = Job("(action)", runs, key, steps, {}, None, (), None, None, None, None, None, {}, None, outputs={})
    return Workflow(path, "action", root, None, {}, None, (job,), inputs=inputs, lines=lines)


def _job(key: Scalar, node: Node) -> Job:
    if not isinstance(node, Mapping):
        raise ShapeError(node, f"job {key.text!r} must be a mapping")
    steps_node = node.get("steps")
    uses = node.get("uses")
    return Job(
        id=key.text,
        node=node,
        key=key,
        steps=_steps(steps_node) if steps_node is not None else (),
        env=_scalars(node.get("env")),
        condition=_scalar(node.get("if")),
        needs=_names(node.get("needs")),
        permissions=node.get("permissions"),
        runs_on=node.get("runs-on"),
        environment=node.get("environment"),
        container=node.get("container"),
        uses=uses if isinstance(uses, Scalar) else None,
        with_=_scalars(node.get("with")),
        secrets=node.get("secrets"),
        outputs=_scalars(node.get("outputs")),
    )


def _steps(node: Node) -> tuple[Step, ...]:
    if not isinstance(node, Sequence):
        raise ShapeError(node, "'steps' must be a list")
    steps = []
    for index, item in enumerate(node.items):
        if not isinstance(item, Mapping):
            raise ShapeError(item, "each step must be a mapping")
        steps.append(_step(item, index))
    return tuple(steps)


def _step(node: Mapping, index: int) -> Step:
    uses, run = node.get("uses"), node.get("run")
    workdir = _scalar(node.get("working-directory"))
    return Step(
        node=node,
        index=index,
        id=_text(node.get("id")),
        name=_text(node.get("name")),
        uses=uses if isinstance(uses, Scalar) else None,
        run=run if isinstance(run, Scalar) else None,
        with_=_scalars(node.get("with")),
        env=_scalars(node.get("env")),
        condition=_scalar(node.get("if")),
        working_directory=workdir.text if workdir is not None else None,
    )


def _scalars(node: Node | None) -> dict[str, Scalar]:
    if not isinstance(node, Mapping):
        return {}
    return {key.text: value for key, value in node.pairs if isinstance(value, Scalar)}


def _scalar(node: Node | None) -> Scalar | None:
    return node if isinstance(node, Scalar) else None


def _text(node: Node | None) -> str | None:
    return node.text if isinstance(node, Scalar) else None


def _names(node: Node | None) -> tuple[str, ...]:
    if isinstance(node, Scalar):
        return (node.text,)
    if isinstance(node, Sequence):
        return tuple(item.text for item in node.items if isinstance(item, Scalar))
    return ()


def text_of(node: Node | None) -> str:
    """All scalar text under ``node``, joined by newlines (for searching, not for display)."""
    if node is None:
        return ""
    if isinstance(node, Scalar):
        return node.text
    if isinstance(node, Sequence):
        return "\n".join(text_of(item) for item in node.items)
    assert isinstance(node, Mapping)
    return "\n".join(f"{key.text}: {text_of(value)}" for key, value in node.pairs)
