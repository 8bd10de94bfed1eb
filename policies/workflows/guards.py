"""What an ``if:`` condition really requires before a job or step runs, for one triggering event.

A condition is evaluated symbolically for a given event (and, when known, activity type): references to
``github.event_name`` and ``github.event.action`` become constants, and the checks that restrict who
can reach the job become gates. ``a && b`` needs the gates of both, ``a || b`` only those common to
both sides. Checks an outsider controls (the branch name, the comment text, a bot's ``github.actor``)
are not gates.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from functools import lru_cache

from policies.workflows.expressions import (
    Access,
    Binary,
    Call,
    Expr,
    ExpressionError,
    Literal,
    Unary,
    find_spans,
    parse,
    path_of,
)


class Gate(enum.Enum):
    """A check that stops an outsider."""

    SAME_REPO = "the pull request must come from a branch of this repository"
    TRUSTED_ACTOR = "the person who triggered the run must be a trusted user"
    TRUSTED_AUTHOR = "the pull request or issue author must be a trusted user"
    LABEL = "a maintainer must have added a label (it stays on the pull request)"
    LABEL_EVENT = "the run must be started by a maintainer adding a label"
    MERGED = "the pull request must have been merged, so a maintainer accepted its code"
    SPOOFABLE_ACTOR = "github.actor is compared with a bot's name, which an outsider can arrange"


@dataclass(frozen=True)
class Cond:
    """``never`` (cannot be true for this event), ``always``, or ``maybe`` under the listed gates."""

    state: str
    gates: frozenset[Gate] = frozenset()

    @property
    def runs(self) -> bool:
        return self.state != "never"

    def blocks_outsiders(self) -> bool:
        return bool(self.gates - {Gate.SPOOFABLE_ACTOR})


NEVER = Cond("never")
ALWAYS = Cond("always")
MAYBE = Cond("maybe")

_TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
_HEAD_REPO = frozenset(
    {
        "github.event.pull_request.head.repo.full_name",
        "github.event.workflow_run.head_repository.full_name",
        "github.event.pull_request.head.repo.owner.login",
        "github.event.workflow_run.head_repository.owner.login",
    }
)
_THIS_REPO = frozenset(
    {
        "github.repository",
        "github.repository_owner",
        "github.event.repository.full_name",
        "github.event.pull_request.base.repo.full_name",
        "github.event.repository.owner.login",
        "github.event.pull_request.base.repo.owner.login",
    }
)
_FORK_FLAGS = frozenset(
    {
        "github.event.pull_request.head.repo.fork",
        "github.event.workflow_run.head_repository.fork",
    }
)
_ACTORS = frozenset({"github.actor", "github.triggering_actor", "github.event.sender.login"})
_ACTOR_LOGINS = frozenset({"github.event.comment.user.login", "github.event.review.user.login"})
_AUTHOR_LOGINS = frozenset({"github.event.pull_request.user.login", "github.event.issue.user.login"})
_ACTOR_ASSOCIATIONS = frozenset(
    {
        "github.event.comment.author_association",
        "github.event.review.author_association",
    }
)
_AUTHOR_ASSOCIATIONS = frozenset(
    {"github.event.pull_request.author_association", "github.event.issue.author_association"}
)
_MERGED = "github.event.pull_request.merged"
_PR_LABELS = "github.event.pull_request.labels.*.name"


def both(a: Cond, b: Cond) -> Cond:
    if not a.runs or not b.runs:
        return NEVER
    if a.state == "always":
        return b
    if b.state == "always":
        return a
    return Cond("maybe", a.gates | b.gates)


def either(a: Cond, b: Cond) -> Cond:
    if not a.runs:
        return b
    if not b.runs:
        return a
    if "always" in (a.state, b.state):
        return ALWAYS
    return Cond("maybe", a.gates & b.gates)


def negate(a: Cond) -> Cond:
    return {"never": ALWAYS, "always": NEVER}.get(a.state, MAYBE)


@lru_cache(maxsize=8192)
def condition(
    text: str | None, event: str, activity: str | None = None, trusted: frozenset[str] = frozenset()
) -> Cond:
    """Evaluate an ``if:`` for ``event``; a missing condition always runs, unreadable ones maybe.

    ``trusted`` holds lower-case context prefixes (``steps.check``, ``needs.auth.outputs.ok``) whose
    values come from a check of the actor's permission: a condition on them is a gate."""
    if text is None or not text.strip():
        return ALWAYS
    stripped = text.strip()
    spans = find_spans(stripped)
    if spans and not (len(spans) == 1 and spans[0].start == 0 and spans[0].end == len(stripped)):
        return ALWAYS  # text around ${{ }} makes a non-empty string, which is always true
    source = spans[0].source if spans else stripped
    try:
        expr = parse(source)
    except ExpressionError:
        return MAYBE
    return _Evaluator(event, activity, trusted).cond(expr)


