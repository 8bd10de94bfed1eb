"""The vocabulary shared by every policy: severities, modes, findings, alerts, actions and decisions.

Policies are pure: they turn an event plus facts into a ``Decision`` — findings that explain, and
actions for the engine to carry out. Actions are plain data; ``guard.actions`` executes them.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar


class Severity(enum.IntEnum):
    """Ordered severities; critical and high mean a fork can get secrets or a write token."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            names = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {text!r}; expected one of {names}") from None


class Mode(enum.StrEnum):
    """``observe`` reports without corrective writes; ``enforce`` also acts."""

    OFF = "off"
    OBSERVE = "observe"
    ENFORCE = "enforce"


@dataclass(frozen=True)
class Evidence:
    """A place in a file that supports a finding; lines and columns are 1-based."""

    path: str
    line: int
    column: int = 1
    end_line: int | None = None
    snippet: str | None = None


@dataclass(frozen=True)
class Finding:
    """One thing a policy found, with the evidence and a concrete fix."""

    rule: str
    severity: Severity
    message: str
    evidence: tuple[Evidence, ...] = ()
    fix: str | None = None
    confidence: str = "high"
    suppressed: str | None = None


@dataclass(frozen=True)
class AlertSpec:
    """An alert a policy asks to raise; repeats with the same key update one alert."""

    severity: Severity
    policy: str
    rule: str
    title: str
    details: str
    repository: str | None = None
    subject: str | None = None
    actor: str | None = None
    action_taken: str | None = None

    def dedupe_key(self) -> str:
        return "|".join((self.policy, self.rule, self.repository or "", self.subject or ""))


@dataclass(frozen=True)
class Action:
    """Something the engine should do; subclasses are frozen dataclasses of plain data."""

    kind: ClassVar[str] = "action"
    writes_github: ClassVar[bool] = True
    corrective: ClassVar[bool] = False

    def identity(self) -> str:
        """A stable description of the action's target, used for its idempotency key."""
        return f"{self.kind}:{_digest(as_json(self))}"

    def describe(self) -> str:
        return self.kind.replace("_", " ")


@dataclass(frozen=True)
class RaiseAlert(Action):
    """Write an alert to the feed."""

    kind: ClassVar[str] = "raise_alert"
    writes_github: ClassVar[bool] = False

    alert: AlertSpec

    def identity(self) -> str:
        return f"{self.kind}:{self.alert.dedupe_key()}"

    def describe(self) -> str:
        return f"raise {self.alert.severity.label} alert: {self.alert.title}"


@dataclass(frozen=True)
class SaveState(Action):
    """Remember a value for later deliveries (written by the engine, so a dry run writes nothing)."""

    kind: ClassVar[str] = "save_state"
    writes_github: ClassVar[bool] = False

    namespace: str
    key: str
    value: Any

    def identity(self) -> str:
        return f"{self.kind}:{self.namespace}:{self.key}:{_digest(self.value)}"

    def describe(self) -> str:
        return f"remember {self.namespace} {self.key}"


@dataclass(frozen=True)
class DeleteState(Action):
    """Forget a remembered value (written by the engine, so a dry run deletes nothing)."""

    kind: ClassVar[str] = "delete_state"
    writes_github: ClassVar[bool] = False

    namespace: str
    key: str

    def describe(self) -> str:
        return f"forget {self.namespace} {self.key}"


@dataclass(frozen=True)
class Decision:
    """What one policy decided about one event, and why."""

    policy: str
    summary: str
    findings: tuple[Finding, ...] = ()
    actions: tuple[Action, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)


def as_json(value: Any) -> Any:
    """Plain JSON-ready data for dataclasses, enums, tuples and mappings (for the decision log)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {f.name: as_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
        kind = getattr(type(value), "kind", None)
        return {"kind": kind, **data} if isinstance(value, Action) else data
    if isinstance(value, enum.Enum):
        return value.label if isinstance(value, Severity) else value.value
    if isinstance(value, Mapping):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [as_json(v) for v in value]
    return value


def _digest(data: Any) -> str:
    return hashlib.sha256(repr(data).encode()).hexdigest()[:16]