@dataclass(frozen=True)
class _Evaluator:
    event: str
    activity: str | None
    trusted: frozenset[str] = frozenset()

    def cond(self, expr: Expr) -> Cond:
        if isinstance(expr, Binary):
            return self.binary(expr)
        if isinstance(expr, Unary):
            return self._not(expr.operand)
        if isinstance(expr, Call):
            return self.call(expr)
        if isinstance(expr, Literal):
            return ALWAYS if expr.value not in (False, None, "", 0.0) else NEVER
        return self.truthy(expr)

    def binary(self, expr: Binary) -> Cond:
        if expr.operator in ("&&", "||"):
            left, right = self.cond(expr.left), self.cond(expr.right)
            return both(left, right) if expr.operator == "&&" else either(left, right)
        first, second = (expr.right, expr.left) if isinstance(expr.left, Literal) else (expr.left, expr.right)
        if expr.operator == "==":
            return self.equal(first, second)
        if expr.operator == "!=":
            return self.different(first, second)
        return MAYBE

    def _not(self, operand: Expr) -> Cond:
        if _dotted(operand) in _FORK_FLAGS:
            return Cond("maybe", frozenset({Gate.SAME_REPO}))
        return negate(self.cond(operand))

    def truthy(self, expr: Expr) -> Cond:
        path = _dotted(expr)
        if path.startswith("github.event.workflow_run.pull_requests.*"):
            return Cond("maybe", frozenset({Gate.SAME_REPO}))  # empty for runs from forks
        if path == _MERGED:
            return Cond("maybe", frozenset({Gate.MERGED}))
        return Cond("maybe", frozenset({Gate.TRUSTED_ACTOR})) if self.checked(path) else MAYBE

    def checked(self, path: str) -> bool:
        """Whether ``path`` is the result of a permission check."""
        return any(path == prefix or path.startswith(prefix + ".") for prefix in self.trusted)

    def equal(self, left: Expr, right: Expr) -> Cond:
        name, value = _dotted(left), right.value if isinstance(right, Literal) else None
        constant = self.constant(name, value)
        if constant is not None:
            return constant
        if name == "github.event.workflow_run.event" and isinstance(value, str):
            return MAYBE if value.startswith("pull_request") else Cond("maybe", frozenset({Gate.SAME_REPO}))
        if name == _MERGED and value is True:
            return Cond("maybe", frozenset({Gate.MERGED}))
        if (self.checked(name) and value not in (False, "false", "", None)) or self.checked(_call_arg(left)):
            return Cond("maybe", frozenset({Gate.TRUSTED_ACTOR}))
        gate = _gate(name, _dotted(right), value)
        return Cond("maybe", frozenset({gate})) if gate else MAYBE

    def different(self, left: Expr, right: Expr) -> Cond:
        name, value = _dotted(left), right.value if isinstance(right, Literal) else None
        constant = self.constant(name, value)
        if constant is not None:
            return negate(constant)
        same_repo = (
            (name in _FORK_FLAGS and value is True)
            or (name == "github.event.workflow_run.event" and value == "pull_request")
            or (name.startswith("github.event.workflow_run.pull_requests.*") and value in (None, ""))
        )
        return Cond("maybe", frozenset({Gate.SAME_REPO})) if same_repo else MAYBE

    def constant(self, name: str, value: object) -> Cond | None:
        """``github.event_name`` and (when the activity is known) ``github.event.action`` are constants."""
        if name == "github.event_name" and isinstance(value, str):
            return ALWAYS if value == self.event else NEVER
        if name == "github.event.action" and isinstance(value, str) and self.activity is not None:
            return ALWAYS if value == self.activity else NEVER
        return None

    def call(self, expr: Call) -> Cond:
        if expr.name == "always":
            return ALWAYS
        if expr.name != "contains" or len(expr.args) != 2:
            return MAYBE
        haystack, needle = expr.args
        if any(self.checked(_dotted(arg)) or self.checked(_call_arg(arg)) for arg in expr.args):
            return Cond("maybe", frozenset({Gate.TRUSTED_ACTOR}))
        if _dotted(haystack) == _PR_LABELS and self.event in ("pull_request_target", "pull_request"):
            return Cond("maybe", frozenset({Gate.LABEL}))
        gate = _association_gate(_dotted(needle))
        return Cond("maybe", frozenset({gate})) if gate else MAYBE


def _gate(name: str, other: str, value: object) -> Gate | None:
    if (name in _HEAD_REPO and other in _THIS_REPO) or (other in _HEAD_REPO and name in _THIS_REPO):
        return Gate.SAME_REPO
    if name in _FORK_FLAGS and value is False:
        return Gate.SAME_REPO
    if not isinstance(value, str) or not value:
        return None
    return _gate_by_literal(name, value)


def _gate_by_literal(name: str, value: str) -> Gate | None:
    gates = {
        Gate.SAME_REPO: name in _HEAD_REPO,
        Gate.LABEL_EVENT: name == "github.event.label.name",
        Gate.SPOOFABLE_ACTOR: name in _ACTORS and value.endswith("[bot]"),
        Gate.TRUSTED_ACTOR: name in _ACTORS
        or name in _ACTOR_LOGINS
        or (name in _ACTOR_ASSOCIATIONS and value in _TRUSTED_ASSOCIATIONS),
        Gate.TRUSTED_AUTHOR: name in _AUTHOR_LOGINS
        or (name in _AUTHOR_ASSOCIATIONS and value in _TRUSTED_ASSOCIATIONS),
    }
    return next((gate for gate, holds in gates.items() if holds), None)


def _association_gate(name: str) -> Gate | None:
    if name in _ACTOR_ASSOCIATIONS:
        return Gate.TRUSTED_ACTOR
    if name in _AUTHOR_ASSOCIATIONS:
        return Gate.TRUSTED_AUTHOR
    return None


def _call_arg(expr: Expr) -> str:
    """The context inside ``fromJSON(...)`` or similar wrappers, for checks written around a call."""
    while isinstance(expr, Access):
        expr = expr.base
    if isinstance(expr, Call) and expr.args:
        return _dotted(expr.args[0])
    return ""


def _dotted(expr: Expr) -> str:
    path = path_of(expr) if not isinstance(expr, Literal) else None
    return ".".join(path) if path else ""
